"""Today's one instruction: what the patient is to do about today's anlotinib, as one state.

The app used to build its headline, its advice box and its dose form from three sources and
contradicted itself (issue 14: "take 8 mg before breakfast" above "it is too late" at 23:34).
:func:`instruction` is the only place that decides; Today's headline, advice and dose form all
render the one :class:`Instruction` it returns. Rules, first match wins:

1. an open *wait-for-team* state (a confirmed >=160/100 sitting, CLINICAL.md "Blood pressure"):
   ``wait_for_team`` whatever the calendar says: no more anlotinib until the team has decided;
2. not a dosing day (off treatment, hold, awaiting the next cycle, break): that phase, or
   ``<phase>_intake`` when an intake was nevertheless logged (recorded for the team, CLINICAL.md
   "The treatment": recorded, never rejected, flagged as a deviation);
3. a dosing day with an entry: ``taken`` / ``taken_vomited`` (do not take another dose, China
   Anti-Cancer Association guidance), or not taken: ``not_taken_can_still_take`` while the make-up
   window is open and the reason leaves it to the patient (forgot, no medicine, other),
   ``not_taken_recorded`` for "side effects" or "told by the team" (never urge a dose the team
   or the patient's body stopped), and after the cut-off the ``not_taken_*`` next-dose variants;
4. a dosing day without an entry: ``dosing`` (``dosing_last_day`` when no dose follows tomorrow)
   while the make-up window is open, its message naming until when; the ``dosing_after_cutoff*``
   variants once it closed (:func:`backend.domain.diary.make_up_window`).

After the cut-off the next dose is named by date, "tomorrow" only when tomorrow is a dosing day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from backend.domain import diary
from backend.domain.calendar import (
    AWAITING_CYCLE,
    BREAK,
    DOSING,
    HOLD,
    OFF_TREATMENT,
    TreatmentPlan,
    day_info,
)
from backend.domain.localtime import require_aware
from backend.domain.protocol import EntryRules

WAIT_FOR_TEAM = "wait_for_team"
DOSING_STATE = "dosing"
DOSING_LAST_DAY = "dosing_last_day"
AFTER_CUTOFF = {
    "tomorrow": diary.AFTER_CUTOFF_TOMORROW,
    "later": diary.AFTER_CUTOFF_LATER,
    "none": diary.AFTER_CUTOFF_NOT_SCHEDULED,
}
TAKEN = "taken"
TAKEN_VOMITED = "taken_vomited"
NOT_TAKEN_CAN_STILL_TAKE = "not_taken_can_still_take"
NOT_TAKEN_RECORDED = "not_taken_recorded"
NOT_TAKEN_CLOSED = {
    "tomorrow": "not_taken_next_tomorrow",
    "later": "not_taken_next_later",
    "none": "not_taken_next_none",
}
PHASE_STATES = (OFF_TREATMENT, HOLD, AWAITING_CYCLE, BREAK)
INTAKE_SUFFIX = "_intake"
STATES = (
    WAIT_FOR_TEAM,
    DOSING_STATE,
    DOSING_LAST_DAY,
    *AFTER_CUTOFF.values(),
    TAKEN,
    TAKEN_VOMITED,
    NOT_TAKEN_CAN_STILL_TAKE,
    NOT_TAKEN_RECORDED,
    *NOT_TAKEN_CLOSED.values(),
    *PHASE_STATES,
    *(phase + INTAKE_SUFFIX for phase in PHASE_STATES),
)
# Missed reasons after which the app never urges a make-up dose.
NO_MAKE_UP_REASONS = ("side_effects", "told_by_team")

# What the dose form offers: the taken / not taken question, the recorded entry (with "change"),
# or only "I took a dose anyway: record it" (a day with nothing to take).
FORM_ASK = "ask"
FORM_RECORDED = "recorded"
FORM_ANYWAY = "anyway"

LEVELS = {
    WAIT_FOR_TEAM: "review",
    TAKEN: "ok",
    **{phase + INTAKE_SUFFIX: "review" for phase in PHASE_STATES},
}


@dataclass(frozen=True)
class DayEntry:
    """The day's diary entry, reduced to what the instruction needs."""

    taken: bool
    vomited_after: bool = False
    missed_reason: str | None = None


@dataclass(frozen=True)
class OpenWait:
    """An open wait-for-team state: since when (the confirmed high sitting was recorded)."""

    since: datetime


@dataclass(frozen=True)
class Instruction:
    """The one instruction for a day: its state code, level and the values its message names.

    ``make_up_until``: until when today's dose may still be taken (None when it may not);
    ``next_dose``: the date of the next scheduled dose when the message names it.
    """

    state: str
    level: str
    dose_form: str
    dose_mg: float | None
    make_up_until: datetime | None = None
    next_dose: date | None = None
    wait_since: datetime | None = None

    @property
    def take_dose(self) -> bool:
        """True when the patient is asked to take a dose today."""
        return self.state in (DOSING_STATE, DOSING_LAST_DAY, NOT_TAKEN_CAN_STILL_TAKE)


def _variant(window: diary.MakeUpWindow) -> tuple[str, date | None]:
    """Which next-dose wording applies once the window closed, and the date it names."""
    if window.next_dose is None:
        return "none", None
    return ("tomorrow" if window.next_dose_is_tomorrow else "later"), window.next_dose.date


def instruction(
    plan: TreatmentPlan,
    d: date,
    entry: DayEntry | None,
    wait: OpenWait | None,
    now: datetime,
    dose_time: time,
    tz: str,
    rules: EntryRules,
) -> Instruction:
    """The instruction for diary day ``d`` as of ``now`` (see the module docstring for the rules).

    ``entry`` is the day's diary entry, ``wait`` the participant's open wait-for-team state,
    ``dose_time`` and ``tz`` the participant's reminder time and zone, ``rules`` the protocol's
    entry windows. Pure: no clock, no database.
    """
    require_aware(now, "now")
    day = day_info(plan, d)
    form = FORM_RECORDED if entry is not None else FORM_ANYWAY

    def made(state: str, **values: object) -> Instruction:
        # the optional fields of each state, by name: their types are checked by Instruction's own tests
        return Instruction(state, LEVELS.get(state, "info"), form, day.expected_dose_mg, **values)  # type: ignore[arg-type]

    if wait is not None:
        return made(WAIT_FOR_TEAM, wait_since=wait.since)
    if day.phase != DOSING:
        taken = entry is not None and entry.taken
        return made(day.phase + INTAKE_SUFFIX if taken else day.phase)
    window = diary.make_up_window(plan, d, dose_time, tz, rules)
    is_open = window.is_open(now)
    variant, next_date = _variant(window)
    if entry is not None:
        if entry.taken:
            return made(TAKEN_VOMITED if entry.vomited_after else TAKEN)
        if entry.missed_reason in NO_MAKE_UP_REASONS:
            return made(NOT_TAKEN_RECORDED)
        if is_open:
            return made(NOT_TAKEN_CAN_STILL_TAKE, make_up_until=window.cutoff_at)
        return made(NOT_TAKEN_CLOSED[variant], next_dose=next_date)
    form = FORM_ASK
    if not is_open:
        return made(AFTER_CUTOFF[variant], next_dose=next_date)
    state = DOSING_STATE if window.next_dose_is_tomorrow else DOSING_LAST_DAY
    return made(state, make_up_until=window.cutoff_at)
