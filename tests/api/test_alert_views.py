"""Alerts as staff read them through HTTP: evidence in words in both languages, the published
source only, names instead of staff ids, and the "not resolved" and rule filters."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from backend import clock
from tests.helpers import act, bp, fever

HEX_ID = re.compile(r"\b[0-9a-f]{32}\b")


def get_alert(client, world, alert_id, language="en", who="coordinator_a"):
    headers = {**world.headers(who), "Accept-Language": language}
    r = client.get(f"/api/v1/alerts/{alert_id}", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def test_fever_evidence_reads_as_a_sentence_in_the_patients_time(client, world):
    alert = fever(client, world, temperature=38.3)  # p1, Asia/Shanghai; the clock is 06:00Z = 14:00 there
    text = get_alert(client, world, alert["id"])["text"]
    assert text["title"] == "Fever (febrile neutropenia risk)"
    assert text["evidence"] == ["Temperature 38.3 °C at Tuesday 24 November, 14:00, Fever and chills: Yes"]
    assert "CTCAE v5.0 febrile neutropenia" in text["source"]
    assert "Basch et al." in text["source"]
    assert "CLINICAL.md" not in text["source"] and "PRODUCT.md" not in text["source"]
    chinese = get_alert(client, world, alert["id"], "zh-CN")["text"]
    assert chinese["title"] == "发热（发热性中性粒细胞减少风险）"
    assert chinese["evidence"][0].startswith("11月24日星期二 14:00 体温 38.3 °C")


def test_a_confirmed_sitting_shows_its_mean_and_grade(client, world):
    sitting = str(uuid.uuid4())
    for systolic, diastolic, minutes in ((166, 101, 6), (162, 99, 0)):
        body = {
            "client_id": str(uuid.uuid4()),
            "measured_at": (clock.now() - timedelta(minutes=minutes)).isoformat(),
            "systolic": systolic,
            "diastolic": diastolic,
            "sitting_id": sitting,
        }
        answer = client.post("/api/v1/me/bp-readings", json=body, headers=world.headers("p2"))
        assert answer.status_code == 201, answer.json
    alert = answer.json["alert"]
    text = get_alert(client, world, alert["id"])["text"]
    assert text["evidence"] == [
        "Sitting of 2 readings at Tuesday 24 November, 14:00, mean 164/100 mmHg, grade 3 (CTCAE v5.0)"
    ]
    assert text["source"].startswith("CTCAE v5.0; ")
    assert not HEX_ID.search(" ".join([text["title"], *text["evidence"], text["source"]]))


def test_acknowledged_and_resolved_by_are_names(client, world):
    alert = fever(client, world)
    assert act(client, world, alert["id"], "acknowledge", note=None).status_code == 200
    answer = act(client, world, alert["id"], "resolve", who="investigator_a", note="seen in clinic")
    assert answer.status_code == 200
    assert answer.json["acknowledged_by_name"] == "coordinator_a"
    assert answer.json["resolved_by_name"] == "investigator_a"


def test_not_resolved_and_rule_filters(client, world):
    fever_alert = fever(client, world)
    bp_alert = bp(client, world, 185, 112)["alert"]
    assert act(client, world, fever_alert["id"], "acknowledge", note=None).status_code == 200
    headers = world.headers("coordinator_a")
    open_only = client.get("/api/v1/alerts?status=open", headers=headers).json
    assert [a["id"] for a in open_only] == [bp_alert["id"]]
    not_resolved = client.get("/api/v1/alerts?status=open&status=acknowledged", headers=headers).json
    assert {a["id"] for a in not_resolved} == {fever_alert["id"], bp_alert["id"]}
    by_rule = client.get("/api/v1/alerts?rule_id=SYM-FEVER", headers=headers).json
    assert [a["id"] for a in by_rule] == [fever_alert["id"]]
    bad = client.get("/api/v1/alerts?status=closed", headers=headers)
    assert bad.status_code == 422


def test_published_source_drops_internal_documents_and_repeats() -> None:
    from backend.domain.alert_text import published_source

    source = (
        "CLINICAL.md blood pressure rules; IC-OS via AHA 2023 (hold therapy at >= 180/110); "
        "NCI panel / Maitland JNCI 2010; IC-OS via AHA 2023"
    )
    assert published_source(source, "CTCAE v5.0") == (
        "CTCAE v5.0; IC-OS via AHA 2023 (hold therapy at >= 180/110); NCI panel / Maitland JNCI 2010"
    )
    assert published_source("product decision (PRODUCT.md)") == ""
