"""Confirming the next cycle's Day 1, with a preview of what a confirmation for a past date does.

A cycle starts when the site records its Day 1 (the infusion); its start is planned at the
previous start + cycle length but only confirmed by the site (CLINICAL.md, "The treatment"). A
start earlier than planned minus the protocol's window is refused (it would cut the break short).
A start confirmed for a past date turns the days in between into dosing days the patient was
never told about: :func:`preview_cycle` lists them before the site confirms (the dashboard's
form calls it), and :func:`confirm_cycle` stores the last of them on the cycle, so that unless the
patient logged them they show as "confirmed late by the site" and stay out of adherence and
missed-dose alerts. Coordinators and investigators may confirm cycles.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import calendar, diary, plan_checks
from backend.domain.calendar import CycleStart, TreatmentPlan
from backend.models import Cycle, DoseLog, Participant
from backend.services import audit
from backend.services.actors import Actor
from backend.services.diary import LATE
from backend.services.errors import Invalid
from backend.services.locks import add_unique, conflict
from backend.services.plans import load_plan, local_today, protocol_of
from backend.services.scope import READ_ROLES, WRITE_ROLES, get_participant, require_role
from backend.services.treatment import not_in_future, on_treatment, record_row


def list_cycles(session: Session, actor: Actor, participant_id: str) -> list[Cycle]:
    """The participant's confirmed cycles, in order."""
    require_role(actor, READ_ROLES)
    participant = get_participant(session, actor, participant_id)
    stmt = select(Cycle).where(Cycle.participant_id == participant.id).order_by(Cycle.number)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class CyclePreview:
    """What confirming the next cycle on ``start_date`` would do, shown before the site confirms.

    ``confirmed_late_days``: the days that would become dosing days the patient was never told
    about (a confirmation for a past date; CLINICAL.md, "The treatment").
    """

    number: int
    planned_start: date
    earliest_start: date
    start_date: date
    confirmed_late_days: list[date]


@dataclass(frozen=True)
class CycleConfirmation:
    """A confirmed cycle row and the days its confirmation made "confirmed late by the site"."""

    cycle: Cycle
    confirmed_late_days: list[date]

    def __getattr__(self, name: str) -> object:
        """The cycle's own columns read through (the API dumps one object)."""
        return getattr(self.cycle, name)


def _cycle_preview(
    session: Session, actor: Actor, participant_id: str, start_date: date, now: datetime
) -> tuple[Participant, TreatmentPlan, CyclePreview]:
    """Validate confirming the next cycle on ``start_date`` and work out its late days.

    422 naming ``start_date`` for a start before C1D1, in the future, before the previous
    cycle's dosing days ended or earlier than the protocol's window allows; 409 after
    discontinuation, and for the same start confirmed again (a retried request).
    """
    participant = on_treatment(session, actor, participant_id, WRITE_ROLES)
    plan = load_plan(session, participant)
    latest = plan.cycles[-1]
    if latest.number > 1 and latest.start == start_date:  # a repeated confirmation, e.g. a retry
        message = f"cycle {latest.number} was already confirmed for {start_date.isoformat()}"
        raise conflict("start_date", message)
    error = plan_checks.check_cycle_confirmation(plan, start_date)
    if error:
        raise Invalid({"start_date": error})
    not_in_future(participant, start_date, "start_date", now)
    number = plan.cycles[-1].number + 1
    confirmed = replace(plan, cycles=(*plan.cycles, CycleStart(number, start_date)))
    entry = protocol_of(participant).entry
    late = diary.days_confirmed_late(confirmed, now, participant.reminder_time, participant.timezone, entry)
    preview = CyclePreview(
        number=number,
        planned_start=calendar.planned_next_start(plan),
        earliest_start=calendar.earliest_next_start(plan),
        start_date=start_date,
        confirmed_late_days=late,
    )
    return participant, confirmed, preview


def preview_cycle(
    session: Session, actor: Actor, participant_id: str, *, start_date: date, now: datetime
) -> CyclePreview:
    """What confirming the next cycle on ``start_date`` would do (same checks, nothing written)."""
    return _cycle_preview(session, actor, participant_id, start_date, now)[2]


def confirm_cycle(
    session: Session,
    actor: Actor,
    participant_id: str,
    *,
    start_date: date,
    reason: str | None = None,
    now: datetime,
) -> CycleConfirmation:
    """Confirm the next cycle's Day 1 (the infusion was given on ``start_date``).

    A confirmation for a past date stores the last day it made a dosing day the patient was
    never told about; those days (listed in the result) are "confirmed late by the site".
    """
    participant, confirmed, preview = _cycle_preview(session, actor, participant_id, start_date, now)
    cycle = Cycle(
        participant_id=participant.id,
        number=preview.number,
        planned_start=preview.planned_start,
        confirmed_start=start_date,
        confirmed_by=actor.id,
        confirmed_at=now,
        confirmed_late_through=max(preview.confirmed_late_days, default=None),
    )
    # Two clicks at once wait for each other on the participant lock (on_treatment); the unique
    # cycle number stays the last line of defence: a 409, never a 500.
    message = f"cycle {preview.number} was confirmed meanwhile; reload to see it"
    add_unique(session, cycle, field="start_date", message=message)
    late = ", ".join(day.isoformat() for day in preview.confirmed_late_days)
    record_row(
        session,
        actor,
        "cycle.confirm",
        cycle,
        participant,
        now=now,
        after=audit.snapshot(cycle),
        reason=(reason or f"cycle {cycle.number} day 1 given")
        + (f"; confirmed late by the site: {late}" if late else ""),
    )
    _reflag_logged_days(session, actor, participant, confirmed, cycle, now)
    return CycleConfirmation(cycle, preview.confirmed_late_days)


def _reflag_logged_days(
    session: Session, actor: Actor, participant: Participant, plan: TreatmentPlan, cycle: Cycle, now: datetime
) -> None:
    """Entries the patient logged on days this confirmation makes dosing days lose their deviation.

    An intake logged while the cycle was unconfirmed was flagged ``awaiting_cycle_intake``; once
    the site confirms that the cycle had started, the same intake is the prescribed dose. Each
    changed entry is audited (system re-evaluation, with the confirmation as its reason).
    """
    logs = session.scalars(
        select(DoseLog).where(
            DoseLog.participant_id == participant.id,
            DoseLog.local_date >= cycle.confirmed_start,
            DoseLog.local_date <= local_today(participant, now),
        )
    )
    for log in logs:
        day = calendar.day_info(plan, log.local_date)
        deviations = list(diary.deviation_flags(day, log.taken, log.dose_mg))
        notes = [flag for flag in log.flags if flag not in diary.DEVIATION_CODES and flag != LATE]
        flags = ([LATE] if log.is_late else []) + deviations + notes  # the diary's own order
        if flags == list(log.flags):
            continue
        before = audit.snapshot(log)
        log.flags, log.is_deviation, log.version = flags, bool(deviations), log.version + 1
        audit.record_change(
            session,
            actor,
            "dose_log.update",
            "dose_log",
            log,
            before,
            now=now,
            reason=f"cycle {cycle.number} confirmed from {cycle.confirmed_start}: "
            f"{log.local_date.isoformat()} is a dosing day",
            participant_id=participant.id,
            site_id=participant.site_id,
        )
