"""Pill counts against the diary (drug accountability), with plain values: no app, no database.

The diary days are built from a real treatment plan (cycle, holds, dose changes) so that what
counts as "taken" is what a participant on that plan would log.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from backend.domain import accountability
from backend.domain.accountability import AccountabilityRules, TakenDay, exceeds, reconcile, tablets_per_dose
from backend.domain.calendar import CycleStart, DoseChangeRecord, HoldPeriod, TreatmentPlan, days
from backend.domain.protocol import get_protocol

SKB = get_protocol()
RULES = SKB.accountability
C1D1 = date(2026, 10, 1)
NEXT_VISIT = date(2026, 10, 22)  # cycle 2 day 1


def plan(**kwargs: object) -> TreatmentPlan:
    """Cycle 1 from 1 October 2026 (8 mg, days 1-14), with optional holds and dose changes."""
    return TreatmentPlan(SKB.treatment, C1D1, 8.0, (CycleStart(1, C1D1),), **kwargs)  # type: ignore[arg-type]


def diary(p: TreatmentPlan, skip: set[date] = frozenset()) -> list[TakenDay]:
    """Every prescribed day of the plan in the interval logged as taken, except ``skip``."""
    return [
        TakenDay(day.date, day.expected_dose_mg)
        for day in days(p, C1D1, NEXT_VISIT - timedelta(days=1))
        if day.is_prescribed and day.date not in skip
    ]


def count(taken: list[TakenDay], dispensed: int, returned: int, strength: float = 8, rules=RULES):
    return reconcile(
        dispensed=dispensed,
        returned=returned,
        strength_mg=strength,
        dispensed_on=C1D1,
        returned_on=NEXT_VISIT,
        taken_days=taken,
        rules=rules,
    )


def test_protocol_default_is_8_mg_units_and_more_than_2_tablets_or_10_percent():
    assert RULES == AccountabilityRules(strengths_mg=(8.0,), discrepancy_tablets=2, discrepancy_percent=10.0)


def test_exact_count_is_no_discrepancy():
    result = count(diary(plan()), dispensed=28, returned=14)
    assert (result.expected_taken, result.counted_taken, result.difference) == (14, 14, 0)
    assert (result.direction, result.is_discrepancy) == ("exact", False)
    assert result.evidence()["tablets_by_dose_mg"] == {"8": 14}


def test_one_tablet_off_in_fourteen_is_within_the_threshold():
    result = count(diary(plan()), dispensed=28, returned=13)
    assert (result.difference, result.percent, result.is_discrepancy) == (1, 7.1, False)


def test_under_count_diary_claims_doses_whose_tablets_came_back():
    # Stone et al.: the diary says 14 taken, but 5 tablets too many came back.
    result = count(diary(plan()), dispensed=28, returned=19)
    assert (result.expected_taken, result.counted_taken) == (14, 9)
    assert (result.direction, result.difference, result.is_discrepancy) == ("under", 5, True)


def test_over_count_more_tablets_gone_than_logged():
    missed = {C1D1 + timedelta(days=n) for n in (3, 4, 5)}
    result = count(diary(plan(), skip=missed), dispensed=28, returned=14)
    assert (result.expected_taken, result.counted_taken) == (11, 14)
    assert (result.direction, result.difference, result.is_discrepancy) == ("over", 3, True)


def test_dose_change_in_the_interval_counts_each_day_at_its_level():
    # 2 mg units: 8 mg = 4 tablets a day until 8 October, then 6 mg = 3 tablets a day.
    change = DoseChangeRecord(date(2026, 10, 8), 6.0)
    rules = AccountabilityRules(strengths_mg=(2.0,))
    result = count(
        diary(plan(dose_changes=(change,))), dispensed=60, returned=60 - 49, strength=2, rules=rules
    )
    assert result.evidence()["tablets_by_dose_mg"] == {"6": 7 * 3, "8": 7 * 4}
    assert (result.expected_taken, result.direction, result.is_discrepancy) == (49, "exact", False)


def test_dose_change_to_a_level_the_strength_cannot_make_is_not_computable():
    change = DoseChangeRecord(date(2026, 10, 8), 6.0)
    result = count(diary(plan(dose_changes=(change,))), dispensed=28, returned=14)
    assert (result.direction, result.expected_taken, result.is_discrepancy) == ("not_computable", None, True)
    assert result.not_whole_dates[0] == date(2026, 10, 8) and len(result.not_whole_dates) == 7


def test_hold_days_expect_no_tablets():
    hold = HoldPeriod(date(2026, 10, 6), date(2026, 10, 10))  # 5 dosing days held
    result = count(diary(plan(holds=(hold,))), dispensed=28, returned=19)
    assert (result.expected_taken, result.days_taken, result.is_discrepancy) == (9, 9, False)


def test_tablets_gone_during_a_hold_show_as_a_discrepancy():
    hold = HoldPeriod(date(2026, 10, 6), date(2026, 10, 10))
    result = count(diary(plan(holds=(hold,))), dispensed=28, returned=14)
    assert (result.direction, result.difference, result.is_discrepancy) == ("over", 5, True)


def test_return_day_and_days_outside_the_interval_are_not_counted():
    outside = [TakenDay(C1D1 - timedelta(days=1), 8.0), TakenDay(NEXT_VISIT, 8.0)]
    result = count(diary(plan()) + outside, dispensed=28, returned=14)
    assert (result.expected_taken, result.is_discrepancy) == (14, False)


@pytest.mark.parametrize(
    ("difference", "expected", "flagged"),
    [
        (2, 30, False),  # 2 tablets, 6.7 %: within both limits
        (3, 100, True),  # more than 2 tablets
        (2, 14, True),  # 14.3 %: more than 10 %
        (2, 20, False),  # exactly 10 %: not more than
        (1, 0, True),  # tablets gone when none were expected
        (0, 0, False),
    ],
)
def test_threshold_is_more_than_2_tablets_or_more_than_10_percent(difference, expected, flagged):
    assert exceeds(difference, expected, RULES) is flagged


def test_tablets_per_dose_is_whole_units_or_none():
    assert tablets_per_dose(8, 8) == 1
    assert tablets_per_dose(12, 4) == 3
    assert tablets_per_dose(6, 8) is None
    assert tablets_per_dose(8, 0) is None
    assert accountability.in_interval(C1D1, C1D1, NEXT_VISIT) and not accountability.in_interval(
        NEXT_VISIT, C1D1, NEXT_VISIT
    )
