"""Six simulated weeks, ticking every 5 minutes through the tick code path, in three time zones.

Two cycles (the second confirmed 3 days late), a hold in cycle 2 for one participant, and both
European and American DST changes in cycle 1. Every expected reminder arrives exactly once, within
the tick after its local time, and no dose reminder arrives on break, hold or awaiting days (BP
reminders do on hold days: CLINICAL.md).
"""

from __future__ import annotations

import time as wallclock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from backend.db import db
from backend.models import StaffUser
from backend.scheduler.runner import run_all
from backend.services import cycles, treatment
from backend.services.auth import staff_actor
from tests.factories import build_world, enrol
from tests.scheduler.conftest import subscribe

START = datetime(2026, 10, 18, 12, 0, tzinfo=UTC)
END = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
C1 = date(2026, 10, 19)
C2 = date(2026, 11, 12)  # planned 11-09, confirmed 3 days late
HOLD = (date(2026, 11, 16), date(2026, 11, 18))
PEOPLE = {  # name: (site, zone, dose reminder time)
    "ny": ("b", "America/New_York", time(1, 30)),  # 01:30 happens twice on 2026-11-01
    "ldn": ("b", "Europe/London", time(23, 30)),  # London leaves BST on 2026-10-25
    "sh": ("a", "Asia/Shanghai", time(0, 30)),
}
BP_TIME = time(8, 0)


