"""Invalidated by change: a later change to a signed record invalidates the signature, at once.

:mod:`backend.services.audit` calls :func:`after_change` for every audit event it writes, in the
same transaction, so no change that leaves an audit event can leave a signature standing over
content that is no longer what was signed. Two kinds of change matter:

- a **signed record** (diary entry, BP reading, symptom report, alert) dated in a signed cycle:
  every valid signature whose span holds one of the record's dates (old and new, for a reading
  whose time was corrected) is invalidated;
- a **plan or participant change** (hold, dose change, cycle, participant time zone or
  discontinuation) can change a cycle's days or move a record between cycles: each valid
  signature of the participant is invalidated when its cycle's document no longer hashes to the
  signed hash.

Each invalidation names the audit event that caused it and is itself audited
(``signature.invalidate``). The diary's hot path pays nothing: a record dated after the last
complete cycle (today's entry) cannot be signed, which the cached plan tells without a query.

Concurrency (PostgreSQL): a writer that may touch a signed cycle takes a shared advisory lock on
the participant before it looks for signatures, and signing takes the exclusive one before it
reads the content, so either the writer sees the new signature or the signer sees the change.
SQLite runs one writing transaction at a time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.domain import signing
from backend.domain.localtime import local_date
from backend.domain.signing import SignatureStatus
from backend.models import Alert, AuditEvent, BpReading, DoseLog, Participant, Signature, SymptomReport
from backend.services import cycle_content
from backend.services.actors import SYSTEM
from backend.services.plan_cache import current_plan

# signed record entity -> (model, the attribute that dates it)
SIGNED_RECORDS: dict[str, tuple[Any, str]] = {
    "dose_log": (DoseLog, "local_date"),
    "bp_reading": (BpReading, "measured_at"),
    "symptom_report": (SymptomReport, "reported_at"),
    "alert": (Alert, "opened_at"),
}
PLAN_ENTITIES = ("participant", "cycle", "hold", "dose_change")


def participant_lock_key(participant_id: str) -> int:
    """A stable 60-bit advisory-lock key for a participant's signatures."""
    return int(hashlib.sha256(f"signing:{participant_id}".encode()).hexdigest()[:15], 16)


def lock_for_signing(session: Session, participant_ids: Sequence[str], *, exclusive: bool) -> None:
    """Take the participants' signing locks (PostgreSQL; SQLite serialises writers anyway)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    for participant_id in sorted(set(participant_ids)):  # one order everywhere: no deadlock
        session.execute(text(f"SELECT {function}(:key)"), {"key": participant_lock_key(participant_id)})


def _dates(
    session: Session, participant: Participant, entity: str, entity_id: str, before: Any
) -> list[date]:
    """The local dates of a signed record, before and after the change."""
    model, attribute = SIGNED_RECORDS[entity]
    values: list[Any] = []
    row = session.get(model, entity_id)
    if row is not None:
        values.append(getattr(row, attribute))
    if isinstance(before, dict) and before.get(attribute):
        old = before[attribute]
        values.append(date.fromisoformat(old) if attribute == "local_date" else datetime.fromisoformat(old))
    return [v if type(v) is date else local_date(v, participant.timezone) for v in values]


def valid_signatures(
    session: Session, participant_id: str, dates: Sequence[date] | None = None
) -> list[Signature]:
    """The participant's valid signatures (only those whose span holds one of ``dates``, if given)."""
    stmt = select(Signature).where(
        Signature.participant_id == participant_id, Signature.status == SignatureStatus.VALID
    )
    found = list(session.scalars(stmt.with_for_update()))
    if dates is None:
        return found
    return [s for s in found if any(s.first_date <= d <= s.last_date for d in dates)]


def stale_signatures(
    session: Session, participant: Participant, signatures: Sequence[Signature]
) -> list[Signature]:
    """Those of ``signatures`` whose cycle's document no longer hashes to what was signed."""
    if not signatures:
        return []
    plan = current_plan(session, participant)
    spans = {s.cycle_number: signing.cycle_span(plan, s.cycle_number) for s in signatures}
    docs = cycle_content.documents(session, participant, plan, [span for span in spans.values() if span])
    return [
        s
        for s in signatures
        if s.cycle_number not in docs or signing.content_hash(docs[s.cycle_number]) != s.content_hash
    ]


def after_change(
    session: Session,
    *,
    action: str,
    entity: str,
    entity_id: str,
    participant_id: str | None,
    before: Any,
    event: AuditEvent | None,
    now: datetime,
) -> None:
    """Invalidate the signatures a just-recorded change touched (see the module docstring)."""
    if participant_id is None or (entity not in SIGNED_RECORDS and entity not in PLAN_ENTITIES):
        return
    participant = session.get(Participant, participant_id)
    if participant is None:
        return
    plan = current_plan(session, participant)
    if signing.last_signable_date(plan) is None:
        return  # no complete cycle, so nothing signed (the common case, no query)
    if entity in SIGNED_RECORDS:
        dates = _dates(session, participant, entity, entity_id, before)
        if not signing.may_touch_signed(plan, dates):
            return  # e.g. today's diary entry
        lock_for_signing(session, [participant_id], exclusive=False)
        touched = valid_signatures(session, participant_id, dates)
    else:
        lock_for_signing(session, [participant_id], exclusive=False)
        touched = stale_signatures(session, participant, valid_signatures(session, participant_id))
    if touched:
        invalidate(session, touched, _event_id(session, event, entity, entity_id), action, now=now)


def _event_id(session: Session, event: AuditEvent | None, entity: str, entity_id: str) -> int:
    """The id of the event that recorded the change (written by a Core statement when ``event`` is None).

    Without an event object the change came from :func:`audit.update_with_event`, which holds
    the record's row lock: the latest event for that record is this transaction's.
    """
    session.flush()
    if event is not None:
        return event.id
    stmt = (
        select(AuditEvent.id)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).one()


def invalidate(
    session: Session, signatures: Sequence[Signature], event_id: int | None, action: str, *, now: datetime
) -> None:
    """Mark ``signatures`` invalidated by audit event ``event_id``, each with its own audit event."""
    from backend.services import audit  # audit calls this module: import at use

    for signature in signatures:
        signature.status = SignatureStatus.INVALIDATED
        signature.invalidated_at = now
        signature.invalidated_by_event_id = event_id
        audit.record(
            session,
            SYSTEM,
            "signature.invalidate",
            "signature",
            signature.id,
            now=now,
            before={"status": SignatureStatus.VALID},
            after={"status": SignatureStatus.INVALIDATED, "invalidated_by_event_id": event_id},
            reason=f"a signed record changed ({action}, audit event {event_id})",
            participant_id=signature.participant_id,
            site_id=signature.site_id,
        )
