"""Home BP readings through HTTP: sittings, repeat prompt, advice, alerts, plausibility, idempotency."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine

from backend import clock
from tests.helpers import STAFF_READ, check_matrix


def post_bp(
    client,
    world,
    systolic,
    diastolic,
    *,
    who="p2",
    measured_at=None,
    pulse=None,
    sitting_id=None,
    client_id=None,
):
    body = {
        "client_id": client_id or str(uuid.uuid4()),
        "measured_at": (measured_at or clock.now()).isoformat(),
        "systolic": systolic,
        "diastolic": diastolic,
    }
    if pulse is not None:
        body["pulse"] = pulse
    if sitting_id is not None:
        body["sitting_id"] = sitting_id
    return client.post("/api/v1/me/bp-readings", json=body, headers=world.headers(who))


def alerts_of(client, world, who="p2", staff="coordinator_a"):
    pid = world.participants[who]
    return client.get(f"/api/v1/alerts?participant_id={pid}", headers=world.headers(staff)).json


def test_normal_reading_gets_reassurance_and_no_alert(client, world):
    r = post_bp(client, world, 118, 76, pulse=70)
    assert r.status_code == 201, r.json
    assert r.json["grade"] == 0
    assert r.json["advice"]["code"] == "bp_normal"
    assert r.json["advice"]["level"] == "ok"
    assert r.json["repeat_requested"] is False
    assert r.json["alert"] is None
    assert r.json["reading"]["advice_shown"] == r.json["advice"]


def test_single_165_102_reading_only_asks_for_a_repeat(client, world):
    r = post_bp(client, world, 165, 102)
    assert r.status_code == 201, r.json
    assert r.json["repeat_requested"] is True
    assert r.json["advice"]["code"] == "bp_repeat"
    assert "5 minutes" in r.json["advice"]["text"]
    assert r.json["alert"] is None
    assert alerts_of(client, world) == []


def test_confirmed_165_102_sitting_opens_one_review_alert(client, world):
    start = clock.now() - timedelta(minutes=10)
    first = post_bp(client, world, 166, 103, measured_at=start)
    second = post_bp(client, world, 164, 101, measured_at=start + timedelta(minutes=6))
    assert second.status_code == 201, second.json
    assert second.json["reading"]["sitting_id"] == first.json["reading"]["sitting_id"]
    assert second.json["grade"] == 3
    assert second.json["repeat_requested"] is False
    assert second.json["advice"] == {
        "code": "bp_contact_team_today",
        "level": "review",
        "text": second.json["advice"]["text"],
    }
    assert "Do not take more anlotinib" in second.json["advice"]["text"]
    alert = second.json["alert"]
    assert alert["rule_id"] == "BP-CONFIRMED-160-100"
    assert alert["severity"] == "review"
    assert alert["kind"] == "bp"
    assert alert["study_id"] == "01-002"
    evidence = alert["evidence"][0]
    assert evidence["rule_id"] == "BP-CONFIRMED-160-100"
    assert [(x["systolic"], x["diastolic"]) for x in evidence["readings"]] == [(166, 103), (164, 101)]
    assert evidence["mean_systolic"] == 165.0 and evidence["mean_diastolic"] == 102.0
    assert evidence["advice_shown"][0]["code"] == "bp_contact_team_today"
    assert alert["advice_shown"][0]["code"] == "bp_contact_team_today"
    assert "UK acute-oncology" in alert["source"]
    # a third reading of the same sitting refines the mean; it is not a second occurrence
    third = post_bp(client, world, 165, 102, measured_at=start + timedelta(minutes=9))
    assert third.json["alert"]["id"] == alert["id"]
    listed = alerts_of(client, world)
    assert len(listed) == 1 and listed[0]["occurrences"] == 1
    assert len(listed[0]["evidence"][0]["readings"]) == 3


def test_reading_long_after_the_previous_starts_a_new_sitting(client, world):
    first = post_bp(client, world, 165, 102, measured_at=clock.now() - timedelta(hours=2))
    second = post_bp(client, world, 165, 102)
    assert second.json["reading"]["sitting_id"] != first.json["reading"]["sitting_id"]
    assert second.json["repeat_requested"] is True
    assert alerts_of(client, world) == []


def test_explicit_sitting_id_groups_readings(client, world):
    sitting = str(uuid.uuid4())
    post_bp(client, world, 150, 95, sitting_id=sitting, measured_at=clock.now() - timedelta(hours=3))
    r = post_bp(client, world, 130, 85, sitting_id=sitting)
    assert r.json["reading"]["sitting_id"] == sitting
    assert r.json["grade"] == 2  # mean 140/90


def test_185_112_opens_an_urgent_alert_with_emergency_advice(client, world):
    r = post_bp(client, world, 185, 112)
    assert r.status_code == 201
    assert r.json["advice"]["code"] == "bp_emergency"
    assert r.json["advice"]["level"] == "urgent"
    assert "emergency" in r.json["advice"]["text"]
    assert r.json["repeat_requested"] is False
    assert r.json["alert"]["rule_id"] == "BP-CRISIS"
    assert r.json["alert"]["severity"] == "urgent"
    assert r.json["alert"]["status"] == "open"


def test_emergency_advice_is_in_the_participants_language(client, world):
    zh = post_bp(client, world, 185, 112, who="p1").json["advice"]
    en = post_bp(client, world, 185, 112, who="p2").json["advice"]
    assert zh["code"] == en["code"] == "bp_emergency"
    assert zh["text"] != en["text"]
    assert "120" in zh["text"]


def test_severe_headache_today_makes_a_single_165_102_urgent(client, world):
    report = {"client_id": str(uuid.uuid4()), "answers": {"headache_frequency": 3, "headache_severity": 3}}
    assert (
        client.post("/api/v1/me/symptom-reports", json=report, headers=world.headers("p2")).status_code == 201
    )
    r = post_bp(client, world, 165, 102)
    assert r.json["alert"]["rule_id"] == "BP-CRISIS"
    assert r.json["advice"]["code"] == "bp_emergency"
    assert r.json["alert"]["evidence"][0]["crisis_symptoms"] is True


def test_grade_2_on_three_sittings_in_a_week_opens_a_persistent_alert(client, world):
    now = clock.now()
    results = [post_bp(client, world, 148, 94, measured_at=now - timedelta(days=d)).json for d in (5, 3)]
    assert all(r["alert"] is None for r in results)
    r = post_bp(client, world, 148, 94, measured_at=now)
    assert r.json["alert"]["rule_id"] == "BP-PERSISTENT-G2"
    assert r.json["advice"]["code"] == "bp_persistent"
    assert len(r.json["alert"]["evidence"][0]["sittings"]) == 3


@pytest.mark.parametrize(
    ("values", "field", "bound"),
    [
        ((301, 90, None), "systolic", "50 to 300"),
        ((49, 30, None), "systolic", "50 to 300"),
        ((150, 201, None), "diastolic", "20 to 200"),
        ((120, 19, None), "diastolic", "20 to 200"),
        ((100, 110, None), "systolic", "SBP > DBP"),
        ((120, 80, 251), "pulse", "20 to 250"),
        ((120, 80, 19), "pulse", "20 to 250"),
    ],
)
def test_implausible_reading_is_422_naming_the_bound(client, world, values, field, bound):
    systolic, diastolic, pulse = values
    r = post_bp(client, world, systolic, diastolic, pulse=pulse)
    assert r.status_code == 422
    assert bound in r.json["errors"]["json"][field][0]
    assert (
        client.get(
            f"/api/v1/participants/{world.participants['p2']}/bp-readings",
            headers=world.headers("coordinator_a"),
        ).json
        == []
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {
            "client_id": "not-a-uuid",
            "measured_at": "2026-11-24T08:00:00+08:00",
            "systolic": 120,
            "diastolic": 80,
        },
        {
            "client_id": str(uuid.uuid4()),
            "measured_at": "2026-11-24T08:00:00",
            "systolic": 120,
            "diastolic": 80,
        },
        {
            "client_id": str(uuid.uuid4()),
            "measured_at": "2026-11-24T08:00:00Z",
            "systolic": "x",
            "diastolic": 80,
        },
        {
            "client_id": str(uuid.uuid4()),
            "measured_at": "2026-11-24T08:00:00Z",
            "systolic": 12.5,
            "diastolic": 8,
        },
        {
            "client_id": str(uuid.uuid4()),
            "measured_at": "0001-01-01T00:00:00+14:00",
            "systolic": 120,
            "diastolic": 80,
        },
        {
            "client_id": str(uuid.uuid4()),
            "measured_at": "9999-12-31T23:59:59-14:00",
            "systolic": 120,
            "diastolic": 80,
        },
    ],
)
def test_malformed_reading_is_422(client, world, body):
    r = client.post("/api/v1/me/bp-readings", json=body, headers=world.headers("p2"))
    assert r.status_code == 422, r.json


def test_future_reading_is_422(client, world):
    r = post_bp(client, world, 120, 80, measured_at=clock.now() + timedelta(hours=1))
    assert r.status_code == 422
    assert "measured_at" in r.json["errors"]["json"]


def test_same_client_id_returns_the_same_record_without_a_new_alert_or_audit_event(client, world):
    pid = world.participants["p2"]
    coord = world.headers("coordinator_a")
    client_id = str(uuid.uuid4())
    measured_at = clock.now()
    first = post_bp(client, world, 185, 112, client_id=client_id, measured_at=measured_at)
    events = len(client.get(f"/api/v1/participants/{pid}/audit", headers=coord).json)
    with time_machine.travel(clock.now() + timedelta(minutes=2)):
        again = post_bp(client, world, 185, 112, client_id=client_id, measured_at=measured_at)
    assert again.status_code == 200
    assert again.json == first.json
    assert len(client.get(f"/api/v1/participants/{pid}/audit", headers=coord).json) == events
    listed = alerts_of(client, world)
    assert len(listed) == 1 and listed[0]["occurrences"] == 1
    readings = client.get(f"/api/v1/participants/{pid}/bp-readings", headers=coord).json
    assert len(readings) == 1


def test_same_client_id_with_a_different_reading_is_409(client, world):
    client_id = str(uuid.uuid4())
    measured_at = clock.now()
    assert post_bp(client, world, 120, 80, client_id=client_id, measured_at=measured_at).status_code == 201
    assert post_bp(client, world, 121, 80, client_id=client_id, measured_at=measured_at).status_code == 409


def test_reading_is_audited(client, world):
    r = post_bp(client, world, 120, 80)
    events = client.get(
        f"/api/v1/participants/{world.participants['p2']}/audit", headers=world.headers("coordinator_a")
    ).json
    event = events[-1]
    assert event["action"] == "bp_reading.create"
    assert event["entity_id"] == r.json["reading"]["id"]
    assert event["actor_type"] == "device"


def test_staff_read_a_participants_readings_newest_first(client, world):
    now = clock.now()
    post_bp(client, world, 120, 80, who="p1", measured_at=now - timedelta(hours=5))
    post_bp(client, world, 130, 85, who="p1", measured_at=now)
    readings = client.get(
        f"/api/v1/participants/{world.participants['p1']}/bp-readings", headers=world.headers("monitor")
    ).json
    assert [(r["systolic"], r["grade"]) for r in readings] == [(130, 1), (120, 1)]


def test_bp_endpoints_authorization(client, world):
    check_matrix(client, world, "GET", "/api/v1/participants/{p1}/bp-readings", STAFF_READ)
    device_only = {c: 403 for c in STAFF_READ} | {"anonymous": 401, "p1": 201, "p3": 201}
    check_matrix(
        client,
        world,
        "POST",
        "/api/v1/me/bp-readings",
        device_only,
        lambda who: {
            "client_id": str(uuid.uuid4()),
            "measured_at": clock.now().isoformat(),
            "systolic": 120,
            "diastolic": 80,
        },
    )
