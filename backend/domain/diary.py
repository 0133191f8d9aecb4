"""Rules for one diary day: entry windows, lateness, ``taken_at`` sanity, deviations, make-up cut-off.

A diary day is a local date in the participant's zone (CLINICAL.md, "Entry windows"):

- until ``patient_window_local_time`` (12:00) local on the next day an entry is on time;
- after that it is accepted but marked late;
- from ``patient_max_age_hours`` (72 h) after the end of the day only site staff may enter it.

Windows are half-open: at exactly 12:00 the entry is already late, and at exactly the 72-hour
mark it is staff-only. Hours are elapsed hours, so a DST change in between does not stretch them.

The make-up cut-off (CLINICAL.md, "The treatment"; the anlotinib label): a missed dose is not
made up when fewer than ``make_up_cutoff_hours`` (12) remain before the *next scheduled* dose,
i.e. the next prescribed day of the calendar at the participant's dose time. That is not
"tomorrow" on the last dosing day, before a hold or before an unconfirmed cycle start: there the
next dose is days away or not scheduled at all. Product decision: a day's dose may be made up
until the earlier of (next scheduled dose - 12 h) and the close of that day's entry window (12:00
local next day), so a make-up is never pushed into another week; with no next dose scheduled the
entry window's close applies. :func:`make_up_window` is the one place this is computed: Today's
advice, the reminder planner and the reminder sender all call it. A make-up taken after local
midnight (a late-evening dose time) still belongs to its own diary day (:func:`check_taken_at`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from backend.domain.calendar import (
    AWAITING_CYCLE,
    BREAK,
    DOSING,
    HOLD,
    OFF_TREATMENT,
    DayInfo,
    TreatmentPlan,
    day_info,
    last_scheduled_day,
)
from backend.domain.localtime import day_bounds, local_date, local_instant, require_aware, to_local
from backend.domain.protocol import EntryRules

FUTURE = "future"
ON_TIME = "on_time"
LATE = "late"
STAFF_ONLY = "staff_only"

TAKEN_AT_FUTURE_TOLERANCE = timedelta(minutes=5)
"""Phones' clocks drift: a ``taken_at`` up to this far ahead of the server is still believed."""

DEVIATION_BY_PHASE = {
    BREAK: "break_day_intake",
    HOLD: "hold_intake",
    OFF_TREATMENT: "off_treatment_intake",
    AWAITING_CYCLE: "awaiting_cycle_intake",
}
DOSE_MISMATCH = "dose_mismatch"
WAIT_FOR_TEAM_INTAKE = "wait_for_team_intake"
"""An intake on a dosing day after a confirmed >=160/100 sitting, before the site's decision."""
DEVIATION_CODES = (*DEVIATION_BY_PHASE.values(), DOSE_MISMATCH, WAIT_FOR_TEAM_INTAKE)
TAKEN_AFTER_MIDNIGHT = "taken_after_midnight"
"""Entry flag (not a deviation): a make-up taken on the next local date, before the day's cut-off."""

NEXT_DOSE = "next_dose"
ENTRY_WINDOW = "entry_window"


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


def check_taken_at(
    d: date, taken_at_utc: datetime, tz: str, now_utc: datetime, make_up_until: datetime | None = None
) -> str | None:
    """Return an error message when ``taken_at`` cannot belong to diary day ``d``, else None.

    It must fall on local date ``d`` and be no more than five minutes ahead of ``now_utc``. With
    ``make_up_until`` (the day's make-up cut-off, :func:`make_up_window`; give it only for a
    prescribed day) a make-up taken after local midnight but before that cut-off belongs to ``d``
    too: with a late-evening dose time the follow-up reminder itself goes out after midnight.
    """
    require_aware(taken_at_utc, "taken_at")
    require_aware(now_utc, "now")
    taken_on = local_date(taken_at_utc, tz)
    if taken_on != d:
        day_end = day_bounds(d, tz)[1]
        if make_up_until is not None and day_end <= taken_at_utc < make_up_until:
            pass  # a make-up after midnight, still inside the day's cut-off
        elif make_up_until is not None and taken_at_utc >= day_end and make_up_until > day_end:
            until = to_local(make_up_until, tz)
            return (
                f"taken_at is on {taken_on.isoformat()} local time, not on the diary day {d.isoformat()}: "
                f"a dose of {d.isoformat()} could be made up only until {until:%Y-%m-%d %H:%M} local time"
            )
        else:
            return f"taken_at is on {taken_on.isoformat()} local time, not on the diary day {d.isoformat()}"
    if taken_at_utc > now_utc + TAKEN_AT_FUTURE_TOLERANCE:
        return "taken_at is in the future"
    return None


def taken_after_midnight(d: date, taken_at_utc: datetime | None, tz: str) -> bool:
    """True when an intake of diary day ``d`` was taken on a later local date (a late make-up)."""
    return taken_at_utc is not None and local_date(taken_at_utc, tz) > d


def deviation_flags(day: DayInfo, taken: bool, dose_mg: float | None) -> tuple[str, ...]:
    """Protocol-deviation codes for an entry on ``day``; an intake is recorded, never refused.

    Nothing is flagged when the dose was not taken. On a dosing day a ``dose_mg`` differing
    from the expected dose is a ``dose_mismatch``; no ``dose_mg`` means the prescribed dose. An
    intake on a dosing day of a wait-for-team period is ``wait_for_team_intake``.
    """
    if not taken:
        return ()
    if day.phase != DOSING:
        return (DEVIATION_BY_PHASE[day.phase],)
    if day.wait_for_team:
        return (WAIT_FOR_TEAM_INTAKE,)
    if (
        dose_mg is not None
        and day.expected_dose_mg is not None
        and abs(dose_mg - day.expected_dose_mg) > 1e-9
    ):
        return (DOSE_MISMATCH,)
    return ()


