"""Trips across time zones with both policies: no dose pair under 12 h, no diary day doubled or lost.

Home is New York with an 08:00 dose time. The trips run from 20 October to 5 November 2026, so
both DST changes happen during them (Europe falls back on 25 October, the US on 1 November):
east to Berlin (6 zones, 5 for the week between the two changes) and west to Honolulu (6
zones, 5 after the US change; Hawaii keeps no DST), plus a jump of 13 zones east to Tokyo, where
the 12-hour rule moves the first dose in the new zone. Under ``local`` the participant moves to
the local clock from the day after arrival, and back home from the day after return; under
``home`` nothing moves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from backend.domain.travel import (
    ZoneChange,
    ZoneTimeline,
    diary_dates,
    dose_instants,
    effective_date_for,
    local_label,
    switch_instant,
)

HOME = "America/New_York"
DOSE = time(8, 0)
ARRIVE, RETURN = date(2026, 10, 20), date(2026, 11, 5)
FIRST, LAST = date(2026, 10, 15), date(2026, 11, 12)
TWELVE_HOURS = timedelta(hours=12)


def timeline(policy: str, away: str) -> ZoneTimeline:
    if policy == "home":
        return ZoneTimeline(HOME)
    return ZoneTimeline(
        HOME,
        (
            ZoneChange(HOME, away, ARRIVE + timedelta(days=1)),  # decided on arrival: from tomorrow
            ZoneChange(away, HOME, RETURN + timedelta(days=1)),
        ),
    )


def every_day(first: date = FIRST, last: date = LAST) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


TRIPS = [
    ("home", "Europe/Berlin"),
    ("local", "Europe/Berlin"),
    ("home", "Pacific/Honolulu"),
    ("local", "Pacific/Honolulu"),
    ("home", "Asia/Tokyo"),
    ("local", "Asia/Tokyo"),
]


@pytest.mark.parametrize(("policy", "away"), TRIPS)
def test_no_two_doses_less_than_12_hours_apart(policy, away):
    line = timeline(policy, away)
    due = dose_instants(every_day(), DOSE, line.zone_on, starts=line.starts())
    instants = [due[d] for d in every_day()]
    gaps = [later - earlier for earlier, later in zip(instants, instants[1:], strict=False)]
    assert min(gaps) >= TWELVE_HOURS
    # every dose belongs to its own diary day
    assert [line.diary_date(due[d]) for d in every_day()] == every_day()


@pytest.mark.parametrize(("policy", "away"), TRIPS)
def test_no_diary_day_doubled_or_lost(policy, away):
    line = timeline(policy, away)
    start = datetime(2026, 10, 15, 12, tzinfo=UTC)
    minutes = [start + timedelta(minutes=30 * n) for n in range(2 * 24 * 27)]
    dates = diary_dates(minutes, line)
    runs = [dates[0]] + [d for prev, d in zip(dates, dates[1:], strict=False) if d != prev]
    assert runs == every_day(dates[0], dates[-1])  # each date once, in order, none skipped
    for day in runs[1:-1]:
        hours = dates.count(day) / 2
        assert 10 <= hours <= 38, (day, hours)  # a short or long day on a change, never gone


def test_six_zones_east_and_west_keep_the_wall_clock_time_under_local():
    for away, wall in (("Europe/Berlin", "08:00"), ("Pacific/Honolulu", "08:00")):
        line = timeline("local", away)
        due = dose_instants(every_day(), DOSE, line.zone_on, starts=line.starts())
        assert {local_label(due[d], away) for d in every_day(ARRIVE + timedelta(days=1), RETURN)} == {wall}
        assert {local_label(due[d], HOME) for d in every_day(RETURN + timedelta(days=1), LAST)} == {wall}


def test_home_policy_keeps_home_time_and_says_what_it_is_here_across_dst():
    due = dose_instants(every_day(), DOSE, timeline("home", "Europe/Berlin").zone_on)
    assert {local_label(due[d], HOME) for d in every_day()} == {"08:00"}
    here = {d: local_label(due[d], "Europe/Berlin") for d in every_day(ARRIVE, RETURN)}
    assert here[date(2026, 10, 21)] == "14:00"  # both on summer time: 6 h
    assert here[date(2026, 10, 27)] == "13:00"  # Europe fell back on 25 October: 5 h
    assert here[date(2026, 11, 3)] == "14:00"  # the US fell back on 1 November: 6 h again


def test_a_jump_of_13_zones_east_moves_the_first_dose_into_its_own_day_after_12_hours():
    line = timeline("local", "Asia/Tokyo")
    due = dose_instants(every_day(), DOSE, line.zone_on, starts=line.starts())
    first_away = ARRIVE + timedelta(days=1)
    # 08:00 Tokyo would be 11 h after 08:00 New York, and still the 20th in New York: the day
    # of the change begins at New York's midnight (13:00 Tokyo), so its dose is due then.
    assert local_label(due[first_away], "Asia/Tokyo") == "13:00"
    assert due[first_away] - due[ARRIVE] == timedelta(hours=16)
    assert local_label(due[first_away + timedelta(days=1)], "Asia/Tokyo") == "08:00"


def test_a_jump_of_more_than_12_zones_east_is_held_to_12_hours_by_the_previous_dose():
    line = ZoneTimeline(HOME, (ZoneChange(HOME, "Asia/Tokyo", ARRIVE + timedelta(days=1)),))
    previous = datetime(2026, 10, 20, 22, tzinfo=UTC)  # yesterday's dose taken 18:00 New York
    due = dose_instants(
        [ARRIVE + timedelta(days=1)], DOSE, line.zone_on, previous_at=previous, starts=line.starts()
    )
    assert due[ARRIVE + timedelta(days=1)] == previous + TWELVE_HOURS


def test_a_late_intake_pushes_the_next_dose_after_the_change():
    line = timeline("local", "Asia/Tokyo")
    late = datetime(2026, 10, 20, 18, 30, tzinfo=UTC)  # a make-up at 14:30 New York
    due = dose_instants(every_day(), DOSE, line.zone_on, taken_at={ARRIVE: late}, starts=line.starts())
    assert due[ARRIVE + timedelta(days=1)] == late + TWELVE_HOURS


def test_switch_instant_is_when_the_new_day_has_begun_on_both_clocks():
    s = date(2026, 10, 21)
    # east: S begins in Berlin first; the switch waits for New York's midnight (S-1 ends on time)
    assert switch_instant(HOME, "Europe/Berlin", s) == datetime(2026, 10, 21, 4, tzinfo=UTC)
    # west: S begins in New York first and carries on until Honolulu's midnight
    assert switch_instant(HOME, "Pacific/Honolulu", s) == datetime(2026, 10, 21, 10, tzinfo=UTC)
    assert effective_date_for(datetime(2026, 10, 21, 3, tzinfo=UTC), HOME) == s  # 23:00 on the 20th
