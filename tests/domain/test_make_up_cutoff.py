"""The make-up cut-off: the earlier of (next *scheduled* dose - 12 h) and the day's entry-window close.

CLINICAL.md, "The treatment": the next dose is the next prescribed day of the calendar at the
participant's dose time, not "tomorrow". Every instant below is written out by hand (UTC), so a
wrong rule cannot pass by computing its own expectation.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from backend.domain.calendar import CycleStart, HoldPeriod, TreatmentPlan
from backend.domain.diary import (
    AFTER_CUTOFF_LATER,
    AFTER_CUTOFF_NOT_SCHEDULED,
    AFTER_CUTOFF_TOMORROW,
    ENTRY_WINDOW,
    NEXT_DOSE,
    after_cutoff_advice,
    check_taken_at,
    make_up_window,
    next_scheduled_dose,
    taken_after_midnight,
)
from backend.domain.i18n import date_text, text
from backend.domain.protocol import Treatment, get_protocol

SH, NY, LDN = "Asia/Shanghai", "America/New_York", "Europe/London"
SKB = get_protocol()
OTHER = get_protocol("OTHER-TRIAL@1", directory=Path(__file__).parent / "protocols")
# A continuous schedule (dosing days 1-21 of 21): the only shape where a dosing day is directly
# followed by the next cycle's Day 1, i.e. "the day before an unconfirmed cycle start".
CONTINUOUS = dataclasses.replace(SKB.treatment, last_dosing_day=21)
AM8, PM2330, AM0030 = time(8, 0), time(23, 30), time(0, 30)

C1 = date(2026, 11, 2)  # Shanghai: dosing 11-02..11-15 (day 14 = 11-15), break to 11-22


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


def z(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in 2026, UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def d(month: int, day: int) -> date:
    """A date in 2026."""
    return date(2026, month, day)


def plan(
    c1d1: date = C1, *starts: date, treatment: Treatment = SKB.treatment, **kwargs: object
) -> TreatmentPlan:
    """A plan from ``c1d1`` with further confirmed cycle starts."""
    cycles = tuple(CycleStart(n, s) for n, s in enumerate((c1d1, *starts), start=1))
    return TreatmentPlan(treatment, c1d1, 8.0, cycles, **kwargs)  # type: ignore[arg-type]


ONE_CYCLE = plan()
NEXT_CONFIRMED = plan(C1, date(2026, 11, 23))
CLOSED_HOLD = plan(holds=(HoldPeriod(date(2026, 11, 6), date(2026, 11, 8)),))
OPEN_HOLD = plan(holds=(HoldPeriod(date(2026, 11, 6)),))
STOPPED = plan(discontinued_on=date(2026, 11, 6))
CONT_UNCONFIRMED = plan(treatment=CONTINUOUS)  # day 21 = 11-22, cycle 2 not confirmed
CONT_CONFIRMED = plan(C1, date(2026, 11, 23), treatment=CONTINUOUS)
NY_C1 = date(2026, 3, 2)  # New York: clocks spring forward on Sunday 03-08 (dosing days 03-02..03-15)
NY_SPRING = plan(NY_C1)
NY_FALL = plan(date(2026, 10, 26))  # clocks fall back on Sunday 11-01
LONDON_C1 = plan(date(2026, 10, 19))  # London leaves BST on 10-25; day 14 = 11-01
OTHER_PLAN = plan(treatment=OTHER.treatment)

# (id, plan, day, dose time, zone, cutoff (UTC), limited by, next dose date[, protocol: SKB])
CASES = [
    # normal day, 08:00 dose: tomorrow 08:00 - 12 h = 20:00 today (12:00Z)
    ("normal-day", ONE_CYCLE, d(11, 3), AM8, SH, z(11, 3, 12), NEXT_DOSE, d(11, 4)),
    # day 14, next cycle not confirmed: nothing scheduled -> the entry window's close (12:00 next day)
    ("day-14-unconfirmed", ONE_CYCLE, d(11, 15), AM8, SH, z(11, 16, 4), ENTRY_WINDOW, None),
    # day 14, next cycle confirmed a week later: the next dose is days away -> the entry window again
    ("day-14-next-confirmed", NEXT_CONFIRMED, d(11, 15), AM8, SH, z(11, 16, 4), ENTRY_WINDOW, d(11, 23)),
    # the day before a hold 11-06..11-08: next dose 11-09
    ("day-before-closed-hold", CLOSED_HOLD, d(11, 5), AM8, SH, z(11, 6, 4), ENTRY_WINDOW, d(11, 9)),
    ("day-before-open-hold", OPEN_HOLD, d(11, 5), AM8, SH, z(11, 6, 4), ENTRY_WINDOW, None),
    ("day-after-closed-hold-is-normal", CLOSED_HOLD, d(11, 9), AM8, SH, z(11, 9, 12), NEXT_DOSE, d(11, 10)),
    ("day-before-discontinuation", STOPPED, d(11, 5), AM8, SH, z(11, 6, 4), ENTRY_WINDOW, None),
    # the day before an unconfirmed cycle start (continuous dosing, day 21 = 11-22)
    ("day-before-unconfirmed-start", CONT_UNCONFIRMED, d(11, 22), AM8, SH, z(11, 23, 4), ENTRY_WINDOW, None),
    ("day-before-confirmed-start", CONT_CONFIRMED, d(11, 22), AM8, SH, z(11, 22, 12), NEXT_DOSE, d(11, 23)),
    # late-evening dose: tomorrow 23:30 - 12 h = 11:30 tomorrow, before the 12:00 window close
    ("late-evening-dose", ONE_CYCLE, d(11, 3), PM2330, SH, z(11, 4, 3, 30), NEXT_DOSE, d(11, 4)),
    ("late-evening-dose-day-14", ONE_CYCLE, d(11, 15), PM2330, SH, z(11, 16, 4), ENTRY_WINDOW, None),
    ("just-after-midnight-dose", ONE_CYCLE, d(11, 3), AM0030, SH, z(11, 3, 4, 30), NEXT_DOSE, d(11, 4)),
    # DST week, New York: the next dose is at 08:00 EDT, 12 elapsed hours before it is 19:00 EST
    ("dst-spring-forward-ny", NY_SPRING, d(3, 7), AM8, NY, z(3, 8, 0), NEXT_DOSE, d(3, 8)),
    ("dst-spring-forward-day", NY_SPRING, d(3, 8), AM8, NY, z(3, 9, 0), NEXT_DOSE, d(3, 9)),
    ("dst-day-14-ny", NY_SPRING, d(3, 15), AM8, NY, z(3, 16, 16), ENTRY_WINDOW, None),
    # fall back: the next dose is at 08:00 EST, 12 h before it is 21:00 EDT
    ("dst-fall-back-ny", NY_FALL, d(10, 31), AM8, NY, z(11, 1, 1), NEXT_DOSE, d(11, 1)),
    ("dst-fall-back-london", LONDON_C1, d(10, 24), PM2330, LDN, z(10, 25, 11, 30), NEXT_DOSE, d(10, 25)),
    # another protocol (6 h, window to 09:30, 20:00 dose): the window closes first
    ("other-protocol", OTHER_PLAN, d(11, 3), time(20, 0), SH, z(11, 4, 1, 30), ENTRY_WINDOW, d(11, 4), OTHER),
]  # fmt: skip


@pytest.mark.parametrize(
    ("plan_", "day", "dose_time", "tz", "cutoff", "limited_by", "next_on", "protocol"),
    [pytest.param(*case[1:8], case[8] if len(case) > 8 else SKB, id=case[0]) for case in CASES],
)
def test_make_up_window(plan_, day, dose_time, tz, cutoff, limited_by, next_on, protocol) -> None:  # type: ignore[no-untyped-def]
    window = make_up_window(plan_, day, dose_time, tz, protocol.entry)
    assert (window.cutoff_at, window.limited_by) == (cutoff, limited_by)
    assert (window.next_dose.date if window.next_dose else None) == next_on
    assert window.next_dose_is_tomorrow is (next_on == day + timedelta(days=1))


BOUNDARIES = {
    case[0]: case
    for case in CASES
    if case[0]
    in (
        "normal-day",
        "day-14-unconfirmed",
        "day-before-closed-hold",
        "day-before-unconfirmed-start",
        "dst-spring-forward-ny",
        "dst-fall-back-ny",
        "late-evening-dose",
    )
}


@pytest.mark.parametrize(
    ("name", "offset", "is_open"),
    [
        pytest.param(name, offset, is_open, id=f"{name}-{label}")
        for name in BOUNDARIES
        for offset, is_open, label in (
            (timedelta(minutes=-1), True, "1min-before"),
            (timedelta(0), False, "at"),
            (timedelta(minutes=1), False, "1min-after"),
        )
    ],
)
def test_make_up_is_open_until_the_cutoff(name: str, offset: timedelta, is_open: bool) -> None:
    _id, plan_, day, dose_time, tz, cutoff, *_ = BOUNDARIES[name]
    assert make_up_window(plan_, day, dose_time, tz, SKB.entry).is_open(cutoff + offset) is is_open


def test_next_scheduled_dose_is_the_dose_time_on_the_next_prescribed_day() -> None:
    nxt = next_scheduled_dose(CLOSED_HOLD, date(2026, 11, 5), AM8, SH)
    assert nxt is not None and (nxt.date, nxt.at) == (date(2026, 11, 9), utc(2026, 11, 9, 0, 0))
    # on a break day the next dose is the next confirmed cycle's day 1
    nxt = next_scheduled_dose(NEXT_CONFIRMED, date(2026, 11, 18), AM8, SH)
    assert nxt is not None and nxt.date == date(2026, 11, 23)
    assert next_scheduled_dose(ONE_CYCLE, date(2026, 11, 18), AM8, SH) is None


# --- a make-up after local midnight belongs to its own diary day ------------------------------
# 23:30 dose in Shanghai: day 11-03's dose may be made up until 11-04 11:30 local (03:30Z).
LATE = make_up_window(ONE_CYCLE, date(2026, 11, 3), PM2330, SH, SKB.entry).cutoff_at


@pytest.mark.parametrize(
    ("taken_at", "make_up_until", "error"),
    [
        (utc(2026, 11, 3, 17, 0), LATE, None),  # 01:00 local on 11-04: a make-up of 11-03
        (utc(2026, 11, 4, 3, 29), LATE, None),  # 11:29 local, a minute before the cut-off
        (utc(2026, 11, 4, 3, 30), LATE, "could be made up only until 2026-11-04 11:30"),
        (utc(2026, 11, 3, 17, 0), None, "not on the diary day"),  # no cut-off given: not a dosing day
        (utc(2026, 11, 2, 15, 59), LATE, "not on the diary day"),  # the day before
        # 08:00 dose: the cut-off (20:00) is before midnight, nothing after midnight belongs to 11-03
        (utc(2026, 11, 3, 17, 0), utc(2026, 11, 3, 12, 0), "not on the diary day"),
    ],
)
def test_check_taken_at_accepts_a_make_up_after_midnight_until_the_cutoff(
    taken_at: datetime, make_up_until: datetime | None, error: str | None
) -> None:
    result = check_taken_at(date(2026, 11, 3), taken_at, SH, utc(2026, 11, 4, 4, 0), make_up_until)
    if error is None:
        assert result is None
    else:
        assert result is not None and error in result


def test_taken_after_midnight() -> None:
    assert taken_after_midnight(date(2026, 11, 3), utc(2026, 11, 3, 17, 0), SH) is True
    assert taken_after_midnight(date(2026, 11, 3), utc(2026, 11, 3, 15, 59), SH) is False
    assert taken_after_midnight(date(2026, 11, 3), None, SH) is False


# --- advice after the cut-off: "tomorrow" only when tomorrow is a dosing day --------------------
CASE = {case[0]: case for case in CASES}


@pytest.mark.parametrize(
    ("name", "key", "en", "zh"),
    [
        ("normal-day", AFTER_CUTOFF_TOMORROW, "tomorrow, Wednesday 4 November,", "明天（11月4日星期三）"),
        ("day-14-next-confirmed", AFTER_CUTOFF_LATER, "next dose is on Monday 23 November", "11月23日星期一"),
        ("day-before-closed-hold", AFTER_CUTOFF_LATER, "next dose is on Monday 9 November", "11月9日星期一"),
        ("day-14-unconfirmed", AFTER_CUTOFF_NOT_SCHEDULED, "study team will tell you", "研究团队会告诉您"),
        ("day-before-unconfirmed-start", AFTER_CUTOFF_NOT_SCHEDULED, "No further dose", "还没有确定"),
    ],
)
def test_after_cutoff_advice_names_the_next_dose_and_says_tomorrow_only_when_it_is(
    name: str, key: str, en: str, zh: str
) -> None:
    _id, plan_, day, dose_time, tz, *_ = CASE[name]
    chosen, next_on = after_cutoff_advice(make_up_window(plan_, day, dose_time, tz, SKB.entry))
    assert chosen == key
    words = {
        lang: text(lang, f"diary.{chosen}", drug="x", next_date=date_text(lang, next_on) if next_on else "")
        for lang in ("en", "zh-CN")
    }
    assert en in words["en"] and zh in words["zh-CN"]
    tomorrow = key == AFTER_CUTOFF_TOMORROW
    assert ("tomorrow" in words["en"].lower()) is tomorrow
    assert ("明天" in words["zh-CN"]) is tomorrow
    assert "{" not in words["en"] + words["zh-CN"]
