"""Reading data queries: lists by site and participant, counts for the overview, one query's history.

Everything is scoped like the rest of the site's data: site staff see their site, monitors every
site; a site or participant outside the caller's scope answers 404. The history of a query is
its own audit trail (``data_query.*`` events), not a second copy of it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from backend.domain.data_queries import QueryStatus
from backend.models import AuditEvent, DataQuery, Participant, StaffUser
from backend.services.actors import Actor
from backend.services.scope import READ_ROLES, get_participant, get_site, require_role


def _scoped(
    session: Session,
    actor: Actor,
    stmt: Select[*tuple[Any, ...]],
    site_id: str | None,
    participant_id: str | None,
) -> Select[*tuple[Any, ...]]:
    """``stmt`` over data_queries restricted to the caller's scope and the filters (404 outside it)."""
    require_role(actor, READ_ROLES)
    if not actor.sees_all_sites:
        stmt = stmt.where(DataQuery.site_id == actor.site_id)
    if site_id is not None:
        stmt = stmt.where(DataQuery.site_id == get_site(session, actor, site_id).id)
    if participant_id is not None:
        stmt = stmt.where(DataQuery.participant_id == get_participant(session, actor, participant_id).id)
    return stmt


def list_queries(
    session: Session,
    actor: Actor,
    *,
    site_id: str | None = None,
    participant_id: str | None = None,
    status: str | None = None,
    target_kind: str | None = None,
) -> list[DataQuery]:
    """The queries the caller may see, newest first."""
    stmt = _scoped(session, actor, select(DataQuery), site_id, participant_id)
    if status is not None:
        stmt = stmt.where(DataQuery.status == status)
    if target_kind is not None:
        stmt = stmt.where(DataQuery.target_kind == target_kind)
    return list(session.scalars(stmt.order_by(DataQuery.raised_at.desc(), DataQuery.id)))


@dataclass
class ParticipantCounts:
    """How many of one participant's queries are in each state."""

    participant_id: str
    study_id: str
    site_id: str
    counts: Counter[str] = field(default_factory=Counter)


def summary(
    session: Session, actor: Actor, *, site_id: str | None = None, participant_id: str | None = None
) -> tuple[Counter[str], list[ParticipantCounts]]:
    """Counts by state in all, and per participant with any query (by study id): one query."""
    stmt = select(DataQuery.participant_id, DataQuery.status, func.count()).group_by(
        DataQuery.participant_id, DataQuery.status
    )
    rows = session.execute(_scoped(session, actor, stmt, site_id, participant_id)).all()
    totals: Counter[str] = Counter({status.value: 0 for status in QueryStatus})
    by_participant: dict[str, Counter[str]] = {}
    for pid, status, count in rows:
        totals[status] += count
        by_participant.setdefault(pid, Counter())[status] += count
    people = session.execute(
        select(Participant.id, Participant.study_id, Participant.site_id).where(
            Participant.id.in_(by_participant)
        )
    ).all()
    found = [ParticipantCounts(pid, study_id, site, by_participant[pid]) for pid, study_id, site in people]
    return totals, sorted(found, key=lambda p: (p.study_id, p.participant_id))


def history(session: Session, query: DataQuery) -> list[AuditEvent]:
    """Every step of the query, oldest first (its audit events)."""
    stmt = select(AuditEvent).where(AuditEvent.entity == "data_query", AuditEvent.entity_id == query.id)
    return list(session.scalars(stmt.order_by(AuditEvent.id)))


def correction_event(session: Session, query: DataQuery) -> AuditEvent | None:
    """The audit event of the correction the latest answer made, if it made one."""
    return session.get(AuditEvent, query.correction_event_id) if query.correction_event_id else None


def staff_names(session: Session, queries: list[DataQuery]) -> dict[str, str]:
    """staff id -> full name for everyone who raised, answered or closed one of ``queries``."""
    ids = {i for q in queries for i in (q.raised_by, q.answered_by, q.closed_by) if i}
    if not ids:
        return {}
    return dict(session.execute(select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids))).all())


def study_ids(session: Session, queries: list[DataQuery]) -> dict[str, str]:
    """participant id -> study id for the participants of ``queries``."""
    ids = {q.participant_id for q in queries}
    if not ids:
        return {}
    return dict(
        session.execute(select(Participant.id, Participant.study_id).where(Participant.id.in_(ids))).all()
    )
