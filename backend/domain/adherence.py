"""Adherence per cycle and overall (CLINICAL.md, "Adherence").

- Prescribed: calendar ``dosing`` days strictly before the participant's local today (today
  counts only once it is over); holds, breaks, unconfirmed days and days from discontinuation
  on are never prescribed.
- A prescribed day is ``taken`` (entry with taken=True), ``not_taken`` (entry with taken=False),
  ``not_reported`` (no entry and its entry window has closed: counts as not taken) or ``pending``
  (no entry yet, window still open: left out of the percentage until it closes).
- ``percent`` = taken / (prescribed - pending) x 100, one decimal, None with nothing to divide by.
- ``late`` and ``deviations`` count the stored entry flags in the cycle, whatever the day's phase;
  intake on a day that is not prescribed is never counted as taken.
- A day "confirmed late by the site" (a cycle confirmed for a past date made it a dosing day the
  patient was never told about) is left out of the percentage unless the patient logged it; such
  days are counted in ``confirmed_late`` instead of ``prescribed``.

The overall row is the sum of the cycle rows, plus entries dated before C1D1 (which belong to no
cycle but may still be late or deviations).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from backend.domain.calendar import TreatmentPlan, current_cycle, days
from backend.domain.diary import entry_window_closes_at
from backend.domain.localtime import local_date, require_aware
from backend.domain.protocol import EntryRules


@dataclass(frozen=True)
class DoseRecord:
    """The stored diary entry for one local date, reduced to what adherence needs."""

    date: date
    taken: bool
    is_late: bool = False
    is_deviation: bool = False


@dataclass(frozen=True)
class CycleAdherence:
    """Adherence counts for one cycle (``cycle`` None for the overall row)."""

    cycle: int | None
    prescribed: int
    taken: int
    not_taken: int
    not_reported: int
    pending: int
    late: int
    deviations: int
    percent: float | None
    below_threshold: bool
    confirmed_late: int = 0


@dataclass(frozen=True)
class AdherenceReport:
    """The overall row and one row per confirmed cycle, in cycle order."""

    overall: CycleAdherence
    cycles: list[CycleAdherence]


class _Tally:
    """Mutable counters for one row while the days are walked."""

    def __init__(self) -> None:
        """Start every counter at zero."""
        self.prescribed = self.taken = self.not_taken = self.not_reported = 0
        self.pending = self.late = self.deviations = self.confirmed_late = 0

    def add(self, other: _Tally) -> None:
        """Add another row's counts to this one."""
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def row(self, cycle: int | None, threshold_percent: float) -> CycleAdherence:
        """Freeze the counts into a :class:`CycleAdherence`."""
        percent = adherence_percent(self.taken, self.prescribed - self.pending)
        return CycleAdherence(
            cycle=cycle,
            prescribed=self.prescribed,
            taken=self.taken,
            not_taken=self.not_taken,
            not_reported=self.not_reported,
            pending=self.pending,
            late=self.late,
            deviations=self.deviations,
            percent=percent,
            below_threshold=percent is not None and percent < threshold_percent,
            confirmed_late=self.confirmed_late,
        )


def adherence_percent(taken: int, denominator: int) -> float | None:
    """``taken / denominator`` as a percentage with one decimal; None when nothing is due."""
    if denominator <= 0:
        return None
    return round(taken / denominator * 100, 1)


def compute_adherence(
    plan: TreatmentPlan,
    records: Mapping[date, DoseRecord],
    now_utc: datetime,
    tz: str,
    entry: EntryRules,
    threshold_percent: float,
) -> AdherenceReport:
    """Adherence per confirmed cycle and overall as of ``now_utc`` in the participant's zone ``tz``."""
    require_aware(now_utc, "now")
    today = local_date(now_utc, tz)
    tallies = {cycle.number: _Tally() for cycle in plan.cycles}
    outside = _Tally()  # entries before C1D1: no cycle, but still late / deviations

    for day in days(plan, plan.c1d1, today - timedelta(days=1)):
        if not day.is_prescribed or day.cycle is None:
            continue
        tally = tallies[day.cycle]
        record = records.get(day.date)
        if day.confirmed_late and record is None:
            tally.confirmed_late += 1  # never announced to the patient in time: not held against them
            continue
        tally.prescribed += 1
        if record is not None:
            if record.taken:
                tally.taken += 1
            else:
                tally.not_taken += 1
        elif now_utc < entry_window_closes_at(day.date, tz, entry):
            tally.pending += 1
        else:
            tally.not_reported += 1

    for record_date, record in records.items():
        cycle = current_cycle(plan, record_date)
        tally = tallies[cycle.number] if cycle is not None else outside
        tally.late += int(record.is_late)
        tally.deviations += int(record.is_deviation)

    overall = _Tally()
    overall.add(outside)
    for tally in tallies.values():
        overall.add(tally)
    return AdherenceReport(
        overall=overall.row(None, threshold_percent),
        cycles=[tallies[cycle.number].row(cycle.number, threshold_percent) for cycle in plan.cycles],
    )
