"""BP reminders through the scheduler's tick on every day of every hold, from cycle 2 on as well.

CLINICAL.md, "Blood pressure": BP every day in cycle 1, then on dosing days (configurable), and
every day of a hold (product decision: hypertension is the most common reason to hold anlotinib).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine

from tests.helpers import patient
from tests.scheduler.conftest import subscribe, tick


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_bp_reminders_every_day_of_a_hold_in_cycle_2(app, client, world, push_endpoint, transport):
    """CLINICAL.md: BP every day of every hold (product decision), also from cycle 2 on."""
    with time_machine.travel(utc(2026, 10, 11, 12), tick=False):
        pid = patient(app, world, "h", c1d1=date(2026, 10, 12))
        subscribe(client, world, "h", push_endpoint, "/push/h")
    with time_machine.travel(utc(2026, 11, 2, 2), tick=False):
        confirm = client.post(
            f"/api/v1/participants/{pid}/cycles",
            json={"start_date": "2026-11-02"},
            headers=world.headers("coordinator_a"),
        )
        hold = client.post(  # cycle 2 days 9-19: six dosing days and five break days
            f"/api/v1/participants/{pid}/holds",
            json={"start_date": "2026-11-10", "end_date": "2026-11-20", "reason": "grade 3 hypertension"},
            headers=world.headers("investigator_a"),
        )
    assert confirm.status_code == 201 and hold.status_code == 201, (confirm.json, hold.json)
    for offset in range(15):  # 11-08 .. 11-22, each day at 08:05 local (BP reminder at 08:00)
        tick(app, utc(2026, 11, 8, 0, 5) + timedelta(days=offset))
    received = push_endpoint.wait_for(13)
    got = sorted(r.payload["due_at"][:10] for r in received if r.payload["kind"] == "bp_reminder")
    held = [f"2026-11-{day}" for day in range(10, 21)]
    # Shanghai 08:00 is 00:00Z the same date; 11-21 and 11-22 are break days after the hold
    assert got == ["2026-11-08", "2026-11-09", *held]
    with time_machine.travel(utc(2026, 11, 18, 1), tick=False):  # a held break day
        assert client.get("/api/v1/me/today", headers=world.headers("h")).json["bp_due"] is True
