"""A single high reading whose repeat never comes (issue 14, item 3), through HTTP and the tick.

CLINICAL.md ("Blood pressure"): no second reading within 30 minutes -> one push asking to measure
again; nothing within 2 hours -> a review alert "high reading not confirmed". The participant is
in Shanghai; the single 165/102 is sent at 2026-11-04 10:00Z (18:00 local).
"""

from __future__ import annotations

import tomllib
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from backend.domain import bp
from backend.domain import protocol as protocol_module
from backend.domain.protocol import get_protocol
from tests.helpers import patient
from tests.scheduler.conftest import subscribe, tick

T = datetime(2026, 11, 4, 10, 0, tzinfo=UTC)


def reading(client, world, when, systolic, diastolic, sitting_id=None):  # type: ignore[no-untyped-def]
    body = {
        "client_id": str(uuid.uuid4()),
        "measured_at": when.isoformat(),
        "systolic": systolic,
        "diastolic": diastolic,
    }
    if sitting_id:
        body["sitting_id"] = sitting_id
    with time_machine.travel(when, tick=False):
        r = client.post("/api/v1/me/bp-readings", json=body, headers=world.headers("u"))
    assert r.status_code == 201, r.json
    return r.json


def enrolled(app, client, world, push_endpoint, protocol_ref=None):  # type: ignore[no-untyped-def]
    with time_machine.travel(T - timedelta(days=3), tick=False):
        pid = patient(app, world, "u", c1d1=date(2026, 11, 2), protocol_ref=protocol_ref)
        subscribe(client, world, "u", push_endpoint, "/push/u")
    return pid


def repeat_pushes(endpoint):  # type: ignore[no-untyped-def]
    return [r for r in endpoint.received if r.payload["title"] == "Please measure your blood pressure again"]


def unconfirmed_alerts(client, world, pid):  # type: ignore[no-untyped-def]
    found = client.get(f"/api/v1/alerts?participant_id={pid}", headers=world.headers("coordinator_a")).json
    return [a for a in found if a["rule_id"] == "BP-UNCONFIRMED-HIGH"]


def test_one_push_after_30_minutes_then_a_review_alert_after_2_hours_and_never_twice(
    app, client, world, push_endpoint, transport
):
    pid = enrolled(app, client, world, push_endpoint)
    first = reading(client, world, T, 165, 102)
    assert first["repeat_requested"] is True and first["alert"] is None
    tick(app, T + timedelta(minutes=29))
    assert repeat_pushes(push_endpoint) == []
    tick(app, T + timedelta(minutes=31))
    tick(app, T + timedelta(minutes=31))  # a replayed tick sends nothing more
    tick(app, T + timedelta(minutes=90))
    push_endpoint.wait_for(1)
    [push] = repeat_pushes(push_endpoint)
    assert push.payload["kind"] == "bp_reminder" and push.payload["url"] == "/#bp"
    assert push.payload["id"] == first["reading"]["id"]
    assert "measure again" in push.payload["body"]
    assert unconfirmed_alerts(client, world, pid) == []

    tick(app, T + timedelta(hours=2, minutes=1))
    tick(app, T + timedelta(hours=2, minutes=2))
    [alert] = unconfirmed_alerts(client, world, pid)
    assert (alert["severity"], alert["status"], alert["occurrences"]) == ("review", "open", 1)
    assert alert["title"].startswith("High reading not confirmed")
    [evidence] = alert["evidence"]
    assert evidence["reading_id"] == first["reading"]["id"] and evidence["confirmed"] is False
    assert (evidence["readings"][0]["systolic"], evidence["readings"][0]["diastolic"]) == (165, 102)
    assert alert["advice_shown"][0]["code"] == "bp_repeat"
    assert len(repeat_pushes(push_endpoint)) == 1
    # not confirmed, so not the wait-for-team state: the product never guesses a confirmation
    with time_machine.travel(T + timedelta(hours=3), tick=False):
        today = client.get("/api/v1/me/today", headers=world.headers("u")).json
    assert today["instruction"]["state"] != "wait_for_team"


