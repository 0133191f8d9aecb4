"""Site actions checked against a participant's plan: confirming a cycle, holds, dose changes,
discontinuation.

Each ``check_*`` returns an error message (for the service layer to turn into 409/422) or None
when the action is allowed. Pure: the plan and the protocol's treatment are passed in.
"""

from __future__ import annotations

from datetime import date

from backend.domain.calendar import (
    HoldPeriod,
    TreatmentPlan,
    earliest_next_start,
    last_dosing_day,
    planned_next_start,
)
from backend.domain.protocol import Treatment


def _common_checks(plan: TreatmentPlan, d: date, what: str) -> str | None:
    """Refuse a site action dated before C1D1 or on/after discontinuation."""
    if d < plan.c1d1:
        return f"{what} {d.isoformat()} is before cycle 1 day 1 ({plan.c1d1.isoformat()})"
    if plan.discontinued_on is not None and d >= plan.discontinued_on:
        return f"{what} {d.isoformat()} is on or after discontinuation ({plan.discontinued_on.isoformat()})"
    return None


def check_cycle_confirmation(plan: TreatmentPlan, start_date: date) -> str | None:
    """Validate confirming the next cycle's Day 1 on ``start_date``.

    Refused: before C1D1, on/after discontinuation, before the previous cycle's dosing days
    ended, or earlier than :func:`earliest_next_start` (planned day minus the protocol's
    ``early_start_window_days``, default 2).
    """
    error = _common_checks(plan, start_date, "cycle start")
    if error:
        return error
    previous = plan.cycles[-1]
    previous_last = last_dosing_day(plan, previous)
    if start_date <= previous_last:
        return (
            f"cycle {previous.number + 1} cannot start on {start_date.isoformat()}: cycle "
            f"{previous.number} doses until {previous_last.isoformat()}"
        )
    earliest = earliest_next_start(plan)
    if start_date < earliest:
        window = plan.treatment.early_start_window_days
        return (
            f"cycle {previous.number + 1} cannot start on {start_date.isoformat()}: it is planned for "
            f"{planned_next_start(plan).isoformat()} and may start at most {window} day(s) earlier "
            f"(from {earliest.isoformat()}); an earlier start would cut cycle {previous.number}'s "
            "break short"
        )
    return None


def _overlapping(plan: TreatmentPlan, start: date, end: date | None, skip: HoldPeriod | None) -> str | None:
    """Return a message when ``[start, end]`` overlaps a hold other than ``skip``."""
    for other in plan.holds:
        if other == skip:
            continue
        if (end is None or other.start <= end) and (other.end is None or start <= other.end):
            until = other.end.isoformat() if other.end else "open"
            return f"the hold from {other.start.isoformat()} to {until}"
    return None


def check_hold(plan: TreatmentPlan, start: date, end: date | None) -> str | None:
    """Validate a new hold from ``start`` to ``end`` (inclusive; None = open-ended)."""
    if end is not None and end < start:
        return f"hold end {end.isoformat()} is before its start {start.isoformat()}"
    error = _common_checks(plan, start, "hold start")
    if error:
        return error
    overlap = _overlapping(plan, start, end, None)
    return f"hold overlaps {overlap}" if overlap else None


def check_hold_end(plan: TreatmentPlan, hold: HoldPeriod, end: date) -> str | None:
    """Validate setting (or correcting) the last held day of an existing ``hold``."""
    if hold not in plan.holds:
        return "hold is not part of this participant's plan"
    if end < hold.start:
        return f"hold end {end.isoformat()} is before its start {hold.start.isoformat()}"
    overlap = _overlapping(plan, hold.start, end, hold)
    return f"hold would overlap {overlap}" if overlap else None


def check_dose_change(
    plan: TreatmentPlan, treatment: Treatment, effective: date, dose_mg: float
) -> str | None:
    """Validate a dose change to ``dose_mg`` from ``effective`` on."""
    if dose_mg not in treatment.allowed_dose_mg:
        allowed = ", ".join(f"{level:g}" for level in treatment.allowed_dose_mg)
        return f"dose {dose_mg:g} mg is not an allowed dose level ({allowed} mg)"
    return _common_checks(plan, effective, "dose change")


def check_discontinuation(plan: TreatmentPlan, d: date) -> str | None:
    """Validate discontinuing treatment with ``d`` as the first day off treatment."""
    if plan.discontinued_on is not None:
        return f"treatment was already discontinued on {plan.discontinued_on.isoformat()}"
    if d < plan.c1d1:
        return f"discontinuation {d.isoformat()} is before cycle 1 day 1 ({plan.c1d1.isoformat()})"
    return None
