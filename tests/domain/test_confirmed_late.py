"""A cycle confirmed for a past date: which days become dosing days the patient was never told about.

CLINICAL.md, "The treatment": a start confirmed for a past date turns the days in between into
dosing days the patient was never told about; unless logged they are "confirmed late by the
site". A day counts as such when its make-up cut-off had already passed at confirmation: until
then Today and the reminders still announce it while it can be taken.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from backend.domain.calendar import CycleStart, HoldPeriod, TreatmentPlan, day_info
from backend.domain.diary import days_confirmed_late
from backend.domain.protocol import get_protocol

SKB = get_protocol()
SH = "Asia/Shanghai"
C1, C2 = date(2026, 1, 5), date(2026, 1, 26)  # cycle 2 on its planned day, a Monday


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def sh(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """Shanghai wall time as a UTC instant."""
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo(SH)).astimezone(UTC)


HOLD_27 = HoldPeriod(d(1, 27), d(1, 27))


def plan(*holds: HoldPeriod) -> TreatmentPlan:
    return TreatmentPlan(SKB.treatment, C1, 8.0, (CycleStart(1, C1), CycleStart(2, C2)), holds=holds)


@pytest.mark.parametrize(
    ("confirmed_at", "dose_time", "holds", "expected"),
    [
        # confirmed on Day 1 itself in the morning: nothing late, the dose is still announced
        pytest.param(sh(1, 26, 10), time(8, 0), (), [], id="same-day-morning"),
        # a minute before / at day 1's cut-off (20:00 with an 08:00 dose)
        pytest.param(sh(1, 26, 19, 59), time(8, 0), (), [], id="1min-before-cutoff"),
        pytest.param(sh(1, 26, 20, 0), time(8, 0), (), [d(1, 26)], id="at-cutoff"),
        # two days later at 10:00: days 1 and 2 were never told, day 3 (today) still can be taken
        pytest.param(sh(1, 28, 10), time(8, 0), (), [d(1, 26), d(1, 27)], id="two-days-late"),
        # late-evening dose: day 1 may be made up until 11:30 on day 2
        pytest.param(sh(1, 27, 11, 29), time(23, 30), (), [], id="evening-dose-before-cutoff"),
        pytest.param(sh(1, 27, 11, 30), time(23, 30), (), [d(1, 26)], id="evening-dose-at-cutoff"),
        # a hold over day 2: held days are not dosing days, late or not
        pytest.param(sh(1, 28, 21), time(8, 0), (HOLD_27,), [d(1, 26), d(1, 28)], id="hold"),
    ],
)
def test_days_confirmed_late(confirmed_at, dose_time, holds, expected) -> None:  # type: ignore[no-untyped-def]
    assert days_confirmed_late(plan(*holds), confirmed_at, dose_time, SH, SKB.entry) == expected


def test_confirmed_late_days_are_flagged_in_the_calendar_and_still_prescribed() -> None:
    cycles = (CycleStart(1, C1), CycleStart(2, C2, late_through=d(1, 27)))
    late_plan = TreatmentPlan(SKB.treatment, C1, 8.0, cycles)
    flags = {day: day_info(late_plan, day) for day in (d(1, 26), d(1, 27), d(1, 28))}
    got = [(i.is_prescribed, i.confirmed_late) for i in flags.values()]
    assert got == [(True, True), (True, True), (True, False)]
    assert day_info(late_plan, d(1, 10)).confirmed_late is False  # cycle 1 is untouched
