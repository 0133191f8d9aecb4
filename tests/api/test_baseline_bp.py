"""A participant's baseline BP (CTCAE v6.0 baseline rise) through HTTP: set at enrolment or later
with a reason, audited, optional; the grade's evidence on every reading says whether the
baseline-rise criterion could be applied."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from backend import clock
from backend.domain.protocol import get_protocol
from backend.services import bp_readings

ENROL = {
    "study_id": "01-050",
    "timezone": "Asia/Shanghai",
    "language": "en",
    "reminder_time": "08:00",
    "c1d1": "2026-11-24",
}


def enrol(client, world, **extra):  # type: ignore[no-untyped-def]
    body = {**ENROL, "site_id": world.sites["a"], **extra}
    return client.post("/api/v1/participants", json=body, headers=world.headers("coordinator_a"))


def patch(client, world, pid, **body):  # type: ignore[no-untyped-def]
    return client.patch(f"/api/v1/participants/{pid}", json=body, headers=world.headers("coordinator_a"))


def audit(client, world, pid, action):  # type: ignore[no-untyped-def]
    events = client.get(f"/api/v1/participants/{pid}/audit", headers=world.headers("monitor")).json
    return [e for e in events if e["action"] == action]


def bp(client, world, who, systolic, diastolic):  # type: ignore[no-untyped-def]
    body = {
        "client_id": str(uuid.uuid4()),
        "sitting_id": str(uuid.uuid4()),
        "measured_at": clock.now().isoformat(),
        "systolic": systolic,
        "diastolic": diastolic,
    }
    r = client.post("/api/v1/me/bp-readings", json=body, headers=world.headers(who))
    assert r.status_code == 201, r.json
    return r.json


def test_baseline_is_optional_at_enrolment_and_stored_when_given(client, world):
    without = enrol(client, world)
    with_baseline = enrol(client, world, study_id="01-051", baseline_sbp=124, baseline_dbp=78)
    assert without.status_code == with_baseline.status_code == 201, (without.json, with_baseline.json)
    assert (without.json["baseline_sbp"], without.json["baseline_dbp"]) == (None, None)
    assert (with_baseline.json["baseline_sbp"], with_baseline.json["baseline_dbp"]) == (124, 78)
    [event] = audit(client, world, with_baseline.json["id"], "participant.enrol")
    assert (event["after"]["baseline_sbp"], event["after"]["baseline_dbp"]) == (124, 78)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"baseline_sbp": 124}, "baseline_dbp", "set (or cleared) together"),
        ({"baseline_dbp": 78}, "baseline_sbp", "set (or cleared) together"),
        ({"baseline_sbp": 90, "baseline_dbp": 95}, "baseline_sbp", "SBP > DBP"),
        ({"baseline_sbp": 301, "baseline_dbp": 80}, "baseline_sbp", "300"),
        ({"baseline_sbp": "124", "baseline_dbp": 78}, "baseline_sbp", "integer"),
    ],
)
def test_a_bad_baseline_is_422_naming_the_field(client, world, values, field, message):
    r = enrol(client, world, **values)
    assert r.status_code == 422, r.json
    assert message in r.json["errors"]["json"][field][0]


def test_baseline_is_set_later_with_a_reason_audited_and_cleared_together(client, world):
    pid = world.participants["p2"]
    no_reason = patch(client, world, pid, baseline_sbp=130, baseline_dbp=80)
    half = patch(client, world, pid, baseline_sbp=130, reason="screening visit BP")
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]["json"]
    assert half.status_code == 422 and "baseline_dbp" in half.json["errors"]["json"]
    ok = patch(client, world, pid, baseline_sbp=130, baseline_dbp=80, reason="screening visit BP")
    assert ok.status_code == 200, ok.json
    assert (ok.json["baseline_sbp"], ok.json["baseline_dbp"]) == (130, 80)
    changed = patch(client, world, pid, baseline_dbp=76, reason="transcription error corrected")
    assert changed.status_code == 200 and (changed.json["baseline_sbp"], changed.json["baseline_dbp"]) == (
        130,
        76,
    )
    other = patch(client, world, pid, language="zh-CN", reason="prefers Chinese")
    assert (other.json["baseline_sbp"], other.json["baseline_dbp"]) == (130, 76)  # untouched
    cleared = patch(client, world, pid, baseline_sbp=None, baseline_dbp=None, reason="baseline unreliable")
    assert cleared.status_code == 200 and cleared.json["baseline_sbp"] is None
    events = [
        e for e in audit(client, world, pid, "participant.update") if "baseline_dbp" in (e["after"] or {})
    ]
    assert [(e["before"], e["after"], e["reason"]) for e in events] == [
        (
            {"baseline_sbp": None, "baseline_dbp": None},
            {"baseline_sbp": 130, "baseline_dbp": 80},
            "screening visit BP",
        ),
        ({"baseline_dbp": 80}, {"baseline_dbp": 76}, "transcription error corrected"),
        (
            {"baseline_sbp": 130, "baseline_dbp": 76},
            {"baseline_sbp": None, "baseline_dbp": None},
            "baseline unreliable",
        ),
    ]


@pytest.fixture
def ctcae_6(monkeypatch):  # type: ignore[no-untyped-def]
    """The participants' protocol with the CTCAE v6.0 grading table (a site's configuration choice)."""
    protocol = get_protocol()
    v6 = replace(protocol, bp=replace(protocol.bp, grading_table="ctcae-6.0"))
    monkeypatch.setattr(bp_readings, "get_protocol", lambda ref=None: v6)


def test_v6_grading_uses_the_baseline_and_says_when_it_could_not(client, world, ctcae_6):
    before = bp(client, world, "p2", 150, 90)
    assert before["grade"] == 2
    rise = before["reading"]["grading"]["baseline_rise"]
    assert rise["applied"] is False and "could not be applied" in rise["reason"]
    pid = world.participants["p2"]
    assert (
        patch(client, world, pid, baseline_sbp=122, baseline_dbp=78, reason="screening BP").status_code == 200
    )
    after = bp(client, world, "p2", 150, 90)
    assert after["grade"] == 3  # SBP 150 > 140 and 28 mmHg above the baseline
    grading = after["reading"]["grading"]
    assert grading["table"] == "ctcae-6.0" and grading["table_grade"] == 2
    assert grading["baseline_rise"] == {
        "applied": True,
        "met": True,
        "baseline": {"systolic": 122, "diastolic": 78, "map": 92.7},
        "systolic_rise": 28.0,
        "map_rise": 17.3,
    }
    listed = client.get(
        f"/api/v1/participants/{pid}/bp-readings", headers=world.headers("coordinator_a")
    ).json
    assert [r["grade"] for r in listed] == [3, 2]


def test_v5_grading_has_no_baseline_criterion(client, world):
    pid = world.participants["p2"]
    assert (
        patch(client, world, pid, baseline_sbp=122, baseline_dbp=78, reason="screening BP").status_code == 200
    )
    reading = bp(client, world, "p2", 150, 90)
    assert reading["grade"] == 2
    assert reading["reading"]["grading"]["table"] == "ctcae-5.0"
    assert "baseline_rise" not in reading["reading"]["grading"]