@dataclass(frozen=True)
class NextDose:
    """The next scheduled dose: its local date and the UTC instant of the dose time that day."""

    date: date
    at: datetime


@dataclass(frozen=True)
class MakeUpWindow:
    """Until when the dose of diary day ``day`` may still be taken (CLINICAL.md, "The treatment").

    ``cutoff_at`` (UTC) is the earlier of ``next_dose.at - make_up_cutoff_hours`` and the close
    of the day's entry window; ``limited_by`` says which (``next_dose`` or ``entry_window``).
    ``next_dose`` is None when no further dose is scheduled (last dosing day before an
    unconfirmed cycle, an open hold, discontinuation): the advice must then not name a date.
    A dose is still to be made up while ``now < cutoff_at`` (see :meth:`is_open`).
    """

    day: date
    dose_at: datetime
    cutoff_at: datetime
    next_dose: NextDose | None
    limited_by: str

    def is_open(self, now_utc: datetime) -> bool:
        """True while the day's dose may still be taken (half-open: closed at ``cutoff_at``)."""
        return require_aware(now_utc, "now") < self.cutoff_at

    @property
    def next_dose_is_tomorrow(self) -> bool:
        """True when the next scheduled dose is on the local date after ``day``."""
        return self.next_dose is not None and self.next_dose.date == self.day + timedelta(days=1)


def next_scheduled_dose(plan: TreatmentPlan, d: date, dose_time: time, tz: str) -> NextDose | None:
    """The first prescribed day after ``d`` in the calendar, at ``dose_time`` local; None if none.

    Only confirmed days are prescribed, so a cycle the site has not confirmed yet, an open-ended
    hold or discontinuation leaves no next dose scheduled: None, never a guess.
    """
    last = last_scheduled_day(plan)
    day = d + timedelta(days=1)
    while day <= last:
        if day_info(plan, day).is_prescribed:
            return NextDose(day, local_instant(day, dose_time, tz))
        day += timedelta(days=1)
    return None


def make_up_window(
    plan: TreatmentPlan,
    d: date,
    dose_time: time,
    tz: str,
    entry: EntryRules,
    dose_at: datetime | None = None,
) -> MakeUpWindow:
    """The make-up window of diary day ``d`` for a participant dosing at ``dose_time`` in ``tz``.

    The one cut-off of the product: Today's advice, the reminder planner (no reminder after it)
    and the reminder sender (push TTL) all use it. Hours before the next dose are elapsed hours,
    so across a DST change the cut-off moves on the wall clock (19:00 instead of 20:00 the night
    the clocks spring forward, for an 08:00 dose). ``d`` need not be prescribed; callers decide
    whether a dose was due that day. ``dose_at`` overrides the day's dose instant where a change
    of time zone moved it (:mod:`backend.domain.travel`: 12 hours after the previous dose).
    """
    dose_at = dose_at or local_instant(d, dose_time, tz)
    window_close = entry_window_closes_at(d, tz, entry)
    next_dose = next_scheduled_dose(plan, d, dose_time, tz)
    if next_dose is not None:
        before_next = next_dose.at - timedelta(hours=plan.treatment.make_up_cutoff_hours)
        if before_next < window_close:
            return MakeUpWindow(d, dose_at, before_next, next_dose, NEXT_DOSE)
    return MakeUpWindow(d, dose_at, window_close, next_dose, ENTRY_WINDOW)


AFTER_CUTOFF_TOMORROW = "dosing_after_cutoff"
AFTER_CUTOFF_LATER = "dosing_after_cutoff_next_later"
AFTER_CUTOFF_NOT_SCHEDULED = "dosing_after_cutoff_not_scheduled"


def after_cutoff_advice(window: MakeUpWindow) -> tuple[str, date | None]:
    """The advice (``diary.*`` text key) once a day's make-up window has closed, and the date it names.

    It says "tomorrow" only when tomorrow is a dosing day; otherwise it names the date of the next
    scheduled dose, or, with none scheduled, says the study team will tell (never a guess).
    """
    if window.next_dose is None:
        return AFTER_CUTOFF_NOT_SCHEDULED, None
    if window.next_dose_is_tomorrow:
        return AFTER_CUTOFF_TOMORROW, window.next_dose.date
    return AFTER_CUTOFF_LATER, window.next_dose.date


def days_confirmed_late(
    plan: TreatmentPlan, confirmed_at: datetime, dose_time: time, tz: str, entry: EntryRules
) -> list[date]:
    """The days of ``plan``'s latest cycle that its confirmation at ``confirmed_at`` made dosing
    days the patient was never told about: prescribed days whose make-up cut-off had already
    passed (CLINICAL.md, "The treatment"). Empty for a confirmation on the day itself before the
    day's cut-off: that dose is announced (Today, reminders) while it can still be taken.
    """
    require_aware(confirmed_at, "confirmed_at")
    cycle = plan.cycles[-1]
    late: list[date] = []
    day, until = cycle.start, local_date(confirmed_at, tz)
    while day <= until:
        if day_info(plan, day).is_prescribed:
            if make_up_window(plan, day, dose_time, tz, entry).cutoff_at > confirmed_at:
                break  # cut-offs only move later: every following day is still announced in time
            late.append(day)
        day += timedelta(days=1)
    return late
