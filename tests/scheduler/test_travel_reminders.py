"""Reminders across a change of zone, through the scheduler's tick: the right instant, exactly once.

New York (08:00 dose, 3 h follow-up) to Tokyo, 14 zones east, answered "local" on 11-04. The
change takes effect when 11-05 begins in New York (05:00Z, 14:00 in Tokyo): 08:00 Tokyo on 11-05
(23:00Z on 11-04) would be only 10 h after 11-04's dose and still 11-04 in New York, so 11-05's
reminder moves to 05:00Z and its old New York row (13:00Z) is never sent. From 11-06 on the dose
is at 08:00 Tokyo. Ticks run every 15 minutes across the change, and the window is replayed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine

from backend.models import Reminder
from tests.helpers import patient, put
from tests.scheduler.conftest import rows, subscribe, tick

NY, TOKYO = "America/New_York", "Asia/Tokyo"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def iso(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_reminders_after_a_change_of_zone_arrive_at_the_new_instant_exactly_once(
    app, client, world, push_endpoint, transport
):
    with time_machine.travel(utc(2026, 11, 1, 12), tick=False):
        pid = patient(app, world, "t", c1d1=date(2026, 11, 2), tz=NY)
        subscribe(client, world, "t", push_endpoint, "/push/t")
    tick(app, utc(2026, 11, 4, 11, 0))  # plans 11-03..11-05 on New York time
    old = {
        r.local_date: r.due_at
        for r in rows(
            app, Reminder, Reminder.participant_id == pid, Reminder.kind == "dose", Reminder.sequence == 0
        )
    }
    assert old[date(2026, 11, 5)] == utc(2026, 11, 5, 13)  # 08:00 New York

    with time_machine.travel(utc(2026, 11, 4, 12), tick=False):  # landed in Tokyo (21:00)
        headers = {**world.headers("t"), "X-Device-Timezone": TOKYO}
        assert (
            client.get("/api/v1/me/today", headers=headers).json["travel_prompt"]["dose_time_here"] == "22:00"
        )
        r = client.post(
            "/api/v1/me/timezone", json={"policy": "local", "device_timezone": TOKYO}, headers=headers
        )
        assert r.status_code == 200, r.json

    instant = utc(2026, 11, 4, 11, 15)
    while instant <= utc(2026, 11, 6, 3):
        tick(app, instant)
        if instant == utc(2026, 11, 4, 13, 30):  # 11-04 taken after its reminder (08:30 New York)
            with time_machine.travel(instant, tick=False):
                assert put(client, world, "t", "2026-11-04", taken=True).status_code == 201
        if instant == utc(2026, 11, 5, 6):  # 11-05 taken at 15:00 in Tokyo
            with time_machine.travel(instant, tick=False):
                entry = put(
                    client, world, "t", "2026-11-05", headers={"X-Device-Timezone": TOKYO}, taken=True
                )
                assert entry.status_code == 201 and entry.json["device_timezone"] == TOKYO
        instant += timedelta(minutes=15)
    # a replay of the whole window sends nothing again
    for replay in (utc(2026, 11, 5, 5), utc(2026, 11, 5, 13), utc(2026, 11, 5, 23)):
        tick(app, replay)

    push_endpoint.wait_for(4)
    doses = [
        p.payload for p in push_endpoint.received if p.payload["kind"] in ("dose_reminder", "dose_followup")
    ]
    assert [(p["kind"], p["due_at"]) for p in doses] == [
        ("dose_reminder", "2026-11-04T13:00:00Z"),  # 08:00 New York
        ("dose_reminder", "2026-11-05T05:00:00Z"),  # 14:00 Tokyo: 11-05 began in New York
        ("dose_reminder", "2026-11-05T23:00:00Z"),  # 08:00 Tokyo on 11-06
        ("dose_followup", "2026-11-06T02:00:00Z"),  # 11-06 not logged: 3 h later
    ]
    instants = [
        datetime.fromisoformat(p["due_at"].replace("Z", "+00:00"))
        for p in doses
        if p["kind"] == "dose_reminder"
    ]
    assert all(b - a >= timedelta(hours=12) for a, b in zip(instants, instants[1:], strict=False))
    on_change_day = rows(
        app,
        Reminder,
        Reminder.participant_id == pid,
        Reminder.local_date == date(2026, 11, 5),
        Reminder.kind == "dose",
    )
    assert {(r.sequence, r.status, iso(r.due_at)) for r in on_change_day} == {
        (0, "queued", "2026-11-05T05:00:00Z"),  # handed to the outbox once
        (1, "cancelled", "2026-11-05T08:00:00Z"),  # logged at 06:00Z, before the follow-up
    }


def test_six_zones_west_across_the_us_dst_change_one_reminder_a_day_at_8_local(
    app, client, world, push_endpoint, transport
):
    """New York to Honolulu (6 zones in summer time, 5 after the US falls back on 1 November;
    Hawaii keeps no DST), answered "local" on 10-28: from 10-29 the reminder is at 08:00 in
    Honolulu (18:00Z) every day, one per day, across the DST change; the day of the change is long
    (it begins in New York and carries on until Honolulu's midnight), never doubled."""
    with time_machine.travel(utc(2026, 10, 25, 12), tick=False):
        pid = patient(app, world, "t", c1d1=date(2026, 10, 26), tz=NY)
        subscribe(client, world, "t", push_endpoint, "/push/t")
    with time_machine.travel(utc(2026, 10, 28, 20), tick=False):  # 10:00 in Honolulu
        headers = {**world.headers("t"), "X-Device-Timezone": "Pacific/Honolulu"}
        r = client.post(
            "/api/v1/me/timezone",
            json={"policy": "local", "device_timezone": "Pacific/Honolulu"},
            headers=headers,
        )
        assert (r.json["effective_date"], r.json["switch_at"]) == ("2026-10-29", "2026-10-29T10:00:00+00:00")
    instant = utc(2026, 10, 28, 11)
    while instant <= utc(2026, 11, 2, 19):
        tick(app, instant)
        instant += timedelta(minutes=30)
    push_endpoint.wait_for(6)
    firsts = [p.payload["due_at"] for p in push_endpoint.received if p.payload["kind"] == "dose_reminder"]
    assert firsts == [
        "2026-10-28T12:00:00Z",  # 08:00 New York (EDT)
        "2026-10-29T18:00:00Z",  # 08:00 Honolulu from the day of the change
        "2026-10-30T18:00:00Z",
        "2026-10-31T18:00:00Z",
        "2026-11-01T18:00:00Z",  # the US fell back that night: Honolulu did not
        "2026-11-02T18:00:00Z",
    ]
    old = rows(app, Reminder, Reminder.participant_id == pid, Reminder.local_date == date(2026, 10, 29))
    assert {(r.kind, r.sequence): iso(r.due_at) for r in old if r.kind == "dose"} == {
        ("dose", 0): "2026-10-29T18:00:00Z",  # moved from 12:00Z (08:00 New York), sent once
        ("dose", 1): "2026-10-29T21:00:00Z",
    }
