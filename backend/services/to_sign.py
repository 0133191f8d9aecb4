"""The investigator's to-sign list: every complete cycle with no valid signature, across the site.

A cycle is on the list when it is complete (the next cycle is confirmed, or treatment was
discontinued) and no signature of it is valid: never signed (``unsigned``), or every signature
invalidated by a later change (``invalidated``, with the audit event of the latest such change,
so the investigator sees what changed before signing again). Three queries whatever the number
of participants: the participants in scope, their plans, their signatures (plus the events).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import signing
from backend.domain.signing import CycleSignState, CycleSpan, SignatureStatus
from backend.models import AuditEvent, Participant, Signature
from backend.services.actors import Actor
from backend.services.plans import load_plans
from backend.services.scope import READ_ROLES, get_participant, get_site, require_role, scope_participants


@dataclass
class ToSign:
    """One cycle waiting for an investigator's signature."""

    participant: Participant
    span: CycleSpan
    state: str
    signatures: int
    invalidated_by: AuditEvent | None


def _participants(
    session: Session, actor: Actor, site_id: str | None, participant_id: str | None
) -> list[Participant]:
    """The participants the caller may see, narrowed by the filters (404 for one outside scope)."""
    if participant_id is not None:
        return [get_participant(session, actor, participant_id)]
    stmt = scope_participants(select(Participant), actor).order_by(Participant.study_id, Participant.id)
    if site_id is not None:
        get_site(session, actor, site_id)
        stmt = stmt.where(Participant.site_id == site_id)
    return list(session.scalars(stmt))


def to_sign(
    session: Session, actor: Actor, *, site_id: str | None = None, participant_id: str | None = None
) -> list[ToSign]:
    """Complete cycles with no valid signature, by study id then cycle number."""
    require_role(actor, READ_ROLES)
    participants = _participants(session, actor, site_id, participant_id)
    plans = load_plans(session, participants)
    by_cycle: dict[tuple[str, int], list[Signature]] = defaultdict(list)
    if participants:
        stmt = select(Signature).where(Signature.participant_id.in_([p.id for p in participants]))
        for signature in session.scalars(stmt):
            by_cycle[(signature.participant_id, signature.cycle_number)].append(signature)
    waiting: list[tuple[Participant, CycleSpan, list[Signature]]] = []
    for participant in participants:
        for span in signing.complete_spans(plans[participant.id]):
            signatures = by_cycle[(participant.id, span.number)]
            if not any(s.status == SignatureStatus.VALID for s in signatures):
                waiting.append((participant, span, signatures))
    events = _latest_invalidations(session, [s for _, _, sigs in waiting for s in sigs])
    return [
        ToSign(
            participant=participant,
            span=span,
            state=CycleSignState.INVALIDATED if signatures else CycleSignState.UNSIGNED,
            signatures=len(signatures),
            invalidated_by=events.get((participant.id, span.number)),
        )
        for participant, span, signatures in waiting
    ]


def _latest_invalidations(session: Session, signatures: list[Signature]) -> dict[tuple[str, int], AuditEvent]:
    """(participant, cycle) -> the audit event of the latest change that invalidated a signature."""
    latest: dict[tuple[str, int], int] = {}
    for s in signatures:
        if s.invalidated_by_event_id is not None:
            key = (s.participant_id, s.cycle_number)
            latest[key] = max(latest.get(key, 0), s.invalidated_by_event_id)
    if not latest:
        return {}
    rows = session.scalars(select(AuditEvent).where(AuditEvent.id.in_(set(latest.values()))))
    by_id = {event.id: event for event in rows}
    return {key: by_id[event_id] for key, event_id in latest.items() if event_id in by_id}
