"""Drug accountability: does the pill count at a visit agree with the diary?

Paper diaries overstate adherence (Stone et al., BMJ 2002: 90 % claimed, 11 % real); the trial's
drug accountability counts the tablets dispensed and returned at each visit. This module compares
the two for one dispensing, with plain values only (no database, no clock):

- **Interval.** A dispensing covers the local dates from ``dispensed_on`` up to, but not
  including, ``returned_on`` (product decision: the dose of the return visit's day is taken from
  the new supply the site hands out that day, as on a day-1 visit; the threshold absorbs a
  patient who took it from the old bottle before coming in).
- **Expected tablets taken** = for each diary day in the interval logged as *taken*, tablets per
  dose at that day's dose level (the logged ``dose_mg``, else the prescribed level, so a dose
  change inside the interval is counted at each level). A dose followed by vomiting counts as
  taken (CLINICAL.md: not repeated). Days without a "taken" entry (not taken, not reported,
  break, hold) expect nothing: a hold whose tablets came back whole reconciles exactly, and
  tablets gone during a hold show as a discrepancy.
- **Counted tablets taken** = dispensed − returned.
- **Tablets per dose** = dose ÷ strength; a dose that is not a whole number of units of the
  dispensed strength cannot be reconciled and is reported as such (the site must look: it is a
  dispensing or a diary error), never rounded.
- **Discrepancy** (protocol ``[accountability]``, default "more than 2 tablets or 10 %"): the
  absolute difference is above ``discrepancy_tablets`` *or* above ``discrepancy_percent`` of the
  expected count (either limit flags; with nothing expected any difference exceeds the percent).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

EXACT, OVER, UNDER, NOT_COMPUTABLE = "exact", "over", "under", "not_computable"
"""``over``: more tablets gone than the diary accounts for; ``under``: fewer (the diary claims
doses whose tablets came back)."""


@dataclass(frozen=True)
class AccountabilityRules:
    """The protocol's ``[accountability]`` section: dispensable strengths and the threshold."""

    strengths_mg: tuple[float, ...]
    discrepancy_tablets: int = 2
    discrepancy_percent: float = 10.0


@dataclass(frozen=True)
class TakenDay:
    """A diary day logged as taken, with the dose level it was taken at (mg)."""

    date: date
    dose_mg: float


@dataclass(frozen=True)
class Reconciliation:
    """Both counts for one dispensing, their difference and whether it exceeds the threshold."""

    dispensed: int
    returned: int
    counted_taken: int
    expected_taken: int | None
    difference: int | None
    percent: float | None
    direction: str
    is_discrepancy: bool
    days_taken: int
    by_dose_mg: dict[float, int] = field(default_factory=dict)
    not_whole_dates: tuple[date, ...] = ()

    def evidence(self) -> dict[str, object]:
        """The counts as plain JSON-able values for an alert's evidence and the API."""
        return {
            "tablets_dispensed": self.dispensed,
            "tablets_returned": self.returned,
            "counted_taken": self.counted_taken,
            "expected_taken": self.expected_taken,
            "difference": self.difference,
            "percent": self.percent,
            "direction": self.direction,
            "days_taken": self.days_taken,
            "tablets_by_dose_mg": {_mg(k): v for k, v in sorted(self.by_dose_mg.items())},
            "not_whole_dates": [d.isoformat() for d in self.not_whole_dates],
        }


def _mg(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def tablets_per_dose(dose_mg: float, strength_mg: float) -> int | None:
    """Whole units of ``strength_mg`` that make ``dose_mg``; None when it is not a whole number."""
    if strength_mg <= 0:
        return None
    units = dose_mg / strength_mg
    rounded = round(units)
    return rounded if rounded >= 1 and abs(units - rounded) < 1e-9 else None


def in_interval(d: date, dispensed_on: date, returned_on: date) -> bool:
    """True when diary date ``d`` draws on this dispensing (``dispensed_on`` <= d < ``returned_on``)."""
    return dispensed_on <= d < returned_on


def exceeds(difference: int, expected: int, rules: AccountabilityRules) -> bool:
    """True when ``difference`` (absolute) is above the tablet limit or the percentage limit."""
    if difference > rules.discrepancy_tablets:
        return True
    if expected == 0:
        return difference > 0
    return difference * 100 > rules.discrepancy_percent * expected


def reconcile(
    *,
    dispensed: int,
    returned: int,
    strength_mg: float,
    dispensed_on: date,
    returned_on: date,
    taken_days: Iterable[TakenDay],
    rules: AccountabilityRules,
) -> Reconciliation:
    """Compare the pill count of one dispensing with the diary days logged as taken in its interval."""
    counted = dispensed - returned
    by_dose: dict[float, int] = {}
    not_whole: list[date] = []
    days_taken = 0
    for day in sorted(taken_days, key=lambda item: item.date):
        if not in_interval(day.date, dispensed_on, returned_on):
            continue
        days_taken += 1
        units = tablets_per_dose(day.dose_mg, strength_mg)
        if units is None:
            not_whole.append(day.date)
            continue
        by_dose[day.dose_mg] = by_dose.get(day.dose_mg, 0) + units
    if not_whole:
        return Reconciliation(
            dispensed, returned, counted, None, None, None, NOT_COMPUTABLE, True, days_taken,
            by_dose, tuple(not_whole),
        )  # fmt: skip
    expected = sum(by_dose.values())
    signed = counted - expected
    difference = abs(signed)
    percent = round(difference * 100 / expected, 1) if expected else None
    direction = EXACT if signed == 0 else OVER if signed > 0 else UNDER
    return Reconciliation(
        dispensed=dispensed,
        returned=returned,
        counted_taken=counted,
        expected_taken=expected,
        difference=difference,
        percent=percent,
        direction=direction,
        is_discrepancy=exceeds(difference, expected, rules),
        days_taken=days_taken,
        by_dose_mg=by_dose,
    )
