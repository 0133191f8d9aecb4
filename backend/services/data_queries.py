"""Data queries: raise, answer (optionally correcting the value), close and re-open; each step audited.

The rules (states, who may take which step, which fields a query may name) are the pure
:mod:`backend.domain.data_queries`. Every step is one audit event ``data_query.<step>`` on the
query, in the same transaction as the step; an answer that corrects the value also leaves the
owning record's own audit event (see :mod:`backend.services.query_corrections`), which the query
links as ``correction_event_id``. Scope is the participant's site: another site's queries and
participants answer 404. A retried step that would change nothing is a no-op (no second event).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import data_queries as rules
from backend.domain.data_queries import QueryStatus, QueryStep, TargetKind
from backend.models import BpReading, DataQuery, Participant, SymptomReport
from backend.services import audit, diary_store, query_corrections
from backend.services.actors import Actor
from backend.services.errors import Conflict, Forbidden, Invalid, NotFound
from backend.services.plans import local_today
from backend.services.scope import READ_ROLES, can_see_site, get_participant, require_role


@dataclass(frozen=True)
class Target:
    """What a new query is about (see :class:`~backend.domain.data_queries.TargetKind`)."""

    kind: str
    id: str | None = None
    date: date | None = None
    field: str | None = None


def _record(
    session: Session,
    actor: Actor,
    query: DataQuery,
    step: QueryStep,
    before: dict[str, Any] | None,
    *,
    reason: str | None,
    now: datetime,
) -> None:
    """The step's audit event: the whole query when raised, the changed fields after that."""
    common: dict[str, Any] = {
        "now": now,
        "reason": reason,
        "participant_id": query.participant_id,
        "site_id": query.site_id,
    }
    action = f"data_query.{step}"
    if before is None:
        audit.record(session, actor, action, "data_query", query.id, after=audit.snapshot(query), **common)
    else:
        audit.record_change(session, actor, action, "data_query", query, before, **common)


def _check_target(session: Session, participant: Participant, target: Target, now: datetime) -> Target:
    """The target as stored: it must be the participant's, and the named field must fit it (422)."""
    kind = TargetKind(target.kind)
    error = rules.target_field_error(kind, target.field)
    if error:
        raise Invalid({"target_field": error})
    if kind is TargetKind.DOSE_DAY:
        if target.date is None:
            raise Invalid({"target_date": "name the diary date the query is about"})
        today = local_today(participant, now)
        if not participant.c1d1 <= target.date <= today:
            first = participant.c1d1.isoformat()
            raise Invalid({"target_date": f"must be a diary day, from {first} to {today.isoformat()}"})
        entry = diary_store.entry_on(session, participant.id, target.date)
        return Target(kind, entry.id if entry else None, target.date, target.field)
    if kind is TargetKind.PARTICIPANT:
        return Target(kind, participant.id, None, target.field)
    row: BpReading | SymptomReport | None = None
    if target.id and kind is TargetKind.BP_READING:
        row = session.get(BpReading, target.id)
    elif target.id:
        row = session.get(SymptomReport, target.id)
    if row is None or row.participant_id != participant.id:
        raise Invalid({"target_id": f"no such {kind.replace('_', ' ')} of this participant"})
    return Target(kind, row.id, None, target.field)


def raise_query(
    session: Session, actor: Actor, participant_id: str, target: Target, *, question: str, now: datetime
) -> tuple[DataQuery, bool]:
    """Ask a question about one record; returns (query, created). The same open question again is found."""
    require_role(actor, READ_ROLES)
    participant = get_participant(session, actor, participant_id)
    if not rules.may_raise(actor.role):
        raise Forbidden("your role may not raise queries")
    target = _check_target(session, participant, target, now)
    same = select(DataQuery).where(
        DataQuery.participant_id == participant.id,
        DataQuery.raised_by == actor.id,
        DataQuery.status == QueryStatus.OPEN,
        DataQuery.target_kind == target.kind,
        DataQuery.question == question,
    )
    for existing in session.scalars(same):
        if (existing.target_id, existing.target_date, existing.target_field) == (
            target.id,
            target.date,
            target.field,
        ):
            return existing, False
    query = DataQuery(
        site_id=participant.site_id,
        participant_id=participant.id,
        target_kind=target.kind,
        target_id=target.id,
        target_date=target.date,
        target_field=target.field,
        question=question,
        status=QueryStatus.OPEN,
        raised_by=actor.id,
        raised_by_role=actor.role or "",
        raised_at=now,
        updated_at=now,
    )
    session.add(query)
    session.flush()
    _record(session, actor, query, QueryStep.RAISE, None, reason=question, now=now)
    return query, True


def get_query(session: Session, actor: Actor, query_id: str, *, lock: bool = False) -> DataQuery:
    """One query, if the caller may see its site (else 404)."""
    require_role(actor, READ_ROLES)
    stmt = select(DataQuery).where(DataQuery.id == query_id)
    query = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if query is None or not can_see_site(actor, query.site_id):
        raise NotFound("query not found")
    return query


_DONE = {QueryStep.ANSWER: "answered", QueryStep.CLOSE: "closed", QueryStep.REOPEN: "re-opened"}


def _move(query: DataQuery, step: QueryStep) -> QueryStatus:
    """The state ``step`` leads to, or 409 naming where the query stands."""
    target = rules.next_status(QueryStatus(query.status), step)
    if target is None:
        raise Conflict(f"the query is {query.status}: it cannot be {_DONE[step]} now")
    return target


def answer(
    session: Session,
    actor: Actor,
    query_id: str,
    *,
    text: str,
    correction: dict[str, Any] | None,
    now: datetime,
) -> DataQuery:
    """The site answers; with ``correction``, the value is corrected by its owner and linked."""
    query = get_query(session, actor, query_id, lock=True)
    if not rules.may_answer(actor.role):
        raise Forbidden("only the site answers or corrects: monitors may change nothing")
    if query.status == QueryStatus.ANSWERED and query.answer == text and not correction:
        return query  # the same answer again: a retried request
    status = _move(query, QueryStep.ANSWER)
    before = audit.snapshot(query)
    event_id = None
    if correction:
        event_id = query_corrections.apply_correction(session, actor, query, correction, answer=text, now=now)
    query.status, query.answer, query.answered_by, query.answered_at = status, text, actor.id, now
    query.correction_event_id, query.updated_at = event_id, now
    _record(session, actor, query, QueryStep.ANSWER, before, reason=text, now=now)
    return query


def settle(
    session: Session, actor: Actor, query_id: str, step: QueryStep, *, note: str | None, now: datetime
) -> DataQuery:
    """Close or re-open a query (a monitor; the site only for a query the site raised)."""
    query = get_query(session, actor, query_id, lock=True)
    if not rules.may_settle(actor.role, query.raised_by_role):
        raise Forbidden("only a monitor closes or re-opens a monitor's query")
    if rules.is_repeat(QueryStatus(query.status), step):
        return query  # already there: a retried request
    status = _move(query, step)
    before = audit.snapshot(query)
    query.status, query.note, query.updated_at = status, note, now
    if step is QueryStep.CLOSE:
        query.closed_by, query.closed_at = actor.id, now
    _record(session, actor, query, step, before, reason=note, now=now)
    return query