def local_instant(d: date, t: time, zone: str) -> datetime:
    """Independent of the product code: wall time -> UTC, first occurrence when ambiguous."""
    return datetime.combine(d, t, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def dosing_days(name: str) -> list[date]:
    days = [C1 + timedelta(days=i) for i in range(14)] + [C2 + timedelta(days=i) for i in range(14)]
    if name == "ldn":
        days = [d for d in days if not HOLD[0] <= d <= HOLD[1]]
    return days


def bp_days(name: str) -> list[date]:
    """Every day of cycle 1, then dosing days, and every day of a hold (CLINICAL.md)."""
    cycle1 = [C1 + timedelta(days=i) for i in range(21)]
    held = [HOLD[0] + timedelta(days=i) for i in range((HOLD[1] - HOLD[0]).days + 1)] if name == "ldn" else []
    return cycle1 + sorted({d for d in dosing_days(name) if d >= C2} | set(held))


def skips_logging(d: date) -> bool:
    """The participant forgets some days (then a follow-up is due)."""
    return d.toordinal() % 5 == 2


@pytest.mark.slow
def test_six_weeks_of_reminders_arrive_once_at_the_right_local_time(app, client, push_endpoint, transport):
    with time_machine.travel(START, tick=False):
        world = build_world(app)
        with app.test_request_context():
            for name, (site, zone, reminder) in PEOPLE.items():
                enrol(
                    world,
                    name,
                    site,
                    study_id=f"0{'2' if site == 'b' else '1'}-1{len(world.participants)}",
                    tz=zone,
                    c1d1=C1,
                    reminder=reminder,
                    language="en",
                )
            db.commit_request()
        pepper = app.config["SETTINGS"].token_pepper
        with app.test_request_context():
            from tests.factories import device_token

            for name in PEOPLE:
                world.tokens[name] = device_token(world.participants[name], pepper)
            db.commit_request()
        for name in PEOPLE:
            subscribe(client, world, name, push_endpoint, f"/push/{name}")

    actions: list[tuple[datetime, str, str]] = []
    for name, (_site, zone, reminder) in PEOPLE.items():
        actions.append((local_instant(C2, time(0, 5), zone), "confirm", name))
        for d in dosing_days(name):
            if not skips_logging(d):
                actions.append((local_instant(d, reminder, zone) + timedelta(hours=1), "log", name))
    actions.append((datetime(2026, 11, 14, 12, 0, tzinfo=UTC), "hold", "ldn"))
    actions.sort()

    arrivals: dict[tuple[str, str, str], list[datetime]] = {}
    seen = 0
    started = wallclock.perf_counter()
    with time_machine.travel(START, tick=False) as traveller:
        now = START
        while now <= END:
            while actions and actions[0][0] <= now:
                when, what, name = actions.pop(0)
                traveller.move_to(when)
                _act(app, client, world, what, name, when)
            traveller.move_to(now)
            result = run_all(app, now)
            assert not result.errors, (now, result.errors)
            if len(push_endpoint.received) > seen:
                push_endpoint.wait_for(len(push_endpoint.received))
                for received in push_endpoint.received[seen:]:
                    assert received.vapid_ok and received.decrypt_error is None
                    key = (
                        received.path.rsplit("/", 1)[1],
                        received.payload["kind"],
                        received.payload["due_at"],
                    )
                    arrivals.setdefault(key, []).append(now)
                seen = len(push_endpoint.received)
            now += STEP
    elapsed = wallclock.perf_counter() - started

    expected: set[tuple[str, str, str]] = set()
    for name, (_site, zone, reminder) in PEOPLE.items():
        for d in dosing_days(name):
            first = local_instant(d, reminder, zone)
            expected.add((name, "dose_reminder", first.isoformat().replace("+00:00", "Z")))
            if skips_logging(d):
                follow = first + timedelta(hours=3)
                expected.add((name, "dose_followup", follow.isoformat().replace("+00:00", "Z")))
        for d in bp_days(name):
            expected.add(
                (name, "bp_reminder", local_instant(d, BP_TIME, zone).isoformat().replace("+00:00", "Z"))
            )

    got = set(arrivals)
    assert sorted(got - expected) == [], "unexpected reminders (break, hold or awaiting days?)"
    assert sorted(expected - got) == [], "expected reminders that never arrived"
    for key, times in arrivals.items():
        assert len(times) == 1, f"{key} arrived {len(times)} times"
        due = datetime.fromisoformat(key[2])
        assert due <= times[0] < due + STEP, (key, times[0])
    # DST: New York's 01:30 reminder is 05:30Z on 11-01 (EDT, first occurrence) and 06:30Z after.
    assert ("ny", "dose_reminder", "2026-11-01T05:30:00Z") in got
    assert ("ny", "dose_reminder", "2026-11-12T06:30:00Z") in got
    assert ("ldn", "dose_reminder", "2026-10-24T22:30:00Z") in got  # BST
    assert ("ldn", "dose_reminder", "2026-10-25T23:30:00Z") in got  # GMT
    ticks = int((END - START) / STEP) + 1
    # Speed is measured by bench/tick_replay.py against a baseline, not asserted here.
    print(f"\n{ticks} ticks in {elapsed:.1f} s ({elapsed / ticks * 1000:.2f} ms per tick)")


def _act(app, client, world, what: str, name: str, when: datetime) -> None:  # type: ignore[no-untyped-def]
    pid = world.participants[name]
    zone = PEOPLE[name][1]
    if what == "log":
        local = when.astimezone(ZoneInfo(zone))
        reminder = PEOPLE[name][2]
        day = local.date() if local.time() >= reminder else local.date() - timedelta(days=1)
        r = client.put(
            f"/api/v1/me/doses/{day.isoformat()}", json={"taken": True}, headers=world.headers(name)
        )
        assert r.status_code in (200, 201), r.json
        return
    with app.app_context(), db.session_scope() as session:
        site = PEOPLE[name][0]
        role = "coordinator" if what == "confirm" else "investigator"
        actor = staff_actor(session.get(StaffUser, world.staff[f"{role}_{site}"]))
        if what == "confirm":
            cycles.confirm_cycle(session, actor, pid, start_date=C2, now=when)
        else:
            treatment.add_hold(
                session, actor, pid, start_date=HOLD[0], end_date=HOLD[1], reason="grade 3 AE", now=when
            )
