"""Investigators sign complete cycles (one, or a batch in one request), and everyone reads the manifest.

Signing (21 CFR Part 11 §11.50, §11.70, §11.100, §11.200):

1. only an investigator of the participant's site signs: another site's ids answer 404 whatever
   the role, then any other role answers 403;
2. the password is checked once for the whole batch (:mod:`backend.services.signing_lock`);
3. each cycle must exist (404) and be complete (409); the whole batch is refused if one is not;
4. each signature stores the signer, their full name as it is now, the UTC time, the meaning,
   and the SHA-256 of the cycle's signed document (which names the participant and the cycle),
   and is audited (``signature.sign``). Signing the same unchanged cycle again with the same
   meaning gives back the existing signature (a retried request signs nothing twice).

Reading recomputes the hash: a signature is shown as ``verified`` only while the cycle's current
content still hashes to what was signed. A later change invalidates it
(:mod:`backend.services.signature_guard`) and the cycle returns to the to-sign list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import new_id
from backend.domain import signing
from backend.domain.signing import CycleSpan, Meaning, SignatureStatus
from backend.models import AuditEvent, Participant, Signature, StaffUser
from backend.services import audit, cycle_content, signature_guard, signing_lock
from backend.services.actors import Actor
from backend.services.errors import Conflict, Invalid, NotFound
from backend.services.plans import load_plan, local_today
from backend.services.scope import INVESTIGATOR_ROLES, READ_ROLES, get_participant, require_role

MAX_BATCH = 100


@dataclass
class Signed:
    """One signature of a signing request, and whether this request created it."""

    signature: Signature
    created: bool
    study_id: str = ""


@dataclass
class CycleRequest:
    """One cycle named in a signing request, resolved to its participant and span."""

    participant: Participant
    number: int
    span: CycleSpan | None = None
    document: dict[str, Any] = field(default_factory=dict)


def _resolve(session: Session, actor: Actor, cycles: list[tuple[str, int]]) -> list[CycleRequest]:
    """Scope first (404), then the role (403): the order of every site action."""
    require_role(actor, READ_ROLES)
    seen: dict[tuple[str, int], CycleRequest] = {}
    for participant_id, number in cycles:
        if (participant_id, number) not in seen:
            seen[(participant_id, number)] = CycleRequest(
                get_participant(session, actor, participant_id), number
            )
    require_role(actor, INVESTIGATOR_ROLES)
    return list(seen.values())


def _spans(session: Session, requests: list[CycleRequest]) -> None:
    """Fill each request's span and document; 404 for a cycle never confirmed, 409 for a running one."""
    for request in requests:
        plan = load_plan(session, request.participant)
        span = signing.cycle_span(plan, request.number)
        where = f"participant {request.participant.study_id} cycle {request.number}"
        if span is None:
            raise NotFound(f"{where} not found")
        if not signing.is_complete(span):
            raise Conflict(f"{where} is still running: it can be signed once the next cycle is confirmed")
        request.span = span
        request.document = cycle_content.document(session, request.participant, plan, span)


def sign_cycles(
    session: Session,
    actor: Actor,
    cycles: list[tuple[str, int]],
    *,
    password: str,
    meaning: str,
    now: datetime,
) -> list[Signed]:
    """Sign each of ``cycles`` (participant id, cycle number) with one password check; all or nothing."""
    if not cycles:
        raise Invalid({"cycles": "name at least one cycle"})
    if len(cycles) > MAX_BATCH:
        raise Invalid({"cycles": f"at most {MAX_BATCH} cycles in one request"})
    meaning = Meaning(meaning)
    requests = _resolve(session, actor, cycles)
    signer = signing_lock.check_password(session, actor, password, now=now)
    signature_guard.lock_for_signing(session, [r.participant.id for r in requests], exclusive=True)
    _spans(session, requests)
    batch_id = new_id()
    return [_sign_one(session, actor, signer, request, meaning, batch_id, now) for request in requests]


