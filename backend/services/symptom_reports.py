"""Symptom questionnaires: validation, scoring against the previous report, advice and alerts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.findings import Finding
from backend.domain.localtime import day_bounds, local_date
from backend.domain.protocol import get_protocol
from backend.domain.questionnaire import Questionnaire, answer_errors, load_questionnaire
from backend.domain.symptoms import evaluate_report
from backend.models import Alert, Participant, SymptomReport
from backend.services import alerts, audit
from backend.services import self_reports as common
from backend.services.actors import Actor
from backend.services.errors import Conflict, Invalid
from backend.services.paging import Order, Page, keyset_page
from backend.services.scope import READ_ROLES, get_participant, require_role


@dataclass
class SymptomResult:
    """The answer to a symptom upload: the stored report, the advice shown and the alerts raised."""

    report: SymptomReport
    advice: list[dict[str, str]]
    alerts: list[Alert]
    created: bool


def questionnaire_for(participant: Participant) -> Questionnaire:
    """The symptom questionnaire of the participant's protocol."""
    return load_questionnaire(get_protocol(participant.protocol_ref).symptoms.questionnaire)


def valid_answers(questionnaire: Questionnaire, answers: dict[str, Any] | None) -> dict[str, int]:
    """Stored answers restricted to what ``questionnaire`` can score (it may be a newer version)."""
    items = questionnaire.items
    return {
        code: value
        for code, value in (answers or {}).items()
        if code in items
        and isinstance(value, int)
        and not isinstance(value, bool)
        and 0 <= value <= items[code].max_value
    }


def record_symptom_report(
    session: Session,
    actor: Actor,
    *,
    client_id: str,
    answers: Any,
    temperature_c: float | None = None,
    reported_at: datetime | None = None,
    now: datetime,
) -> SymptomResult:
    """Store a symptom report, apply every symptom rule, advise the patient and raise alerts.

    Each invalid answer is a 422 naming ``answers.<item code>`` (unknown item, value outside its
    scale, follow-up without its gate) or ``temperature_c`` (outside 34.0-43.0 °C). Rules get the
    participant's previous report (worsening, "new" cough) and their reports of the previous local
    day (2 days of diarrhoea). Same ``client_id`` again: the first result, nothing new written.
    """
    participant = get_participant(session, actor, actor.participant_id or "")
    existing = _by_client_id(session, participant.id, client_id)
    if existing is not None:
        return _repeat_symptoms(session, existing, answers, temperature_c)
    questionnaire = questionnaire_for(participant)
    errors = answer_errors(questionnaire, answers, temperature_c)
    if errors:
        raise Invalid(errors)
    reported_at = reported_at or now
    common.check_instant("reported_at", reported_at, now)
    previous, recent = _earlier_reports(session, participant, reported_at)
    assessment = evaluate_report(
        questionnaire,
        get_protocol(participant.protocol_ref).symptoms,
        dict(answers),
        temperature_c,
        valid_answers(questionnaire, previous.answers) if previous is not None else None,
        [valid_answers(questionnaire, r.answers) for r in recent],
    )
    shown = [common.advice(participant.language, key) for key in assessment.advice_keys]
    report = SymptomReport(
        participant_id=participant.id,
        client_id=client_id,
        questionnaire=questionnaire.key,
        reported_at=reported_at,
        answers=dict(answers),
        temperature_c=temperature_c,
        advice_shown=shown,
        received_at=now,
    )
    if not common.insert_once(session, report):  # the same client_id won a race: answer as a repeat
        existing = _by_client_id(session, participant.id, client_id)
        assert existing is not None  # the conflicting row is committed
        return _repeat_symptoms(session, existing, answers, temperature_c)
    raised = _audit_and_alert(session, actor, participant, report, assessment.findings, shown, now)
    return SymptomResult(report=report, advice=shown, alerts=raised, created=True)


def _audit_and_alert(
    session: Session,
    actor: Actor,
    participant: Participant,
    report: SymptomReport,
    findings: list[Finding],
    shown: list[dict[str, str]],
    now: datetime,
) -> list[Alert]:
    """Audit the new report and raise its findings, each with the report and the advice shown."""
    audit.record(
        session,
        actor,
        "symptom_report.create",
        "symptom_report",
        report.id,
        now=now,
        after=audit.snapshot(report),
        participant_id=participant.id,
        site_id=participant.site_id,
    )
    evidence_item = {"kind": "symptom_report", "report_id": report.id, "reported_at": report.reported_at}
    return common.raise_all(session, participant, findings, evidence_item, shown, now)


def _repeat_symptoms(
    session: Session, existing: SymptomReport, answers: Any, temperature_c: float | None
) -> SymptomResult:
    """A retried upload: the first result, or a Conflict when the client id carried another report."""
    if existing.answers != answers or existing.temperature_c != temperature_c:
        raise Conflict("client_id was already used for a different report")
    raised = alerts.alerts_with_evidence(session, existing.participant_id, "report_id", existing.id)
    return SymptomResult(
        report=existing, advice=list(existing.advice_shown or []), alerts=raised, created=False
    )


REPORT_ORDER = (
    Order(SymptomReport.reported_at, descending=True),
    Order(SymptomReport.received_at, descending=True),
    Order(SymptomReport.id, descending=True),
)


def list_symptom_reports(
    session: Session,
    actor: Actor,
    participant_id: str,
    *,
    after: Sequence[Any] | None = None,
    limit: int | None = None,
) -> Page:
    """A participant's symptom reports, newest first (site staff of their site, or a monitor)."""
    require_role(actor, READ_ROLES)
    participant = get_participant(session, actor, participant_id)
    stmt = select(SymptomReport).where(SymptomReport.participant_id == participant.id)
    return keyset_page(
        session, stmt, REPORT_ORDER, lambda r: (r.reported_at, r.received_at, r.id), after=after, limit=limit
    )


def _by_client_id(session: Session, participant_id: str, client_id: str) -> SymptomReport | None:
    """The participant's report sent under ``client_id`` (a phone's retry), if any."""
    return session.scalars(
        select(SymptomReport).where(
            SymptomReport.participant_id == participant_id, SymptomReport.client_id == client_id
        )
    ).first()


def _earlier_reports(
    session: Session, participant: Participant, reported_at: datetime
) -> tuple[SymptomReport | None, list[SymptomReport]]:
    """What the rules compare with: the report before this one, and those of the previous local day."""
    base = select(SymptomReport).where(SymptomReport.participant_id == participant.id)
    newest_first = SymptomReport.reported_at.desc()
    previous = session.scalars(
        base.where(SymptomReport.reported_at < reported_at).order_by(newest_first).limit(1)
    ).first()
    day = local_date(reported_at, participant.timezone)
    start, end = day_bounds(day - timedelta(days=1), participant.timezone)
    recent = session.scalars(
        base.where(SymptomReport.reported_at >= start, SymptomReport.reported_at < end).order_by(newest_first)
    ).all()
    return previous, list(recent)
