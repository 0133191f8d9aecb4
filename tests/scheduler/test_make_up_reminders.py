"""Dose reminders through the scheduler's tick: the make-up cut-off of the next *scheduled* dose.

The participant is in Shanghai with a 23:30 dose time (an evening worker), so a day's follow-up
(02:30) falls after local midnight and its cut-off is the next morning: 11:30 when the next dose
is tomorrow (23:30 - 12 h), 12:00 (the entry window) on day 14 when nothing is scheduled next. The
scheduler is down overnight; a reminder missed meanwhile is sent while still useful, else dropped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine

from backend.models import Reminder
from tests.helpers import patient
from tests.scheduler.conftest import rows, subscribe, tick

C1D1 = date(2026, 11, 2)  # Monday; dosing 11-02..11-15, day 14 = Sunday 11-15; break to 11-22


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def evening_patient(app, client, world, push_endpoint, name="t"):  # type: ignore[no-untyped-def]
    """Enrol ``name`` (dose 23:30, BP 21:00 local) and subscribe their phone at /push/<name>."""
    with time_machine.travel(utc(2026, 11, 1, 12), tick=False):
        pid = patient(app, world, name, c1d1=C1D1)
        r = client.patch(
            f"/api/v1/participants/{pid}",
            json={"reminder_time": "23:30", "bp_reminder_time": "21:00", "reason": "takes it before bed"},
            headers=world.headers("coordinator_a"),
        )
        assert r.status_code == 200, r.json
        subscribe(client, world, name, push_endpoint, f"/push/{name}")
    return pid


def pushes(endpoint, kind, name="t"):  # type: ignore[no-untyped-def]
    return [r for r in endpoint.received if r.path == f"/push/{name}" and r.payload["kind"] == kind]


def dose_rows(app, pid, day):  # type: ignore[no-untyped-def]
    where = (Reminder.participant_id == pid, Reminder.kind == "dose", Reminder.local_date == day)
    return {row.sequence: row for row in rows(app, Reminder, *where)}


def test_follow_up_after_an_outage_is_sent_a_minute_before_the_next_dose_minus_12h_and_dropped_after(
    app, client, world, push_endpoint, transport
):
    pid = evening_patient(app, client, world, push_endpoint)
    tick(app, utc(2026, 11, 4, 15, 0))  # 23:00 on 11-04: plans 11-03..11-05; then the scheduler is down
    # 11-04's follow-up was due 11-05 02:30; the next dose is tomorrow 23:30, so the cut-off is 11:30
    tick(app, utc(2026, 11, 5, 3, 29))  # 11:29 on 11-05
    push_endpoint.wait_for(2)  # 11-04's BP reminder (21:00) went out at 23:00, and the follow-up
    [followup] = pushes(push_endpoint, "dose_followup")
    assert followup.payload["kind"] == "dose_followup"
    assert followup.payload["due_at"] == "2026-11-04T18:30:00Z"
    assert followup.ttl == 60  # useful until 11:30 local
    assert dose_rows(app, pid, date(2026, 11, 4))[0].status == "dropped"  # the first one expired at 02:30
    # 11-05's follow-up: the scheduler comes back a minute after its cut-off (11-06 11:30)
    tick(app, utc(2026, 11, 6, 3, 31))
    assert dose_rows(app, pid, date(2026, 11, 5))[1].status == "dropped"
    assert len(pushes(push_endpoint, "dose_followup")) == 1


def test_day_14_follow_up_is_useful_until_noon_because_no_dose_is_scheduled_next(
    app, client, world, push_endpoint, transport
):
    pid = evening_patient(app, client, world, push_endpoint)
    tick(app, utc(2026, 11, 15, 15, 0))  # 23:00 on day 14 (Sunday 11-15); then the scheduler is down
    # With "the next dose is tomorrow" the follow-up would have died at 11:30; it lives until 12:00.
    tick(app, utc(2026, 11, 16, 3, 59))  # 11:59 on 11-16 (a break day)
    push_endpoint.wait_for(2)  # day 14's BP reminder went out at 23:00, and the follow-up
    [followup] = pushes(push_endpoint, "dose_followup")
    assert (followup.payload["kind"], followup.payload["due_at"]) == ("dose_followup", "2026-11-15T18:30:00Z")
    assert followup.ttl == 60
    assert dose_rows(app, pid, date(2026, 11, 15))[1].status == "queued"
    # the patient records the make-up taken at 11:58 local: it belongs to day 14
    with time_machine.travel(utc(2026, 11, 16, 3, 59, 30), tick=False):
        r = client.put(
            "/api/v1/me/doses/2026-11-15",
            json={"taken": True, "taken_at": "2026-11-16T03:58:00Z"},
            headers=world.headers("t"),
        )
    assert r.status_code == 201 and r.json["flags"] == ["taken_after_midnight"], r.json
    tick(app, utc(2026, 11, 16, 4, 1))
    assert len(pushes(push_endpoint, "dose_followup")) == 1 and pushes(push_endpoint, "dose_reminder") == []


def test_day_14_follow_up_is_dropped_a_minute_after_noon(app, client, world, push_endpoint, transport):
    pid = evening_patient(app, client, world, push_endpoint)
    tick(app, utc(2026, 11, 15, 15, 0))
    tick(app, utc(2026, 11, 16, 4, 1))  # 12:01 on 11-16
    assert dose_rows(app, pid, date(2026, 11, 15))[1].status == "dropped"
    assert pushes(push_endpoint, "dose_followup") == []