def _sign_one(
    session: Session,
    actor: Actor,
    signer: StaffUser,
    request: CycleRequest,
    meaning: Meaning,
    batch_id: str,
    now: datetime,
) -> Signed:
    """Store (or find, for a retry) one signature of one complete cycle, and audit it."""
    participant, span = request.participant, request.span
    assert span is not None and span.last is not None
    digest = signing.content_hash(request.document)
    existing = session.scalars(
        select(Signature).where(
            Signature.participant_id == participant.id,
            Signature.cycle_number == span.number,
            Signature.signer_id == signer.id,
            Signature.meaning == meaning,
            Signature.status == SignatureStatus.VALID,
        )
    ).one_or_none()
    if existing is not None:
        if existing.content_hash == digest:
            return Signed(existing, False, participant.study_id)
        # content changed without an audited change (e.g. a fix made in SQL): not what was signed
        signature_guard.invalidate(session, [existing], None, "content differs from what was signed", now=now)
        session.flush()
    signature = Signature(
        participant_id=participant.id,
        site_id=participant.site_id,
        cycle_number=span.number,
        first_date=span.first,
        last_date=span.last,
        signer_id=signer.id,
        signer_name=signer.name,
        signer_email=signer.email,
        meaning=meaning,
        signed_at=now,
        content_hash=digest,
        content=signing.canonical_json(request.document),
        batch_id=batch_id,
        request_id=audit.request_id_of(session),
        status=SignatureStatus.VALID,
    )
    session.add(signature)
    session.flush()
    audit.record(
        session,
        actor,
        "signature.sign",
        "signature",
        signature.id,
        now=now,
        after=manifest(signature),
        reason=f"cycle {span.number} {meaning}",
        participant_id=participant.id,
        site_id=participant.site_id,
    )
    return Signed(signature, True, participant.study_id)


def manifest(signature: Signature) -> dict[str, Any]:
    """The signature manifest (Part 11 §11.50): who, when (UTC), what it means, over what."""
    return {
        "participant_id": signature.participant_id,
        "cycle": signature.cycle_number,
        "signer_id": signature.signer_id,
        "signer_name": signature.signer_name,
        "meaning": signature.meaning,
        "signed_at": signature.signed_at,
        "content_hash": signature.content_hash,
        "status": signature.status,
    }


# --- reads -----------------------------------------------------------------------------------


@dataclass
class CycleView:
    """A cycle as read by staff: its span, whether it can be signed, its content and signatures."""

    participant: Participant
    span: CycleSpan
    complete: bool
    state: str
    content: dict[str, Any]
    content_hash: str | None
    signatures: list[tuple[Signature, bool]]


def cycle_signatures(session: Session, participant_id: str, number: int) -> list[Signature]:
    """Every signature of one cycle, newest first."""
    stmt = (
        select(Signature)
        .where(Signature.participant_id == participant_id, Signature.cycle_number == number)
        .order_by(Signature.signed_at.desc(), Signature.id)
    )
    return list(session.scalars(stmt))


def sign_state(complete: bool, signatures: list[Signature]) -> str:
    """The cycle's sign-off state from its completeness and its signatures."""
    if not complete:
        return signing.CycleSignState.OPEN
    if any(s.status == SignatureStatus.VALID for s in signatures):
        return signing.CycleSignState.SIGNED
    return signing.CycleSignState.INVALIDATED if signatures else signing.CycleSignState.UNSIGNED


def read_cycle(
    session: Session, actor: Actor, participant_id: str, number: int, *, now: datetime
) -> CycleView:
    """One cycle with what a signature of it covers, and its signatures verified against it."""
    require_role(actor, READ_ROLES)
    participant = get_participant(session, actor, participant_id)
    plan = load_plan(session, participant)
    span = signing.cycle_span(plan, number)
    if span is None:
        raise NotFound(f"cycle {number} not found")
    complete = signing.is_complete(span)
    shown = (
        span if complete else CycleSpan(number, span.first, max(span.first, local_today(participant, now)))
    )
    content = cycle_content.document(session, participant, plan, shown)
    digest = signing.content_hash(content) if complete else None
    signatures = cycle_signatures(session, participant.id, number)
    verified = [(s, s.status == SignatureStatus.VALID and s.content_hash == digest) for s in signatures]
    state = sign_state(complete, signatures)
    return CycleView(participant, span, complete, state, signing.canonical_json(content), digest, verified)


def invalidating_event(session: Session, signature: Signature) -> AuditEvent | None:
    """The audit event of the change that invalidated ``signature`` (None while it is valid)."""
    if signature.invalidated_by_event_id is None:
        return None
    return session.get(AuditEvent, signature.invalidated_by_event_id)
