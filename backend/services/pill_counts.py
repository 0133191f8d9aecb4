"""Pill counts (drug accountability): the site's dispensings and returns, checked against the diary.

The site records each supply handed out (date, strength, tablets) and, at the next visit, the
tablets returned and the date. Every write is audited with its reason; a correction needs one.
Once a supply is returned, :func:`reconciliation` compares the count with the diary
(:mod:`backend.domain.accountability`) and a discrepancy above the protocol's threshold opens
one review alert (rule ``PILL-COUNT-DISCREPANCY``) whose evidence holds both counts. Saving the
same counts again never adds to it (idempotent); a correction that changes the counts replaces
that dispensing's evidence entry in the open alert.

Supplies do not overlap (product decision): a new dispensing needs the previous one returned,
on or before the new dispensing date, so each diary day draws on exactly one supply.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import accountability
from backend.domain.accountability import AccountabilityRules, Reconciliation, TakenDay
from backend.domain.calendar import dose_on
from backend.domain.findings import make_finding
from backend.models import Alert, Dispensing, DoseLog, Participant
from backend.services import audit, treatment
from backend.services.actors import Actor
from backend.services.alerts import raise_finding
from backend.services.errors import Conflict, Invalid, NotFound
from backend.services.plans import load_plan, protocol_of
from backend.services.scope import READ_ROLES, WRITE_ROLES, get_participant, require_role

RULE_ID = "PILL-COUNT-DISCREPANCY"
_COUNT_FIELDS = ("dispensed_on", "strength_mg", "tablets_dispensed", "returned_on", "tablets_returned")


def rules_of(participant: Participant) -> AccountabilityRules:
    """The participant's protocol's accountability rules (strengths and threshold)."""
    rules = protocol_of(participant).accountability
    assert rules is not None  # parse_protocol always fills it
    return rules


def _participant(session: Session, actor: Actor, participant_id: str, roles: tuple[str, ...]) -> Participant:
    """Scope first (404 outside it), then the role (403)."""
    require_role(actor, READ_ROLES)
    participant = get_participant(session, actor, participant_id)
    require_role(actor, roles)
    return participant


def _dispensings(session: Session, participant: Participant) -> list[Dispensing]:
    stmt = (
        select(Dispensing)
        .where(Dispensing.participant_id == participant.id)
        .order_by(Dispensing.dispensed_on, Dispensing.created_at)
    )
    return list(session.scalars(stmt))


def _one(session: Session, participant: Participant, dispensing_id: str) -> Dispensing:
    row = session.get(Dispensing, dispensing_id)
    if row is None or row.participant_id != participant.id:
        raise NotFound("dispensing not found")
    return row


def reconciliation(session: Session, participant: Participant, row: Dispensing) -> Reconciliation | None:
    """The count of a returned supply against the diary days logged as taken in its interval."""
    if row.returned_on is None or row.tablets_returned is None:
        return None
    plan = load_plan(session, participant)
    stmt = select(DoseLog.local_date, DoseLog.dose_mg).where(
        DoseLog.participant_id == participant.id,
        DoseLog.taken.is_(True),
        DoseLog.local_date >= row.dispensed_on,
        DoseLog.local_date < row.returned_on,
    )
    taken = [TakenDay(d, mg if mg is not None else dose_on(plan, d)) for d, mg in session.execute(stmt)]
    return accountability.reconcile(
        dispensed=row.tablets_dispensed,
        returned=row.tablets_returned,
        strength_mg=row.strength_mg,
        dispensed_on=row.dispensed_on,
        returned_on=row.returned_on,
        taken_days=taken,
        rules=rules_of(participant),
    )


def list_dispensings(
    session: Session, actor: Actor, participant_id: str
) -> list[tuple[Dispensing, Reconciliation | None]]:
    """The participant's dispensings, oldest first, each with its reconciliation once returned."""
    participant = _participant(session, actor, participant_id, READ_ROLES)
    return [(row, reconciliation(session, participant, row)) for row in _dispensings(session, participant)]


def _check_counts(participant: Participant, values: dict[str, Any], now: datetime) -> None:
    """Field checks only the service can do (422 naming the field)."""
    strengths = rules_of(participant).strengths_mg
    if values["strength_mg"] not in strengths:
        allowed = ", ".join(f"{s:g}" for s in strengths)
        raise Invalid({"strength_mg": f"not a strength of this protocol (allowed: {allowed} mg)"})
    treatment.not_in_future(participant, values["dispensed_on"], "dispensed_on", now)
    if values["dispensed_on"] < participant.c1d1:
        raise Invalid({"dispensed_on": f"before cycle 1 day 1 ({participant.c1d1.isoformat()})"})
    returned_on, returned = values["returned_on"], values["tablets_returned"]
    if (returned_on is None) != (returned is None):
        field = "tablets_returned" if returned is None else "returned_on"
        raise Invalid({field: "returned_on and tablets_returned go together"})
    if returned_on is None:
        return
    treatment.not_in_future(participant, returned_on, "returned_on", now)
    if returned_on < values["dispensed_on"]:
        raise Invalid({"returned_on": "before the dispensing date"})
    if returned > values["tablets_dispensed"]:
        raise Invalid({"tablets_returned": f"more than the {values['tablets_dispensed']} tablets dispensed"})


