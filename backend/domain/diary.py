"""Rules for one diary day: entry windows, lateness, ``taken_at`` sanity, deviations, make-up cut-off.

A diary day is a local date in the participant's zone (CLINICAL.md, "Entry windows"):

- until ``patient_window_local_time`` (12:00) local on the next day an entry is on time;
- after that it is accepted but marked late;
- from ``patient_max_age_hours`` (72 h) after the end of the day only site staff may enter it.

Windows are half-open: at exactly 12:00 the entry is already late, and at exactly the 72-hour
mark it is staff-only. Hours are elapsed hours, so a DST change in between does not stretch them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from backend.domain.calendar import AWAITING_CYCLE, BREAK, DOSING, HOLD, OFF_TREATMENT, DayInfo
from backend.domain.localtime import day_bounds, local_date, local_instant, require_aware
from backend.domain.protocol import EntryRules, Treatment

FUTURE = "future"
ON_TIME = "on_time"
LATE = "late"
STAFF_ONLY = "staff_only"
ENTRY_CLASSES = (FUTURE, ON_TIME, LATE, STAFF_ONLY)

TAKEN_AT_FUTURE_TOLERANCE = timedelta(minutes=5)
"""Phones' clocks drift: a ``taken_at`` up to this far ahead of the server is still believed."""

DEVIATION_BY_PHASE = {
    BREAK: "break_day_intake",
    HOLD: "hold_intake",
    OFF_TREATMENT: "off_treatment_intake",
    AWAITING_CYCLE: "awaiting_cycle_intake",
}
DOSE_MISMATCH = "dose_mismatch"
DEVIATION_CODES = (*DEVIATION_BY_PHASE.values(), DOSE_MISMATCH)


def entry_window_closes_at(d: date, tz: str, entry: EntryRules) -> datetime:
    """The UTC instant the patient's on-time window for day ``d`` closes (12:00 local on d+1)."""
    return local_instant(d + timedelta(days=1), entry.patient_window_local_time, tz)


def patient_entry_deadline(d: date, tz: str, entry: EntryRules) -> datetime:
    """The UTC instant after which only site staff may enter day ``d``.

    That is the end of local day ``d`` plus ``patient_max_age_hours`` elapsed hours.
    """
    return day_bounds(d, tz)[1] + timedelta(hours=entry.patient_max_age_hours)


def classify_entry(d: date, now_utc: datetime, tz: str, entry: EntryRules) -> str:
    """Classify an entry for day ``d`` made at ``now_utc``: future, on_time, late or staff_only."""
    if d > local_date(now_utc, tz):
        return FUTURE
    if now_utc < entry_window_closes_at(d, tz, entry):
        return ON_TIME
    if now_utc < patient_entry_deadline(d, tz, entry):
        return LATE
    return STAFF_ONLY


def check_taken_at(d: date, taken_at_utc: datetime, tz: str, now_utc: datetime) -> str | None:
    """Return an error message when ``taken_at`` cannot belong to diary day ``d``, else None.

    It must fall on local date ``d`` and be no more than five minutes ahead of ``now_utc``.
    """
    require_aware(taken_at_utc, "taken_at")
    require_aware(now_utc, "now")
    taken_on = local_date(taken_at_utc, tz)
    if taken_on != d:
        return f"taken_at is on {taken_on.isoformat()} local time, not on the diary day {d.isoformat()}"
    if taken_at_utc > now_utc + TAKEN_AT_FUTURE_TOLERANCE:
        return "taken_at is in the future"
    return None


def deviation_flags(day: DayInfo, taken: bool, dose_mg: float | None) -> tuple[str, ...]:
    """Protocol-deviation codes for an entry on ``day``; an intake is recorded, never refused.

    Nothing is flagged when the dose was not taken. On a dosing day a ``dose_mg`` differing
    from the expected dose is a ``dose_mismatch``; no ``dose_mg`` means the prescribed dose.
    """
    if not taken:
        return ()
    if day.phase != DOSING:
        return (DEVIATION_BY_PHASE[day.phase],)
    if (
        dose_mg is not None
        and day.expected_dose_mg is not None
        and abs(dose_mg - day.expected_dose_mg) > 1e-9
    ):
        return (DOSE_MISMATCH,)
    return ()


def make_up_cutoff(d: date, dose_time: time, tz: str, treatment: Treatment) -> datetime:
    """The UTC instant after which a missed dose of day ``d`` is not made up any more.

    The next dose is due at ``dose_time`` local on d+1; the label says not to make up a dose
    when fewer than ``make_up_cutoff_hours`` remain before it. No reminder goes out after this.
    """
    next_dose_at = local_instant(d + timedelta(days=1), dose_time, tz)
    return next_dose_at - timedelta(hours=treatment.make_up_cutoff_hours)
