"""A cycle confirmed for a past date, through the API and the scheduler's tick (CLINICAL.md).

The participant (Shanghai, 08:00 dose, C1D1 Thursday 10-01) gets cycle 2's infusion on its planned
day, Thursday 10-22, but the site records it later. The days in between became dosing days the
patient was never told about: the preview and the confirmation list them, the calendar shows them
"confirmed late by the site" unless logged, and they stay out of adherence and missed-dose alerts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine

from backend.models import Alert
from tests.helpers import at, patient, put
from tests.scheduler.conftest import rows, tick

C1D1 = date(2026, 10, 1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def cycles(client, world, pid, method="POST", **params):  # type: ignore[no-untyped-def]
    headers = world.headers("coordinator_a")
    if method == "GET":
        return client.get(f"/api/v1/participants/{pid}/cycles/preview", query_string=params, headers=headers)
    return client.post(f"/api/v1/participants/{pid}/cycles", json=params, headers=headers)


def dose_alerts(app):  # type: ignore[no-untyped-def]
    return sorted(
        (a.rule_id, a.evidence[-1]["dates"]) for a in rows(app, Alert) if a.rule_id.startswith("DOSE")
    )


def test_confirmed_two_days_late_lists_the_days_and_keeps_them_out_of_alerts_and_adherence(
    app, client, world, transport
):
    pid = patient(app, world, "t", c1d1=C1D1)
    with at("2026-10-24T03:00:00Z"):  # Saturday 11:00: the site records Thursday's infusion
        preview = cycles(client, world, pid, "GET", start_date="2026-10-22")
        too_early = cycles(client, world, pid, "GET", start_date="2026-10-19")
        listed_before = client.get(
            f"/api/v1/participants/{pid}/cycles", headers=world.headers("monitor")
        ).json
        confirmed = cycles(client, world, pid, start_date="2026-10-22")
    assert preview.status_code == 200, preview.json
    assert preview.json == {
        "number": 2,
        "planned_start": "2026-10-22",
        "earliest_start": "2026-10-20",
        "start_date": "2026-10-22",
        "confirmed_late_days": ["2026-10-22", "2026-10-23"],  # Saturday's dose can still be taken
    }
    assert (
        too_early.status_code == 422  # the preview reads start_date from the query
        and "from 2026-10-20" in too_early.json["errors"]["query"]["start_date"][0]
    )
    assert [c["number"] for c in listed_before] == [1]  # the preview wrote nothing
    assert confirmed.status_code == 201, confirmed.json
    assert confirmed.json["confirmed_late_days"] == ["2026-10-22", "2026-10-23"]
    assert confirmed.json["confirmed_late_through"] == "2026-10-23"
    # the patient, told by phone, records Friday's dose before noon; Thursday stays unlogged
    with at("2026-10-24T03:30:00Z"):
        assert put(client, world, "t", "2026-10-23", taken=True).status_code == 201
        days = {
            d["date"]: d
            for d in client.get(
                "/api/v1/me/calendar?from=2026-10-22&to=2026-10-24", headers=world.headers("t")
            ).json["days"]
        }
    assert [(d["status"], d["confirmed_late"]) for d in days.values()] == [
        ("confirmed_late", True),
        ("taken", True),
        ("pending", False),
    ]
    tick(app, utc(2026, 10, 24, 4, 5))  # 12:05: Friday's window closed; Friday was logged
    with time_machine.travel(utc(2026, 10, 24, 5), tick=False):
        assert put(client, world, "t", "2026-10-24", taken=True).status_code == 201
    for day in range(25, 28):  # Sunday 10-25 and Monday 10-26 not logged
        tick(app, utc(2026, 10, day, 4, 5))
    # one missed day at a time: 10-25 alone is an info alert, then 10-25 + 10-26 a review alert;
    # Thursday (confirmed late, unlogged) never counts
    assert dose_alerts(app) == [
        ("DOSE-MISSED", ["2026-10-25"]),
        ("DOSE-MISSED-2", ["2026-10-25", "2026-10-26"]),
    ]
    with at("2026-10-27T06:00:00Z"):
        report = client.get(f"/api/v1/participants/{pid}/adherence", headers=world.headers("monitor")).json
    cycle2 = report["cycles"][1]
    assert (cycle2["prescribed"], cycle2["taken"], cycle2["not_reported"], cycle2["confirmed_late"]) == (
        4,
        2,
        2,
        1,
    )
    assert cycle2["percent"] == 50.0


def test_a_late_confirmation_breaks_a_run_of_missed_days(app, client, world, transport):
    """Confirmed at 13:00 on Friday for Thursday: Thursday is late, Friday was announced in time."""
    pid = patient(app, world, "t", c1d1=C1D1)
    with at("2026-10-23T05:00:00Z"):
        confirmed = cycles(client, world, pid, start_date="2026-10-22")
    assert confirmed.json["confirmed_late_days"] == ["2026-10-22"]
    tick(app, utc(2026, 10, 24, 4, 5))  # Friday unlogged: one missed day, not two
    assert dose_alerts(app) == [("DOSE-MISSED", ["2026-10-23"])]


def test_yesterday_confirmed_late_and_unlogged_is_not_a_missed_dose(app, client, world, transport):
    pid = patient(app, world, "t", c1d1=C1D1)
    with at("2026-10-24T03:00:00Z"):
        assert cycles(client, world, pid, start_date="2026-10-22").status_code == 201
    tick(app, utc(2026, 10, 24, 4, 5))
    tick(app, utc(2026, 10, 24, 4, 5) + timedelta(minutes=5))
    assert dose_alerts(app) == []


def test_an_intake_logged_before_the_confirmation_is_no_longer_a_deviation(app, client, world):
    """The patient took Thursday's dose after the infusion; the site confirms on Saturday."""
    pid = patient(app, world, "t", c1d1=C1D1)
    with at("2026-10-22T01:00:00Z"):
        logged = put(client, world, "t", "2026-10-22", taken=True)
    assert logged.json["flags"] == ["awaiting_cycle_intake"] and logged.json["deviation"] is True
    with at("2026-10-24T03:00:00Z"):
        confirmed = cycles(client, world, pid, start_date="2026-10-22")
        entry = client.get(
            f"/api/v1/participants/{pid}/doses/2026-10-22", headers=world.headers("monitor")
        ).json
        events = client.get(f"/api/v1/participants/{pid}/audit", headers=world.headers("monitor")).json
        report = client.get(f"/api/v1/participants/{pid}/adherence", headers=world.headers("monitor")).json
    assert confirmed.json["confirmed_late_days"] == ["2026-10-22", "2026-10-23"]
    assert (entry["flags"], entry["deviation"], entry["version"]) == ([], False, 2)
    [reflag] = [e for e in events if e["action"] == "dose_log.update"]
    assert reflag["before"] == {"flags": ["awaiting_cycle_intake"], "is_deviation": True, "version": 1}
    assert reflag["reason"] == "cycle 2 confirmed from 2026-10-22: 2026-10-22 is a dosing day"
    cycle2 = report["cycles"][1]
    # Thursday was logged: it counts (taken); Friday was not: confirmed late, left out
    assert (cycle2["prescribed"], cycle2["taken"], cycle2["deviations"], cycle2["confirmed_late"]) == (
        1,
        1,
        0,
        1,
    )
