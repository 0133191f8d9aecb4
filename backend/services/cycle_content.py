"""What a cycle signature covers, read from the database: one query per record kind for many cycles.

The rules (which dates a cycle spans, which records fall in it, how the document is hashed) are
the pure :mod:`backend.domain.signing`; this module only gathers the rows and turns each into
the plain fields that are signed. Which fields are signed: everything a reviewer reads and a
correction changes, with each record's ``version`` where it has one. Delivery bookkeeping an
alert gains without an audit event (``escalated_at``) is left out, since a change that leaves no
audit event could not say what invalidated a signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import signing
from backend.domain.calendar import TreatmentPlan
from backend.domain.localtime import day_bounds, local_date
from backend.domain.signing import CycleSpan
from backend.models import Alert, BpReading, DoseLog, Participant, SymptomReport

ENTRY_FIELDS = (
    "id",
    "version",
    "taken",
    "taken_at",
    "dose_mg",
    "vomited_after",
    "missed_reason",
    "note",
    "source",
    "source_detail",
    "flags",
    "is_late",
    "is_deviation",
    "entered_by",
    "entered_at",
    "device_time",
)
READING_FIELDS = ("id", "version", "measured_at", "systolic", "diastolic", "pulse", "sitting_id", "grade")
REPORT_FIELDS = ("id", "version", "reported_at", "questionnaire", "answers", "temperature_c")
ALERT_FIELDS = (
    "id",
    "rule_id",
    "kind",
    "severity",
    "status",
    "opened_at",
    "last_seen_at",
    "occurrences",
    "acknowledged_by",
    "acknowledged_at",
    "acknowledge_note",
    "resolved_by",
    "resolved_at",
    "resolution_note",
)


def _fields(row: Any, names: Sequence[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _spanned(rows: Sequence[Any], at: str, tz: str, spans: Sequence[CycleSpan]) -> dict[int, list[Any]]:
    """Rows by the cycle whose span holds their local date (attribute ``at``, an instant)."""
    found: dict[int, list[Any]] = {s.number: [] for s in spans}
    for row in rows:
        day = local_date(getattr(row, at), tz)
        for span in spans:
            if span.contains(day):
                found[span.number].append(row)
    return found


def _between(
    session: Session, model: Any, column: Any, participant_id: str, start: datetime, end: datetime
) -> list[Any]:
    stmt = select(model).where(model.participant_id == participant_id, column >= start, column < end)
    return list(session.scalars(stmt))


def documents(
    session: Session, participant: Participant, plan: TreatmentPlan, spans: Sequence[CycleSpan]
) -> dict[int, dict[str, Any]]:
    """The signed document of each span (each with an end), by cycle number: four queries in all."""
    spans = [s for s in spans if s.last is not None]
    if not spans:
        return {}
    tz = participant.timezone
    first = min(s.first for s in spans)
    last = max(s.last for s in spans if s.last is not None)
    if last < first:  # only empty spans
        last = first
    start, end = day_bounds(first, tz)[0], day_bounds(last, tz)[1]
    logs = session.scalars(
        select(DoseLog).where(
            DoseLog.participant_id == participant.id, DoseLog.local_date >= first, DoseLog.local_date <= last
        )
    )
    entries: dict[date, dict[str, Any]] = {log.local_date: _fields(log, ENTRY_FIELDS) for log in logs}
    readings = _spanned(
        _between(session, BpReading, BpReading.measured_at, participant.id, start, end),
        "measured_at",
        tz,
        spans,
    )
    reports = _spanned(
        _between(session, SymptomReport, SymptomReport.reported_at, participant.id, start, end),
        "reported_at",
        tz,
        spans,
    )
    alerts = _spanned(
        _between(session, Alert, Alert.opened_at, participant.id, start, end), "opened_at", tz, spans
    )
    return {
        span.number: signing.content_document(
            plan,
            participant.id,
            span,
            entries={d: e for d, e in entries.items() if span.contains(d)},
            bp_readings=[_fields(r, READING_FIELDS) for r in readings[span.number]],
            symptom_reports=[_fields(r, REPORT_FIELDS) for r in reports[span.number]],
            alerts=[_fields(a, ALERT_FIELDS) for a in alerts[span.number]],
        )
        for span in spans
    }


def document(
    session: Session, participant: Participant, plan: TreatmentPlan, span: CycleSpan
) -> dict[str, Any]:
    """The signed document of one span (which must have an end)."""
    return documents(session, participant, plan, [span])[span.number]