def test_a_repeat_within_30_minutes_means_no_push_and_no_alert(app, client, world, push_endpoint, transport):
    pid = enrolled(app, client, world, push_endpoint)
    first = reading(client, world, T, 165, 102)
    reading(client, world, T + timedelta(minutes=6), 150, 94, sitting_id=first["reading"]["sitting_id"])
    for minutes in (31, 125, 200):
        tick(app, T + timedelta(minutes=minutes))
    assert repeat_pushes(push_endpoint) == [] and unconfirmed_alerts(client, world, pid) == []


def test_a_reading_after_the_push_answers_it(app, client, world, push_endpoint, transport):
    pid = enrolled(app, client, world, push_endpoint)
    reading(client, world, T, 166, 104)
    tick(app, T + timedelta(minutes=35))
    push_endpoint.wait_for(1)
    reading(client, world, T + timedelta(minutes=50), 138, 86)  # a new sitting, graded on its own
    tick(app, T + timedelta(hours=2, minutes=5))
    assert len(repeat_pushes(push_endpoint)) == 1 and unconfirmed_alerts(client, world, pid) == []


@pytest.mark.parametrize(
    ("minutes", "later", "nudged", "expected"),
    [
        (29, False, False, None),
        (30, False, False, bp.NUDGE),
        (31, False, True, None),
        (119, False, True, None),
        (120, False, True, bp.ALERT_UNCONFIRMED),
        (120, False, False, bp.ALERT_UNCONFIRMED),  # the scheduler was down: alert, no late push
        (45, True, True, bp.ANSWERED),
        (200, True, False, bp.ANSWERED),
    ],
)
def test_unconfirmed_high_step_table(minutes, later, nudged, expected):
    rules = get_protocol().bp  # the shipped protocol: 30 minutes, then 2 hours
    assert bp.unconfirmed_high_step(T, T + timedelta(minutes=minutes), later, nudged, rules) == expected


@pytest.mark.parametrize(
    ("minutes", "nudged", "expected"),
    [
        (9, False, None),
        (10, False, bp.NUDGE),
        (30, True, None),
        (44, True, None),
        (45, True, bp.ALERT_UNCONFIRMED),
    ],
)
def test_unconfirmed_high_step_follows_the_protocols_delays(minutes, nudged, expected):
    rules = replace(get_protocol().bp, repeat_nudge_minutes=10, unconfirmed_alert_minutes=45)
    assert bp.unconfirmed_high_step(T, T + timedelta(minutes=minutes), False, nudged, rules) == expected


@pytest.fixture
def quicker_protocol(monkeypatch):  # type: ignore[no-untyped-def]
    """SKB264-ANLO v2 whose push comes after 10 minutes and alert after 45, registered for every
    service (the registry of the shipped directory is a cached dict) for this test only."""
    raw = tomllib.loads((protocol_module.PROTOCOL_DIR / "skb264-anlo.v1.toml").read_text(encoding="utf-8"))
    raw["protocol"]["version"] = 2
    raw["bp"] = {**raw["bp"], "repeat_nudge_minutes": 10, "unconfirmed_alert_minutes": 45}
    v2 = protocol_module.parse_protocol(raw)
    registry = protocol_module._registry(protocol_module.PROTOCOL_DIR)
    monkeypatch.setitem(registry, (v2.key, v2.version), v2)
    return v2.ref


def test_the_protocol_sets_when_the_push_and_the_alert_come(
    app, client, world, push_endpoint, transport, quicker_protocol
):
    pid = enrolled(app, client, world, push_endpoint, protocol_ref=quicker_protocol)
    first = reading(client, world, T, 165, 102)
    assert first["repeat_requested"] is True
    tick(app, T + timedelta(minutes=9))
    assert repeat_pushes(push_endpoint) == []
    tick(app, T + timedelta(minutes=11))  # not 30: the protocol says 10
    push_endpoint.wait_for(1)
    assert len(repeat_pushes(push_endpoint)) == 1
    tick(app, T + timedelta(minutes=44))
    assert unconfirmed_alerts(client, world, pid) == []
    tick(app, T + timedelta(minutes=46))  # not 2 hours: the protocol says 45 minutes
    [alert] = unconfirmed_alerts(client, world, pid)
    assert (alert["severity"], alert["status"]) == ("review", "open")
    assert alert["evidence"][0]["reading_id"] == first["reading"]["id"]
    assert len(repeat_pushes(push_endpoint)) == 1
