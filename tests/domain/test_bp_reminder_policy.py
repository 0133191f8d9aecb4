"""Which days ask for a home BP reading, per protocol policy (CLINICAL.md: every day in cycle 1,
then on dosing days; configurable; and every day of every hold, whatever the policy but "none")."""

from __future__ import annotations

from datetime import date

import pytest

from backend.domain.calendar import HoldPeriod, bp_due_on, day_info
from tests.helpers import make_plan

C2 = date(2026, 1, 26)  # cycle 2 confirmed on time
PLAN = make_plan(
    C2, holds=(HoldPeriod(date(2026, 2, 2), date(2026, 2, 4)),), discontinued_on=date(2026, 2, 20)
)


BREAK_HOLD = make_plan(C2, holds=(HoldPeriod(date(2026, 2, 9), date(2026, 2, 16)),))


@pytest.mark.parametrize(
    ("day", "policy", "due"),
    [
        (date(2026, 1, 4), "cycle1_daily_then_dosing_days", False),  # before C1D1
        (date(2026, 1, 5), "cycle1_daily_then_dosing_days", True),  # C1D1
        (date(2026, 1, 20), "cycle1_daily_then_dosing_days", True),  # cycle 1 break day: still daily
        (date(2026, 1, 27), "cycle1_daily_then_dosing_days", True),  # cycle 2 dosing day
        (date(2026, 2, 3), "cycle1_daily_then_dosing_days", True),  # cycle 2, held dosing day
        (date(2026, 2, 2), "dosing_days", True),  # first held day
        (date(2026, 2, 4), "dosing_days", True),  # last held day
        (date(2026, 2, 5), "dosing_days", True),  # the day after: a dosing day again
        (date(2026, 2, 3), "none", False),
        (date(2026, 2, 10), "cycle1_daily_then_dosing_days", False),  # cycle 2 break day
        (date(2026, 2, 21), "cycle1_daily_then_dosing_days", False),  # after discontinuation
        (date(2026, 1, 20), "dosing_days", False),  # cycle 1 break day
        (date(2026, 1, 27), "dosing_days", True),
        (date(2026, 2, 10), "daily", True),  # break day
        (date(2026, 2, 3), "daily", True),  # hold: BP watch goes on
        (date(2026, 2, 21), "daily", False),  # off treatment
        (date(2026, 1, 27), "none", False),
    ],
)
def test_bp_reading_due(day: date, policy: str, due: bool) -> None:
    assert bp_due_on(policy, day_info(PLAN, day)) is due


@pytest.mark.parametrize(
    ("day", "policy", "due"),
    [
        (date(2026, 2, 8), "dosing_days", True),  # cycle 2 day 14, not held
        (date(2026, 2, 9), "cycle1_daily_then_dosing_days", True),  # first held break day
        (date(2026, 2, 12), "dosing_days", True),
        (date(2026, 2, 16), "cycle1_daily_then_dosing_days", True),  # awaiting cycle 3, still held
        (date(2026, 2, 17), "cycle1_daily_then_dosing_days", False),  # hold over, awaiting cycle 3
        (date(2026, 2, 12), "none", False),
    ],
)
def test_bp_reading_due_on_every_held_break_day(day: date, policy: str, due: bool) -> None:
    assert bp_due_on(policy, day_info(BREAK_HOLD, day)) is due