def _check_no_overlap(
    session: Session, participant: Participant, row_id: str | None, values: dict[str, Any]
) -> None:
    """Supplies follow each other: every other supply is returned by this one's dispensing date,
    or dispensed on or after this one's return."""
    start, end = values["dispensed_on"], values["returned_on"]
    for other in _dispensings(session, participant):
        if other.id == row_id:
            continue
        before = other.returned_on is not None and other.returned_on <= start
        after = end is not None and other.dispensed_on >= end
        if not (before or after):
            raise Conflict(
                f"the supply dispensed on {other.dispensed_on.isoformat()} "
                + (
                    "overlaps this one"
                    if other.returned_on
                    else "has not been returned yet: record its return first"
                )
            )


def dispense(
    session: Session,
    actor: Actor,
    participant_id: str,
    *,
    dispensed_on: date,
    tablets_dispensed: int,
    strength_mg: float | None = None,
    reference: str | None = None,
    now: datetime,
) -> tuple[Dispensing, Reconciliation | None]:
    """Record a supply handed to the participant (coordinator or investigator)."""
    participant = _participant(session, actor, participant_id, WRITE_ROLES)
    if participant.discontinued_on is not None and dispensed_on >= participant.discontinued_on:
        raise Conflict(f"treatment was discontinued on {participant.discontinued_on.isoformat()}")
    values = {
        "dispensed_on": dispensed_on,
        "strength_mg": float(
            strength_mg if strength_mg is not None else rules_of(participant).strengths_mg[0]
        ),
        "tablets_dispensed": tablets_dispensed,
        "returned_on": None,
        "tablets_returned": None,
    }
    _check_counts(participant, values, now)
    _check_no_overlap(session, participant, None, values)
    row = Dispensing(
        participant_id=participant.id,
        site_id=participant.site_id,
        reference=reference,
        recorded_by=actor.id,
        created_at=now,
        updated_at=now,
        version=1,
        **values,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "dispensing.create",
        "dispensing",
        row.id,
        now=now,
        after=audit.snapshot(row),
        reason="dispensed at visit",
        participant_id=participant.id,
        site_id=participant.site_id,
    )
    return row, None


def update(
    session: Session,
    actor: Actor,
    participant_id: str,
    dispensing_id: str,
    *,
    changes: dict[str, Any],
    reason: str | None,
    now: datetime,
) -> tuple[Dispensing, Reconciliation | None]:
    """Record the return (``returned_on`` + ``tablets_returned``) or correct a recorded count.

    Recording the return of a supply not yet returned needs no reason; any other change is a
    correction and needs one (422 on ``reason``). The old values stay in the audit trail.
    """
    participant = _participant(session, actor, participant_id, WRITE_ROLES)
    row = _one(session, participant, dispensing_id)
    values = {name: getattr(row, name) for name in _COUNT_FIELDS}
    values.update({k: (float(v) if k == "strength_mg" else v) for k, v in changes.items() if k in values})
    if all(getattr(row, k) == (float(v) if k == "strength_mg" else v) for k, v in changes.items()):
        return row, reconciliation(session, participant, row)  # an identical repeat is a no-op
    first_return = row.returned_on is None and set(changes) <= {"returned_on", "tablets_returned"}
    if not first_return and not reason:
        raise Invalid({"reason": "a correction of a recorded count needs a reason"})
    _check_counts(participant, values, now)
    _check_no_overlap(session, participant, row.id, values)
    before = audit.snapshot(row)
    counts_before = tuple(getattr(row, name) for name in _COUNT_FIELDS)
    for name, value in changes.items():
        setattr(row, name, value if name != "strength_mg" else float(value))
    row.version += 1
    row.updated_at = now
    audit.record_change(
        session,
        actor,
        "dispensing.return" if first_return else "dispensing.correct",
        "dispensing",
        row,
        before,
        now=now,
        reason=reason or "returned at visit",
        participant_id=participant.id,
        site_id=participant.site_id,
    )
    result = reconciliation(session, participant, row)
    if result is not None and counts_before != tuple(getattr(row, name) for name in _COUNT_FIELDS):
        _raise_if_discrepant(session, participant, row, result, now)
    return row, result


def _raise_if_discrepant(
    session: Session, participant: Participant, row: Dispensing, result: Reconciliation, now: datetime
) -> Alert | None:
    """Open (or update) the review alert for a discrepancy; nothing when these counts are known.

    Idempotent: if any alert of the rule already holds this dispensing's evidence with the same
    counts (open, acknowledged or resolved), nothing happens, so saving again never re-raises.
    """
    if not result.is_discrepancy:
        return None
    evidence = {
        "dispensing_id": row.id,
        "dispensed_on": row.dispensed_on.isoformat(),
        "returned_on": row.returned_on.isoformat() if row.returned_on else None,
        "strength_mg": row.strength_mg,
        **result.evidence(),
    }
    known = select(Alert).where(Alert.participant_id == participant.id, Alert.rule_id == RULE_ID)
    keys = ("dispensing_id", "tablets_dispensed", "tablets_returned", "expected_taken", "strength_mg")
    for alert in session.scalars(known):
        for entry in alert.evidence or []:
            if all(entry.get(k) == evidence[k] for k in keys):
                return None
    finding = make_finding(RULE_ID, evidence, None)
    alert, _ = raise_finding(session, participant, finding, evidence_item={}, advice_shown=[], now=now)
    return alert
