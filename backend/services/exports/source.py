"""Streamed reads for the exports: a few participants at a time, their records in chunks.

A study is read as batches of :data:`BATCH` participants. For each batch one query per kind of
record (diary entries, BP readings, symptom reports, alerts) is run with ``yield_per`` (a
server-side cursor on PostgreSQL) and its rows are grouped by participant. Memory therefore
grows with the batch, never with the study: a 30-participant, 2-year study and a 3,000-participant
one use the same. Rows are plain Core rows (attribute access by column name), not ORM objects:
cheaper to build and never kept in the session's identity map.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from backend.domain.calendar import TreatmentPlan
from backend.domain.localtime import local_date
from backend.models import (
    Alert,
    AuditEvent,
    BpReading,
    DataQuery,
    Dispensing,
    DoseLog,
    Signature,
    StaffUser,
    SymptomReport,
)
from backend.services.exports.scope import ExportFilters, Subject
from backend.services.plans import load_plans

BATCH = 10
YIELD_PER = 1000


@dataclass
class SubjectRecords:
    """One participant's records within the export's date range, in time order."""

    subject: Subject
    plan: TreatmentPlan
    dose_logs: list[Row[Any]]
    readings: list[Row[Any]]
    reports: list[Row[Any]]
    alerts: list[Row[Any]]
    signatures: list[Row[Any]] = field(default_factory=list)
    queries: list[Row[Any]] = field(default_factory=list)
    dispensings: list[Row[Any]] = field(default_factory=list)


def _chunks(items: Sequence[Subject], size: int) -> Iterator[Sequence[Subject]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _instant_bounds(filters: ExportFilters) -> tuple[datetime | None, datetime | None]:
    """UTC instants safely around the local-date range (every zone is within ±14 h of UTC)."""
    low = datetime.combine(filters.start - timedelta(days=1), time(), UTC) if filters.start else None
    high = datetime.combine(filters.end + timedelta(days=2), time(), UTC) if filters.end else None
    return low, high


def _grouped(session: Session, stmt: Select[*tuple[Any, ...]]) -> dict[str, list[Row[Any]]]:
    """Rows of ``stmt`` (which has a ``participant_id`` column) by participant, read in chunks."""
    grouped: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in session.execute(stmt.execution_options(yield_per=YIELD_PER)):
        grouped[row.participant_id].append(row)
    return grouped


def _timed(
    session: Session, table: Any, column: Any, ids: list[str], filters: ExportFilters
) -> dict[str, Any]:
    """Rows of a table whose instant ``column`` may fall in the range, by participant."""
    stmt = select(*table.c).where(table.c.participant_id.in_(ids))
    low, high = _instant_bounds(filters)
    if low is not None:
        stmt = stmt.where(column >= low)
    if high is not None:
        stmt = stmt.where(column < high)
    return _grouped(session, stmt.order_by(table.c.participant_id, column, table.c.id))


def _in_range(rows: Iterable[Row[Any]], attr: str, tz: str, filters: ExportFilters) -> list[Row[Any]]:
    """Rows whose instant ``attr`` falls on a local date inside the filters."""
    if filters.start is None and filters.end is None:
        return list(rows)
    return [row for row in rows if filters.covers(local_date(getattr(row, attr), tz))]


def _dose_logs(session: Session, ids: list[str], filters: ExportFilters) -> dict[str, Any]:
    table = DoseLog.__table__
    stmt = select(*table.c).where(table.c.participant_id.in_(ids))
    if filters.start is not None:
        stmt = stmt.where(table.c.local_date >= filters.start)
    if filters.end is not None:
        stmt = stmt.where(table.c.local_date <= filters.end)
    return _grouped(session, stmt.order_by(table.c.participant_id, table.c.local_date))


def _alerts(session: Session, ids: list[str], filters: ExportFilters) -> dict[str, Any]:
    """Alerts with the names of the staff who acknowledged or resolved them."""
    acked = StaffUser.__table__.alias("acked")
    resolved = StaffUser.__table__.alias("resolved")
    table = Alert.__table__
    stmt = (
        select(
            *table.c,
            acked.c.name.label("acknowledged_by_name"),
            resolved.c.name.label("resolved_by_name"),
        )
        .outerjoin(acked, acked.c.id == table.c.acknowledged_by)
        .outerjoin(resolved, resolved.c.id == table.c.resolved_by)
        .where(table.c.participant_id.in_(ids))
    )
    low, high = _instant_bounds(filters)
    if low is not None:
        stmt = stmt.where(table.c.opened_at >= low)
    if high is not None:
        stmt = stmt.where(table.c.opened_at < high)
    return _grouped(session, stmt.order_by(table.c.participant_id, table.c.opened_at, table.c.id))


def _signatures(session: Session, ids: list[str], filters: ExportFilters) -> dict[str, Any]:
    """Signatures of cycles that overlap the range, with the action of the change that invalidated one."""
    table, events = Signature.__table__, AuditEvent.__table__
    stmt = (
        select(*[c for c in table.c if c.name != "content"], events.c.action.label("invalidated_by_action"))
        .outerjoin(events, events.c.id == table.c.invalidated_by_event_id)
        .where(table.c.participant_id.in_(ids))
    )
    if filters.start is not None:
        stmt = stmt.where(table.c.last_date >= filters.start)
    if filters.end is not None:
        stmt = stmt.where(table.c.first_date <= filters.end)
    order = (table.c.participant_id, table.c.cycle_number, table.c.signed_at, table.c.id)
    return _grouped(session, stmt.order_by(*order))


def _queries(session: Session, ids: list[str], filters: ExportFilters) -> dict[str, Any]:
    """Data queries with the names of the staff who raised, answered and closed them."""
    table = DataQuery.__table__
    names = {role: StaffUser.__table__.alias(role) for role in ("raised", "answered", "closed")}
    stmt = select(*table.c, *(alias.c.name.label(f"{role}_by_name") for role, alias in names.items()))
    for role, alias in names.items():
        stmt = stmt.outerjoin(alias, alias.c.id == table.c[f"{role}_by"])
    stmt = stmt.where(table.c.participant_id.in_(ids))
    low, high = _instant_bounds(filters)
    if low is not None:
        stmt = stmt.where(table.c.raised_at >= low)
    if high is not None:
        stmt = stmt.where(table.c.raised_at < high)
    return _grouped(session, stmt.order_by(table.c.participant_id, table.c.raised_at, table.c.id))


def _dispensings(session: Session, ids: list[str]) -> dict[str, Any]:
    """Dispensings (drug accountability); the DA rows filter by their own dates."""
    table = Dispensing.__table__
    stmt = select(*table.c).where(table.c.participant_id.in_(ids))
    return _grouped(session, stmt.order_by(table.c.participant_id, table.c.dispensed_on, table.c.id))


# What ODM and FHIR read; the sign-off datasets ask for "signatures" and "queries" themselves.
KINDS = ("dose_logs", "readings", "reports", "alerts")


def subject_records(
    session: Session,
    subjects: Sequence[Subject],
    filters: ExportFilters,
    kinds: Iterable[str] = KINDS,
    batch: int = BATCH,
) -> Iterator[SubjectRecords]:
    """Each subject's records of the asked ``kinds`` (others left empty), batch by batch."""
    wanted = set(kinds)
    for chunk in _chunks(subjects, batch):
        ids = [s.participant.id for s in chunk]
        plans = load_plans(session, [s.participant for s in chunk])
        logs = _dose_logs(session, ids, filters) if "dose_logs" in wanted else {}
        readings = (
            _timed(session, BpReading.__table__, BpReading.__table__.c.measured_at, ids, filters)
            if "readings" in wanted
            else {}
        )
        reports = (
            _timed(session, SymptomReport.__table__, SymptomReport.__table__.c.reported_at, ids, filters)
            if "reports" in wanted
            else {}
        )
        alerts = _alerts(session, ids, filters) if "alerts" in wanted else {}
        signatures = _signatures(session, ids, filters) if "signatures" in wanted else {}
        queries = _queries(session, ids, filters) if "queries" in wanted else {}
        dispensings = _dispensings(session, ids) if "dispensings" in wanted else {}
        for subject in chunk:
            pid, tz = subject.participant.id, subject.participant.timezone
            yield SubjectRecords(
                subject=subject,
                plan=plans[pid],
                dose_logs=logs.get(pid, []),
                readings=_in_range(readings.get(pid, []), "measured_at", tz, filters),
                reports=_in_range(reports.get(pid, []), "reported_at", tz, filters),
                alerts=_in_range(alerts.get(pid, []), "opened_at", tz, filters),
                signatures=signatures.get(pid, []),
                queries=_in_range(queries.get(pid, []), "raised_at", tz, filters),
                dispensings=dispensings.get(pid, []),
            )


def last_day(subject: Subject, filters: ExportFilters, now: datetime) -> date:
    """The last local date an export covers for ``subject``: ``to``, but never after their today."""
    today = local_date(now, subject.participant.timezone)
    return min(filters.end, today) if filters.end else today


def first_day(subject: Subject, filters: ExportFilters) -> date:
    """The first local date of prescribed days to list: ``from``, but never before C1D1."""
    c1d1 = subject.participant.c1d1
    return max(filters.start, c1d1) if filters.start else c1d1
