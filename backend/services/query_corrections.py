"""A query's answer that corrects the value: through the service that owns the record, never around it.

Each kind of target has one owner, which validates, writes and audits the change as it would for
any site correction: the diary (``diary.put_site_dose``: a dose day, with its source), the BP
reading and symptom report corrections (:mod:`backend.services.report_corrections`), and the
participant's details (``participants.update``). The correction's reason is the query's answer,
prefixed with the query id, so the record's own audit trail says which query changed it; the
query links back to that audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.domain.data_queries import TargetKind
from backend.models import AuditEvent, DataQuery
from backend.services import diary, diary_store, participants, report_corrections
from backend.services.actors import Actor
from backend.services.errors import Invalid


def _latest_event_id(session: Session, entity: str, entity_id: str) -> int:
    session.flush()
    stmt = select(func.max(AuditEvent.id)).where(
        AuditEvent.entity == entity, AuditEvent.entity_id == entity_id
    )
    return session.scalar(stmt) or 0


def _dose_day(
    session: Session, actor: Actor, query: DataQuery, values: dict[str, Any], reason: str, now: datetime
) -> int:
    assert query.target_date is not None
    entry = dict(values)
    source_detail = entry.pop("source_detail")
    existing = diary_store.entry_on(session, query.participant_id, query.target_date)
    version = existing.version if existing is not None else 0
    log, created = diary.put_site_dose(
        session,
        actor,
        query.participant_id,
        query.target_date,
        entry,
        reason=reason,
        source_detail=source_detail,
        now=now,
    )
    if not created and log.version == version:
        raise Invalid({"correction": "the correction changes nothing"})
    query.target_id = log.id  # a day first entered by the correction now has an entry
    return _latest_event_id(session, "dose_log", log.id)


def _bp_reading(
    session: Session, actor: Actor, query: DataQuery, values: dict[str, Any], reason: str, now: datetime
) -> int:
    assert query.target_id is not None
    changes = dict(values)
    source_detail = changes.pop("source_detail")
    event = report_corrections.correct_bp_reading(
        session,
        actor,
        query.participant_id,
        query.target_id,
        changes,
        reason=reason,
        source_detail=source_detail,
        now=now,
    )
    session.flush()
    return event.id


def _symptom_report(
    session: Session, actor: Actor, query: DataQuery, values: dict[str, Any], reason: str, now: datetime
) -> int:
    assert query.target_id is not None
    event = report_corrections.correct_symptom_report(
        session, actor, query.participant_id, query.target_id, dict(values), reason=reason, now=now
    )
    session.flush()
    return event.id


def _participant(
    session: Session, actor: Actor, query: DataQuery, values: dict[str, Any], reason: str, now: datetime
) -> int:
    field = query.target_field or ""
    if field not in participants.PATCHABLE:
        raise Invalid({"correction": f"{field} cannot be corrected here: answer the query in words"})
    if set(values) != {field}:
        raise Invalid({"correction": f"give exactly the queried field, {field}"})
    before = _latest_event_id(session, "participant", query.participant_id)
    participants.update(session, actor, query.participant_id, dict(values), reason=reason, now=now)
    after = _latest_event_id(session, "participant", query.participant_id)
    if after == before:
        raise Invalid({"correction": "the correction changes nothing"})
    return after


OWNERS: dict[TargetKind, Callable[..., int]] = {
    TargetKind.DOSE_DAY: _dose_day,
    TargetKind.BP_READING: _bp_reading,
    TargetKind.SYMPTOM_REPORT: _symptom_report,
    TargetKind.PARTICIPANT: _participant,
}


def apply_correction(
    session: Session, actor: Actor, query: DataQuery, values: dict[str, Any], *, answer: str, now: datetime
) -> int:
    """Correct the query's record with ``values`` through its owning service; returns the audit event id."""
    reason = f"data query {query.id}: {answer}"
    return OWNERS[TargetKind(query.target_kind)](session, actor, query, values, reason, now)
