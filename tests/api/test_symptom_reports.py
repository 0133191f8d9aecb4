"""Symptom reports through HTTP: the questionnaire in both languages, validation, advice and alerts."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine

from backend import clock
from tests.helpers import STAFF_READ, check_matrix


def report(client, world, answers, *, who="p2", temperature_c=None, client_id=None, reported_at=None):
    body = {"client_id": client_id or str(uuid.uuid4()), "answers": answers}
    if temperature_c is not None:
        body["temperature_c"] = temperature_c
    if reported_at is not None:
        body["reported_at"] = reported_at.isoformat()
    return client.post("/api/v1/me/symptom-reports", json=body, headers=world.headers(who))


def item_codes(questionnaire):
    return [item["code"] for group in questionnaire["symptoms"] for item in group["items"]]


def test_symptom_items_have_the_same_codes_in_both_languages_with_different_wording(client, world):
    zh = client.get("/api/v1/me/symptom-items", headers=world.headers("p1"))
    en = client.get("/api/v1/me/symptom-items", headers=world.headers("p2"))
    assert zh.status_code == en.status_code == 200
    assert zh.json["language"] == "zh-CN" and en.json["language"] == "en"
    assert item_codes(zh.json) == item_codes(en.json)
    assert "coughing_blood_presence" in item_codes(en.json)
    zh_items = [i for g in zh.json["symptoms"] for i in g["items"]]
    en_items = [i for g in en.json["symptoms"] for i in g["items"]]
    for zh_item, en_item in zip(zh_items, en_items, strict=True):
        assert zh_item["question"] != en_item["question"]
        assert [o["value"] for o in zh_item["options"]] == [o["value"] for o in en_item["options"]]
    fever = next(g for g in en.json["symptoms"] if g["code"] == "fever")
    assert fever["temperature"] is True
    assert en.json["questionnaire"] == "anlo-daily.v2"
    codes = item_codes(zh.json)
    assert codes[codes.index("blurred_vision_interference") + 1 :][:4] == [
        "dry_eye_severity",
        "dry_eye_interference",
        "nosebleed_frequency",
        "nosebleed_severity",
    ]


def test_quiet_report_is_stored_with_reassuring_advice(client, world):
    r = report(client, world, {"nausea_frequency": 1, "nausea_severity": 1}, temperature_c=36.8)
    assert r.status_code == 201, r.json
    assert r.json["alerts"] == []
    assert [a["code"] for a in r.json["advice"]] == ["symptoms_keep_recording"]
    assert r.json["report"]["advice_shown"] == r.json["advice"]
    assert r.json["report"]["temperature_c"] == 36.8


def test_38_3_opens_an_urgent_fever_alert(client, world):
    r = report(client, world, {"fever_chills_presence": 1}, temperature_c=38.3)
    assert r.status_code == 201, r.json
    codes = [a["code"] for a in r.json["advice"]]
    assert codes[0] == "symptoms_call_now" and "fever_call_now" in codes
    assert r.json["advice"][0]["level"] == "urgent"
    [alert] = r.json["alerts"]
    assert alert["rule_id"] == "SYM-FEVER"
    assert alert["severity"] == "urgent"
    assert alert["kind"] == "symptom"
    evidence = alert["evidence"][0]
    assert evidence["temperature_c"] == 38.3
    assert evidence["answers"] == {"fever_chills_presence": 1}
    assert evidence["rule_id"] == "SYM-FEVER"
    assert evidence["report_id"] == r.json["report"]["id"]
    assert [a["code"] for a in evidence["advice_shown"]] == codes
    assert "febrile neutropenia" in alert["source"]


@pytest.mark.parametrize(("temperature", "alerted"), [(37.9, False), (38.0, True)])
def test_fever_threshold(client, world, temperature, alerted):
    r = report(client, world, {"fever_chills_presence": 0}, temperature_c=temperature)
    assert bool(r.json["alerts"]) is alerted


def test_coughing_blood_is_urgent_with_bleeding_advice_in_chinese(client, world):
    r = report(client, world, {"coughing_blood_presence": 1}, who="p1")
    assert r.json["alerts"][0]["rule_id"] == "SYM-HEMOPTYSIS"
    bleeding = next(a for a in r.json["advice"] if a["code"] == "bleeding_call_now")
    assert "120" in bleeding["text"] and "anlotinib" not in bleeding["text"]


def test_worsening_by_two_points_against_the_previous_report(client, world):
    earlier = clock.now() - timedelta(hours=20)
    report(client, world, {"fatigue_severity": 1, "fatigue_interference": 0}, reported_at=earlier)
    by_one = report(client, world, {"fatigue_severity": 2, "fatigue_interference": 0})
    assert by_one.json["alerts"] == []
    by_two = report(client, world, {"fatigue_severity": 3, "fatigue_interference": 0})
    rules = [a["rule_id"] for a in by_two.json["alerts"]]
    assert rules == ["SYM-SEVERE"]  # 3 is also "severe"; the specific-first rule shows it once


def test_diarrhoea_grade_2_on_two_days_uses_the_previous_local_day(client, world):
    answers = {"diarrhea_frequency": 2, "diarrhea_stools_count": 2}
    first = report(client, world, answers, reported_at=clock.now() - timedelta(days=1))
    assert [a["rule_id"] for a in first.json["alerts"]] == []
    second = report(client, world, answers)
    assert "SYM-DIARRHEA-G2-2D" in [a["rule_id"] for a in second.json["alerts"]]
    assert "diarrhea_fluids" in [a["code"] for a in second.json["advice"]]


@pytest.mark.parametrize(
    ("answers", "temperature", "field"),
    [
        ({"not_an_item": 1}, None, "answers.not_an_item"),
        ({"nausea_frequency": 5}, None, "answers.nausea_frequency"),
        ({"nausea_frequency": -1}, None, "answers.nausea_frequency"),
        ({"coughing_blood_presence": 2}, None, "answers.coughing_blood_presence"),
        ({"diarrhea_frequency": 1, "diarrhea_stools_count": 4}, None, "answers.diarrhea_stools_count"),
        ({"nausea_frequency": "2"}, None, "answers.nausea_frequency"),
        ({"nausea_frequency": 1.5}, None, "answers.nausea_frequency"),
        ({"nausea_frequency": True}, None, "answers.nausea_frequency"),
        ({"nausea_frequency": None}, None, "answers.nausea_frequency"),
        ({"nausea_severity": 2}, None, "answers.nausea_severity"),
        # PRO-CTCAE branching: frequency "never" then a severity above 0 contradicts itself
        ({"nosebleed_frequency": 0, "nosebleed_severity": 2}, None, "answers.nosebleed_severity"),
        ({"dry_eye_severity": 0, "dry_eye_interference": 3}, None, "answers.dry_eye_interference"),
        ({"nausea_frequency": 1}, 43.5, "temperature_c"),
        ({"nausea_frequency": 1}, 33.9, "temperature_c"),
        ({}, None, "answers"),
    ],
)
def test_every_invalid_answer_is_a_422_naming_the_field(client, world, answers, temperature, field):
    r = report(client, world, answers, temperature_c=temperature)
    assert r.status_code == 422, r.json
    assert field in r.json["errors"]["json"], r.json
    if field == "temperature_c":
        assert "34.0 to 43.0" in r.json["errors"]["json"][field][0]
    assert (
        client.get(
            f"/api/v1/participants/{world.participants['p2']}/symptom-reports",
            headers=world.headers("coordinator_a"),
        ).json
        == []
    )


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {"nausea_frequency": 1}},
        {"client_id": str(uuid.uuid4())},
        {"client_id": str(uuid.uuid4()), "answers": [1, 2]},
        {"client_id": str(uuid.uuid4()), "answers": {"nausea_frequency": 1}, "temperature_c": "hot"},
        {"client_id": str(uuid.uuid4()), "answers": {"nausea_frequency": 1}, "extra": 1},
        {"client_id": str(uuid.uuid4()), "answers": {"nausea_frequency": 1}, "reported_at": "yesterday"},
        {
            "client_id": str(uuid.uuid4()),
            "answers": {"nausea_frequency": 1},
            "reported_at": "2999-01-01T00:00:00Z",
        },
    ],
)
def test_malformed_report_is_422(client, world, body):
    r = client.post("/api/v1/me/symptom-reports", json=body, headers=world.headers("p2"))
    assert r.status_code == 422, r.json


def test_same_client_id_returns_the_same_report_and_no_duplicate_alert(client, world):
    pid = world.participants["p2"]
    coord = world.headers("coordinator_a")
    client_id = str(uuid.uuid4())
    first = report(client, world, {"fever_chills_presence": 1}, temperature_c=38.3, client_id=client_id)
    events = len(client.get(f"/api/v1/participants/{pid}/audit", headers=coord).json)
    with time_machine.travel(clock.now() + timedelta(minutes=1)):
        again = report(client, world, {"fever_chills_presence": 1}, temperature_c=38.3, client_id=client_id)
    assert again.status_code == 200
    assert again.json == first.json
    assert len(client.get(f"/api/v1/participants/{pid}/audit", headers=coord).json) == events
    alerts = client.get(f"/api/v1/alerts?participant_id={pid}", headers=coord).json
    assert len(alerts) == 1 and alerts[0]["occurrences"] == 1
    different = report(client, world, {"fever_chills_presence": 0}, temperature_c=38.3, client_id=client_id)
    assert different.status_code == 409


def test_report_is_audited_and_listed_for_staff(client, world):
    r = report(client, world, {"rash_presence": 1}, who="p1")
    pid = world.participants["p1"]
    events = client.get(f"/api/v1/participants/{pid}/audit", headers=world.headers("investigator_a")).json
    assert events[-1]["action"] == "symptom_report.create"
    assert events[-1]["entity_id"] == r.json["report"]["id"]
    listed = client.get(f"/api/v1/participants/{pid}/symptom-reports", headers=world.headers("monitor")).json
    assert [x["answers"] for x in listed] == [{"rash_presence": 1}]


def test_symptom_endpoints_authorization(client, world):
    check_matrix(client, world, "GET", "/api/v1/participants/{p1}/symptom-reports", STAFF_READ)
    device_only = {c: 403 for c in STAFF_READ} | {"anonymous": 401}
    check_matrix(client, world, "GET", "/api/v1/me/symptom-items", device_only | {"p1": 200, "p3": 200})
    check_matrix(
        client,
        world,
        "POST",
        "/api/v1/me/symptom-reports",
        device_only | {"p1": 201, "p3": 201},
        lambda who: {"client_id": str(uuid.uuid4()), "answers": {"nausea_frequency": 0}},
    )
