"""Persistent grade 2 through the API and the scheduler's tick (CLINICAL.md, "Blood pressure").

Grade 2 on 3 sittings within 7 days, on at least 2 different local days and spanning at least
24 hours, is a review alert; three sittings in one afternoon are not persistence. The alert
reaches the site by e-mail on the next tick.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import time_machine

from tests.scheduler.conftest import tick

T0 = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 14:00 on Tuesday 11-24 in Shanghai (p2: en)


def sitting(client, world, at: datetime, systolic: int = 148, diastolic: int = 94) -> dict:  # type: ignore[type-arg]
    """One single-reading sitting of p2 (its own sitting id), posted at the instant it was measured."""
    with time_machine.travel(at, tick=False):
        r = client.post(
            "/api/v1/me/bp-readings",
            json={
                "client_id": str(uuid.uuid4()),
                "sitting_id": str(uuid.uuid4()),
                "measured_at": at.isoformat(),
                "systolic": systolic,
                "diastolic": diastolic,
            },
            headers=world.headers("p2"),
        )
    assert r.status_code == 201, r.json
    assert r.json["grade"] == 2 and r.json["repeat_requested"] is False
    return r.json


def review_mails(sink):  # type: ignore[no-untyped-def]
    return [m for m in sink.messages if " review alert " in m.subject]


def test_grade_2_in_one_afternoon_is_not_persistence_and_24_hours_over_2_days_is(
    app, client, world, transport, smtp_sink
):
    afternoon = [sitting(client, world, T0 + timedelta(minutes=m)) for m in (0, 100, 200)]
    assert [r["alert"] for r in afternoon] == [None, None, None]
    assert {r["advice"]["code"] for r in afternoon} == {"bp_elevated"}
    # next morning, 23 h 59 min after the first sitting: two local days, but not 24 hours
    almost = sitting(client, world, T0 + timedelta(hours=23, minutes=59))
    assert almost["alert"] is None
    tick(app, T0 + timedelta(hours=23, minutes=59, seconds=30))
    assert review_mails(smtp_sink) == []  # (the missed first doses of 11-24 are info alerts)
    # exactly 24 hours after the first sitting
    persistent = sitting(client, world, T0 + timedelta(hours=24))
    alert = persistent["alert"]
    assert alert is not None and alert["rule_id"] == "BP-PERSISTENT-G2" and alert["severity"] == "review"
    assert "on >= 2 days spanning >= 24 h" in alert["title"]
    evidence = alert["evidence"][0]
    assert evidence["local_days"] == ["2026-11-24", "2026-11-25"] and evidence["span_hours"] == 24.0
    assert len(evidence["sittings"]) == 5
    assert persistent["advice"]["code"] == "bp_persistent"
    tick(app, T0 + timedelta(hours=24, minutes=1))
    smtp_sink.wait_for(3)  # p1's and p2's missed-dose info alerts, and this one
    subjects = [m.subject for m in review_mails(smtp_sink)]
    assert subjects == ["[Dosing Diary] review alert for participant 01-002"]
    listed = client.get(
        f"/api/v1/alerts?participant_id={world.participants['p2']}", headers=world.headers("coordinator_a")
    ).json
    assert [a["rule_id"] for a in listed if a["kind"] == "bp"] == ["BP-PERSISTENT-G2"]
