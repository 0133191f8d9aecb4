"""The dosing calendar: which cycle, cycle day and phase each local date is in, and what dose.

A :class:`TreatmentPlan` is everything the site has recorded for one participant (confirmed
cycle starts, holds, dose changes, discontinuation) plus the protocol's :class:`Treatment`.
:func:`day_info` turns it into one :class:`DayInfo` per local date, with these rules, in order:

1. before C1D1: ``awaiting_cycle`` (no cycle);
2. on/after the discontinuation date: ``off_treatment``;
3. inside a hold: ``hold``;
4. days 1..cycle length of the latest confirmed cycle: ``dosing`` on dosing days, else ``break``;
5. past the cycle length with no next cycle confirmed: ``awaiting_cycle``.

``cycle`` is the latest confirmed cycle started on or before the date whatever the phase;
``cycle_day`` is set only within that cycle's length. Only confirmed days are ever prescribed.
A cycle confirmed for a past date marks its dosing days up to ``late_through`` as
``confirmed_late`` (the patient was never told in time): prescribed, but left out of adherence
and missed-dose alerts unless the patient logged them. Days inside a *wait-for-team* period (a
confirmed >=160/100 sitting told the patient to take no more anlotinib until the site decides,
CLINICAL.md "Blood pressure") are marked ``wait_for_team``; such dosing days are not prescribed
(no reminder, no adherence count, no missed-dose alert), whatever the phase says.

The site's actions are checked against the plan in :mod:`backend.domain.plan_checks`.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta

from backend.domain.protocol import Treatment

DOSING = "dosing"
BREAK = "break"
HOLD = "hold"
AWAITING_CYCLE = "awaiting_cycle"
OFF_TREATMENT = "off_treatment"
PHASES = (DOSING, BREAK, HOLD, AWAITING_CYCLE, OFF_TREATMENT)


@dataclass(frozen=True)
class CycleStart:
    """A cycle's Day 1 as confirmed by the site (the infusion day).

    ``late_through``: when the site confirmed the cycle for a past date, the last day that had
    already become a dosing day the patient was never told about (its make-up cut-off had passed
    at confirmation); its dosing days up to then are "confirmed late by the site".
    """

    number: int
    start: date
    late_through: date | None = None


@dataclass(frozen=True)
class HoldPeriod:
    """An investigator-ordered hold; ``end`` is the last held day (inclusive), None while open."""

    start: date
    end: date | None = None

    def contains(self, d: date) -> bool:
        """True when ``d`` is a held day."""
        return self.start <= d and (self.end is None or d <= self.end)


@dataclass(frozen=True)
class WaitPeriod:
    """Days the patient was told to wait for the study team: ``start``..``end`` inclusive.

    ``end`` is None while the site has not recorded its decision; a period whose ``end`` is
    before its ``start`` (decided the same day) covers no day.
    """

    start: date
    end: date | None = None

    def contains(self, d: date) -> bool:
        """True when ``d`` is a day of waiting."""
        return self.start <= d and (self.end is None or d <= self.end)


@dataclass(frozen=True)
class DoseChangeRecord:
    """A dose level that applies from ``effective`` on (until the next change)."""

    effective: date
    dose_mg: float


@dataclass(frozen=True)
class TreatmentPlan:
    """One participant's treatment as recorded by the site; cycle 1 starts on ``c1d1``."""

    treatment: Treatment
    c1d1: date
    initial_dose_mg: float
    cycles: tuple[CycleStart, ...]
    holds: tuple[HoldPeriod, ...] = ()
    dose_changes: tuple[DoseChangeRecord, ...] = ()
    discontinued_on: date | None = None
    waits: tuple[WaitPeriod, ...] = ()
    _cycle_starts: tuple[date, ...] = field(init=False, repr=False, compare=False)
    _change_dates: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Order the records and refuse a plan whose cycles contradict each other."""
        cycles = tuple(sorted(self.cycles, key=lambda c: c.number))
        if not cycles or (cycles[0].number, cycles[0].start) != (1, self.c1d1):
            raise ValueError("cycles must begin with cycle 1 starting on c1d1")
        for prev, nxt in zip(cycles, cycles[1:], strict=False):
            if nxt.number != prev.number + 1 or nxt.start <= prev.start:
                raise ValueError(f"cycle {nxt.number} does not follow cycle {prev.number}")
        changes = tuple(sorted(self.dose_changes, key=lambda c: c.effective))
        object.__setattr__(self, "cycles", cycles)
        object.__setattr__(self, "holds", tuple(sorted(self.holds, key=lambda h: h.start)))
        object.__setattr__(self, "dose_changes", changes)
        object.__setattr__(self, "_cycle_starts", tuple(c.start for c in cycles))
        object.__setattr__(self, "_change_dates", tuple(c.effective for c in changes))


@dataclass(frozen=True)
class DayInfo:
    """What one local date is in the calendar and what, if anything, is to be taken."""

    date: date
    cycle: int | None
    cycle_day: int | None
    phase: str
    expected_dose_mg: float | None
    is_prescribed: bool
    confirmed_late: bool = False
    wait_for_team: bool = False


def current_cycle(plan: TreatmentPlan, d: date) -> CycleStart | None:
    """The latest confirmed cycle that started on or before ``d`` (None before C1D1)."""
    index = bisect_right(plan._cycle_starts, d)
    return plan.cycles[index - 1] if index else None


def planned_next_start(plan: TreatmentPlan) -> date:
    """The planned (not yet confirmed) start of the next cycle: last start + cycle length."""
    return plan.cycles[-1].start + timedelta(days=plan.treatment.cycle_length_days)


def earliest_next_start(plan: TreatmentPlan) -> date:
    """The earliest allowed Day 1 of the next cycle: the planned day minus the protocol's window.

    An earlier start would cut the break short (CLINICAL.md, "The treatment").
    """
    return planned_next_start(plan) - timedelta(days=plan.treatment.early_start_window_days)


def dose_on(plan: TreatmentPlan, d: date) -> float:
    """The dose level in force on ``d``: the latest change effective by then, else the initial dose."""
    index = bisect_right(plan._change_dates, d)
    return plan.dose_changes[index - 1].dose_mg if index else plan.initial_dose_mg


def hold_on(plan: TreatmentPlan, d: date) -> HoldPeriod | None:
    """The hold covering ``d``, if any."""
    return next((hold for hold in plan.holds if hold.contains(d)), None)


def day_info(plan: TreatmentPlan, d: date) -> DayInfo:
    """The calendar entry for local date ``d``."""
    cycle = current_cycle(plan, d)
    waiting = any(wait.contains(d) for wait in plan.waits)
    if cycle is None:
        return DayInfo(d, None, None, AWAITING_CYCLE, None, False, wait_for_team=waiting)
    day_number = (d - cycle.start).days + 1
    cycle_day = day_number if day_number <= plan.treatment.cycle_length_days else None
    if plan.discontinued_on is not None and d >= plan.discontinued_on:
        phase = OFF_TREATMENT
    elif hold_on(plan, d) is not None:
        phase = HOLD
    elif cycle_day is None:
        phase = AWAITING_CYCLE
    elif plan.treatment.is_dosing_day(cycle_day):
        late = cycle.late_through is not None and d <= cycle.late_through
        return DayInfo(d, cycle.number, cycle_day, DOSING, dose_on(plan, d), not waiting, late, waiting)
    else:
        phase = BREAK
    return DayInfo(d, cycle.number, cycle_day, phase, None, False, wait_for_team=waiting)


def days(plan: TreatmentPlan, start: date, end: date) -> list[DayInfo]:
    """The calendar entries from ``start`` to ``end`` inclusive (empty when end < start)."""
    count = (end - start).days + 1
    return [day_info(plan, start + timedelta(days=offset)) for offset in range(max(count, 0))]


def last_scheduled_day(plan: TreatmentPlan) -> date:
    """The last date the recorded plan can prescribe: the end of the latest confirmed cycle.

    Nothing after it is scheduled until the site confirms the next cycle.
    """
    return plan.cycles[-1].start + timedelta(days=plan.treatment.cycle_length_days - 1)


def last_dosing_day(plan: TreatmentPlan, cycle: CycleStart) -> date:
    """The date of ``cycle``'s last dosing day."""
    return cycle.start + timedelta(days=plan.treatment.last_dosing_day - 1)


def bp_due_on(policy: str, day: DayInfo) -> bool:
    """Whether the protocol's BP policy asks for a reading on ``day``.

    ``cycle1_daily_then_dosing_days``: every day of cycle 1 (closest monitoring while
    hypertension typically starts, CLINICAL.md), then dosing days only. Whatever the policy
    (except ``none``), every day of every hold asks for one too: hypertension is the most common
    reason to hold anlotinib (CLINICAL.md, product decision). Nothing after discontinuation or
    before C1D1.
    """
    if policy == "none" or day.phase == OFF_TREATMENT or day.cycle is None:
        return False
    if policy == "daily" or day.phase == HOLD:
        return True
    if policy == "dosing_days":
        return day.phase == DOSING
    return day.phase == DOSING or (day.cycle == 1 and day.cycle_day is not None)
