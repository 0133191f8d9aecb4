"""The patient's day and calendar: what each date is, and how its diary entry stands.

``today`` answers the app's first screen (phase, expected dose, today's entry, whether a BP
reading is due, and advice in the participant's language); ``calendar_for`` answers the cycle
calendar for the patient and the site. Both read the plan from :mod:`backend.services.treatment`
and entries through :mod:`backend.services.diary`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.domain import calendar, diary
from backend.domain.calendar import DayInfo, TreatmentPlan
from backend.domain.i18n import date_text, text
from backend.domain.instruction import DayEntry, Instruction, OpenWait, instruction
from backend.domain.localtime import day_bounds, to_local
from backend.models import BpReading, DoseLog, Participant, Site
from backend.services import team_waits, travel
from backend.services.actors import Actor
from backend.services.diary import check_range, logs_between, me
from backend.services.diary_store import entry_on
from backend.services.plan_cache import current_plan
from backend.services.plans import local_today, protocol_of

# Built once, like the diary's statements: it is on the path of every app start.
_BP_BETWEEN = (
    select(BpReading.id)
    .where(
        BpReading.participant_id == bindparam("participant_id"),
        BpReading.measured_at >= bindparam("start"),
        BpReading.measured_at < bindparam("end"),
    )
    .limit(1)
)

TAKEN = "taken"
NOT_TAKEN = "not_taken"
NOT_REPORTED = "not_reported"
PENDING = "pending"
NONE = "none"
CONFIRMED_LATE = "confirmed_late"  # a cycle confirmed for a past date: never announced in time


@dataclass(frozen=True)
class CalendarDay:
    """One calendar date with its diary status and entry (if any)."""

    date: date
    cycle: int | None
    cycle_day: int | None
    phase: str
    expected_dose_mg: float | None
    status: str
    late: bool
    dose_log: DoseLog | None
    confirmed_late: bool = False
    wait_for_team: bool = False
    dose_due_at: datetime | None = None  # prescribed days: when the dose is due (travel moves it)
    dose_time_moved: bool = False  # a change of zone moved it off the dose time (12-hour rule)


def day_status(day: DayInfo, log: DoseLog | None, participant: Participant, now: datetime) -> str:
    """taken / not_taken from an entry; otherwise pending or not_reported on dosing days, else none.

    A dosing day the site confirmed late (the patient was never told in time) and that has no
    entry is ``confirmed_late`` instead: it is not the patient's missed dose.
    """
    if log is not None:
        return TAKEN if log.taken else NOT_TAKEN
    if not day.is_prescribed:
        return NONE
    if day.confirmed_late:
        return CONFIRMED_LATE
    entry = protocol_of(participant).entry
    if now < diary.entry_window_closes_at(day.date, participant.timezone, entry):
        return PENDING
    return NOT_REPORTED


def calendar_for(
    session: Session, participant: Participant, start: date, end: date, now: datetime
) -> list[CalendarDay]:
    """The participant's calendar from ``start`` to ``end`` inclusive."""
    check_range(start, end)
    plan = current_plan(session, participant)
    logs = logs_between(session, participant, start, end)
    result = []
    for day in calendar.days(plan, start, end):
        log = logs.get(day.date)
        result.append(
            CalendarDay(
                date=day.date,
                cycle=day.cycle,
                cycle_day=day.cycle_day,
                phase=day.phase,
                expected_dose_mg=day.expected_dose_mg,
                status=day_status(day, log, participant, now),
                late=bool(log and log.is_late),
                dose_log=log,
                confirmed_late=day.confirmed_late,
                wait_for_team=day.wait_for_team,
                dose_due_at=travel.dose_due_at(participant, plan, day.date) if day.is_prescribed else None,
                dose_time_moved=day.is_prescribed and travel.dose_time_moved(participant, plan, day.date),
            )
        )
    return result


def default_range(participant: Participant, now: datetime) -> tuple[date, date]:
    """Four weeks back and two ahead of the participant's today."""
    today = local_today(participant, now)
    return today - timedelta(days=27), today + timedelta(days=14)


# --- the patient's day -----------------------------------------------------------------------


def drug_name(participant: Participant, language: str | None = None) -> str:
    """The protocol's drug in ``language`` (default: the participant's; as configured when untranslated)."""
    drug = protocol_of(participant).drug
    try:
        return text(language or participant.language, f"diary.drug_{drug}")
    except KeyError:  # a protocol whose drug has no translated name: show it as configured
        return drug


