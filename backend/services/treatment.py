"""The treatment record as the site keeps it: the site's actions on it, and its rows.

The site actions (add or end a hold, change the dose, discontinue; confirming a cycle is in
:mod:`backend.services.cycles`) validate with the domain ``check_*`` functions against the plan
from :mod:`backend.services.plans`, write the row, and record an audit event with the reason.
Holds, dose changes and discontinuation are the investigator's (PRODUCT.md, "Who uses it").
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import plan_checks
from backend.domain.calendar import HoldPeriod
from backend.models import DoseChange, Hold, Participant, ParticipantStatus
from backend.services import audit
from backend.services.actors import Actor
from backend.services.errors import Conflict, Invalid, NotFound
from backend.services.locks import lock_participant
from backend.services.plans import check_date_window, load_plan, local_today, protocol_of
from backend.services.scope import INVESTIGATOR_ROLES, READ_ROLES, get_participant, require_role

# --- reads -------------------------------------------------------------------------------


def list_holds(session: Session, actor: Actor, participant_id: str) -> list[Hold]:
    """The participant's holds, oldest first."""
    require_role(actor, READ_ROLES)
    participant = get_participant(session, actor, participant_id)
    stmt = select(Hold).where(Hold.participant_id == participant.id).order_by(Hold.start_date)
    return list(session.scalars(stmt))


def list_dose_changes(session: Session, actor: Actor, participant_id: str) -> list[DoseChange]:
    """The participant's dose changes, oldest first."""
    require_role(actor, READ_ROLES)
    participant = get_participant(session, actor, participant_id)
    stmt = (
        select(DoseChange)
        .where(DoseChange.participant_id == participant.id)
        .order_by(DoseChange.effective_date)
    )
    return list(session.scalars(stmt))


# --- site actions ------------------------------------------------------------------------


def _scoped(session: Session, actor: Actor, participant_id: str, roles: tuple[str, ...]) -> Participant:
    """A participant the staff actor may see (else 404), then the role check (else 403).

    The participant row is then locked for the transaction (``lock_participant``): two identical
    hold orders, dose changes or cycle confirmations at once run one after the other, and the
    second sees the first's row and is refused by the usual checks.
    """
    require_role(actor, READ_ROLES)
    participant = get_participant(session, actor, participant_id)
    require_role(actor, roles)
    return lock_participant(session, participant.id)


def on_treatment(session: Session, actor: Actor, participant_id: str, roles: tuple[str, ...]) -> Participant:
    """The participant for a site action; 409 once treatment was discontinued.

    Scope is checked before the role, so another site's staff get 404 whatever their role.
    """
    participant = _scoped(session, actor, participant_id, roles)
    if participant.discontinued_on is not None:
        raise Conflict(
            f"treatment was discontinued on {participant.discontinued_on.isoformat()}; "
            "no further treatment changes can be recorded"
        )
    return participant


def not_in_future(participant: Participant, d: date, field: str, now: datetime) -> None:
    """The site records what happened: dates after the participant's local today are refused."""
    today = local_today(participant, now)
    if d > today:
        raise Invalid({field: f"{d.isoformat()} is in the future (today is {today.isoformat()} locally)"})


def in_window(participant: Participant, now: datetime, **dates: date | None) -> None:
    """Every given date within the protocol's window around the participant's local today (422)."""
    treatment, today = protocol_of(participant).treatment, local_today(participant, now)
    for field, value in dates.items():
        if value is not None:
            check_date_window(treatment, today, value, field)


def record_row(
    session: Session, actor: Actor, action: str, row: Any, participant: Participant, **kw: Any
) -> None:
    """One audit event for a treatment row; the entity is the action's prefix (cycle, hold, ...)."""
    audit.record(
        session,
        actor,
        action,
        action.split(".")[0],
        row.id,
        participant_id=participant.id,
        site_id=participant.site_id,
        **kw,
    )