def day_instruction(
    session: Session,
    participant: Participant,
    plan: TreatmentPlan,
    d: date,
    log: DoseLog | None,
    now: datetime,
) -> Instruction:
    """The one instruction for day ``d`` (:func:`backend.domain.instruction.instruction`)."""
    entry = None if log is None else DayEntry(log.taken, bool(log.vomited_after), log.missed_reason)
    wait_row = team_waits.open_wait(session, participant.id)
    wait = OpenWait(wait_row.started_at) if wait_row is not None else None
    rules = protocol_of(participant).entry
    return instruction(plan, d, entry, wait, now, participant.reminder_time, participant.timezone, rules)


def instruction_out(
    participant: Participant, d: date, found: Instruction, language: str | None = None
) -> dict[str, Any]:
    """The instruction as the API returns it: state, level, headline and text in ``language``
    (default: the participant's), what the dose form offers, and the values the text names."""
    lang, tz = language or participant.language, participant.timezone
    until = ""
    if found.make_up_until is not None:
        local = to_local(found.make_up_until, tz)
        key = "instruction.until_time" if local.date() == d else "instruction.until_other_day"
        until = text(lang, key, time=f"{local:%H:%M}", date=date_text(lang, local.date()))
    values = {
        "drug": drug_name(participant, lang),
        "dose": f"{found.dose_mg:g}" if found.dose_mg is not None else "",
        "until": until,
        "next_date": date_text(lang, found.next_dose) if found.next_dose else "",
    }
    return {
        "state": found.state,
        "level": found.level,
        "headline": text(lang, f"instruction.{found.state}.headline", **values),
        "text": text(lang, f"instruction.{found.state}.text", **values),
        "dose_form": found.dose_form,
        "take_dose": found.take_dose,
        "make_up_until": found.make_up_until,
        "next_dose_date": found.next_dose,
        "wait_since": found.wait_since,
    }


def site_contact(session: Session, participant: Participant) -> dict[str, str | None]:
    """The study site's day and night numbers, for tap-to-call links in urgent advice."""
    site = session.get(Site, participant.site_id)
    return {"phone_day": site.phone_day if site else None, "phone_night": site.phone_night if site else None}


def _bp_read_today(session: Session, participant: Participant, d: date) -> bool:
    start, end = day_bounds(d, participant.timezone)
    params = {"participant_id": participant.id, "start": start, "end": end}
    return session.scalar(_BP_BETWEEN, params) is not None


def _cycle_dosing_days(plan: TreatmentPlan, day: DayInfo) -> int | None:
    """On a dosing day, how many dosing days its cycle has ("day 3 of 14"): the last cycle day
    the calendar shows as dosing (a hold shortens it), as the app computed from /me/calendar."""
    if day.phase != calendar.DOSING or day.cycle_day is None:
        return None
    start = day.date - timedelta(days=day.cycle_day - 1)
    days = (
        calendar.day_info(plan, start + timedelta(days=i)) for i in range(plan.treatment.cycle_length_days)
    )
    dosing = [
        d.cycle_day
        for d in days
        if d.cycle == day.cycle and d.phase == calendar.DOSING and d.cycle_day is not None
    ]
    return max(dosing, default=None)


def today(session: Session, actor: Actor, now: datetime, language: str | None = None) -> dict[str, Any]:
    """The patient's today: phase, expected dose, today's entry, whether BP is due, and the one
    instruction (``advice`` is the instruction's state, level and text, for older clients)."""
    participant = me(session, actor)
    d = local_today(participant, now)
    plan = current_plan(session, participant)
    day = calendar.day_info(plan, d)
    log = entry_on(session, participant.id, d)
    policy = protocol_of(participant).reminders.bp_policy
    bp_due = calendar.bp_due_on(policy, day) and not _bp_read_today(session, participant, d)
    found = day_instruction(session, participant, plan, d, log, now)
    shown = instruction_out(participant, d, found, language)
    _, day_end = day_bounds(d, participant.timezone)
    cutoff = found.make_up_until
    return {
        "date": d,
        "cycle": day.cycle,
        "cycle_day": day.cycle_day,
        "phase": day.phase,
        "expected_dose_mg": day.expected_dose_mg,
        "cycle_dosing_days": _cycle_dosing_days(plan, day),
        "status": day_status(day, log, participant, now),
        "dose_log": log,
        "bp_due": bp_due,
        "advice": {"code": shown["state"], "level": shown["level"], "text": shown["text"]},
        "instruction": shown,
        "contact": site_contact(session, participant),
        "dose_due_at": travel.dose_due_at(participant, plan, d) if day.is_prescribed else None,
        "dose_time_moved": day.is_prescribed and travel.dose_time_moved(participant, plan, d),
        "travel_prompt": travel.prompt(session, participant, now),
        # when the clock alone changes this answer: a copy kept on the phone is never current after
        "valid_until": cutoff if cutoff is not None and now < cutoff < day_end else day_end,
    }