def add_hold(
    session: Session,
    actor: Actor,
    participant_id: str,
    *,
    start_date: date,
    end_date: date | None,
    reason: str,
    now: datetime,
) -> Hold:
    """Order a hold from ``start_date`` to ``end_date`` (inclusive; open-ended when None)."""
    participant = on_treatment(session, actor, participant_id, INVESTIGATOR_ROLES)
    in_window(participant, now, start_date=start_date, end_date=end_date)
    plan = load_plan(session, participant)
    error = plan_checks.check_hold(plan, start_date, end_date)
    if error:
        if end_date is not None and end_date < start_date:
            raise Invalid({"end_date": error})
        if start_date < plan.c1d1:
            raise Invalid({"start_date": error})
        raise Conflict(error)
    hold = Hold(
        participant_id=participant.id,
        start_date=start_date,
        end_date=end_date,
        reason=reason,
        ordered_by=actor.id,
        created_at=now,
    )
    session.add(hold)
    session.flush()
    record_row(
        session, actor, "hold.create", hold, participant, now=now, after=audit.snapshot(hold), reason=reason
    )
    return hold


def end_hold(
    session: Session,
    actor: Actor,
    participant_id: str,
    hold_id: str,
    *,
    end_date: date,
    reason: str | None = None,
    now: datetime,
) -> Hold:
    """Set (or correct) the last held day of a hold."""
    participant = on_treatment(session, actor, participant_id, INVESTIGATOR_ROLES)
    hold = session.get(Hold, hold_id)
    if hold is None or hold.participant_id != participant.id:
        raise NotFound("hold not found")
    in_window(participant, now, end_date=end_date)
    plan = load_plan(session, participant)
    error = plan_checks.check_hold_end(plan, HoldPeriod(hold.start_date, hold.end_date), end_date)
    if error:
        if end_date < hold.start_date:
            raise Invalid({"end_date": error})
        raise Conflict(error)
    before = audit.snapshot(hold)
    hold.end_date = end_date
    audit.record_change(
        session,
        actor,
        "hold.end",
        "hold",
        hold,
        before,
        now=now,
        reason=reason or "hold ended",
        participant_id=participant.id,
        site_id=participant.site_id,
    )
    return hold


def change_dose(
    session: Session,
    actor: Actor,
    participant_id: str,
    *,
    effective_date: date,
    dose_mg: float,
    reason: str,
    now: datetime,
) -> DoseChange:
    """Record a new dose level from ``effective_date`` on."""
    participant = on_treatment(session, actor, participant_id, INVESTIGATOR_ROLES)
    in_window(participant, now, effective_date=effective_date)
    plan = load_plan(session, participant)
    treatment = protocol_of(participant).treatment
    error = plan_checks.check_dose_change(plan, treatment, effective_date, dose_mg)
    if error:
        if dose_mg not in treatment.allowed_dose_mg:
            raise Invalid({"dose_mg": error})
        if effective_date < plan.c1d1:
            raise Invalid({"effective_date": error})
        raise Conflict(error)
    if effective_date in plan._change_dates:
        raise Conflict(f"a dose change effective on {effective_date.isoformat()} is already recorded")
    change = DoseChange(
        participant_id=participant.id,
        effective_date=effective_date,
        dose_mg=float(dose_mg),
        reason=reason,
        ordered_by=actor.id,
        created_at=now,
    )
    session.add(change)
    session.flush()
    record_row(
        session,
        actor,
        "dose_change.create",
        change,
        participant,
        now=now,
        after=audit.snapshot(change),
        reason=reason,
    )
    return change


def discontinue(
    session: Session, actor: Actor, participant_id: str, *, on: date, reason: str, now: datetime
) -> Participant:
    """Take the participant off treatment with ``on`` as the first day off treatment."""
    participant = _scoped(session, actor, participant_id, INVESTIGATOR_ROLES)
    plan = load_plan(session, participant)
    error = plan_checks.check_discontinuation(plan, on)
    if error:
        if plan.discontinued_on is not None:
            raise Conflict(error)
        raise Invalid({"date": error})
    not_in_future(participant, on, "date", now)
    before = audit.snapshot(participant)
    participant.discontinued_on = on
    participant.discontinuation_reason = reason
    participant.status = ParticipantStatus.OFF_TREATMENT
    participant.updated_at = now
    audit.record_change(
        session,
        actor,
        "participant.discontinue",
        "participant",
        participant,
        before,
        now=now,
        reason=reason,
        participant_id=participant.id,
        site_id=participant.site_id,
    )
    return participant
