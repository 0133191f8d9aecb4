"""Patient self-reports: home BP readings and symptom questionnaires, with advice and alerts.

The clinical rules live in ``backend.domain`` (bp, questionnaire, symptoms); this module only
gathers what they need from the database (the sitting's readings, the previous report, the
reports of the previous local day), stores the report with the advice shown, and raises each
finding through :func:`backend.services.alerts.raise_finding`. Both report kinds are idempotent
on the device's ``client_id``: a retried upload returns the first result and changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.domain import bp
from backend.domain.findings import Finding, severity_rank
from backend.domain.i18n import text
from backend.domain.localtime import day_bounds, local_date
from backend.domain.protocol import BpRules, get_protocol
from backend.domain.questionnaire import Questionnaire, answer_errors, load_questionnaire, normalise
from backend.domain.symptoms import crisis_symptoms, evaluate_report
from backend.models import Alert, BpReading, Participant, SymptomReport
from backend.services import alerts, audit
from backend.services.actors import Actor
from backend.services.errors import Conflict, Invalid
from backend.services.scope import READ_ROLES, get_participant, require_role

# How far a device clock may run ahead, and how old an uploaded report may be.
FUTURE_TOLERANCE = timedelta(minutes=10)
MAX_REPORT_AGE = timedelta(days=30)

LEVELS = ("urgent", "review", "info", "ok")
# advice key -> level shown with it (how pressing the advice is, for the PWA's colour and icon).
ADVICE_LEVELS = {
    bp.ADVICE_NORMAL: "ok",
    bp.ADVICE_ELEVATED: "info",
    bp.ADVICE_REPEAT: "info",
    bp.ADVICE_CONTACT_TEAM_TODAY: "review",
    bp.ADVICE_EMERGENCY: "urgent",
    bp.ADVICE_PERSISTENT: "review",
    "advice.symptoms_call_now": "urgent",
    "advice.symptoms_contact_today": "review",
    "advice.symptoms_keep_recording": "ok",
    "advice.fever_call_now": "urgent",
    "advice.fever_measure": "info",
    "advice.bleeding_call_now": "urgent",
    "advice.breathing_call_now": "urgent",
    "advice.chest_pain_call_now": "urgent",
    "advice.diarrhea_fluids": "review",
}


def advice(language: str, key: str) -> dict[str, str]:
    """The advice object shown to the patient: ``{code, level, text}`` in their language."""
    return {
        "code": key.removeprefix("advice."),
        "level": ADVICE_LEVELS.get(key, "info"),
        "text": text(language, key),
    }


def _level_rank(key: str | None) -> int:
    """0 for urgent advice .. 3 for "ok": lower is more pressing."""
    return LEVELS.index(ADVICE_LEVELS.get(key or "", "info"))


def _check_instant(name: str, value: datetime, now: datetime) -> None:
    """422 unless ``value`` lies between ``MAX_REPORT_AGE`` ago and a few minutes from now."""
    if value > now + FUTURE_TOLERANCE:
        raise Invalid({name: "must not be in the future"})
    if value < now - MAX_REPORT_AGE:
        raise Invalid({name: f"must be within the last {MAX_REPORT_AGE.days} days"})


def _insert(session: Session, row: Any) -> bool:
    """Insert ``row`` in a savepoint; False when a concurrent upload took its client id first."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def _raise_all(
    session: Session,
    participant: Participant,
    findings: list[Finding],
    evidence_item: dict[str, Any],
    advice_shown: list[dict[str, str]],
    now: datetime,
) -> list[Alert]:
    """Raise every finding; returns the alerts raised or added to, most pressing first."""
    raised = [
        alerts.raise_finding(
            session, participant, f, evidence_item=evidence_item, advice_shown=advice_shown, now=now
        )[0]
        for f in findings
    ]
    return sorted(raised, key=lambda a: severity_rank(a.severity))


# --- blood pressure -------------------------------------------------------------------------


@dataclass
class BpResult:
    """The answer to a BP upload: the stored reading, its sitting's grade, advice and alert."""

    reading: BpReading
    grade: int | None
    advice: dict[str, str]
    repeat_requested: bool
    alert: Alert | None
    created: bool
    alerts: list[Alert] = field(default_factory=list)


def _bp_result(
    session: Session, reading: BpReading, created: bool, raised: list[Alert] | None = None
) -> BpResult:
    """Build the response for ``reading`` (a repeat upload finds its alerts through the evidence)."""
    if raised is None:
        raised = alerts.alerts_with_evidence(session, reading.participant_id, "reading_id", reading.id)
    shown = reading.advice_shown or {}
    return BpResult(
        reading=reading,
        grade=reading.grade,
        advice=shown,
        repeat_requested=shown.get("code") == bp.ADVICE_REPEAT.removeprefix("advice."),
        alert=raised[0] if raised else None,
        created=created,
        alerts=raised,
    )


def _sitting_of(session: Session, participant: Participant, measured_at: datetime, minutes: int) -> str:
    """The sitting a reading without a sitting id belongs to: the previous reading's, if close enough."""
    stmt = (
        select(BpReading)
        .where(BpReading.participant_id == participant.id, BpReading.measured_at <= measured_at)
        .order_by(BpReading.measured_at.desc(), BpReading.received_at.desc())
        .limit(1)
    )
    previous = session.scalars(stmt).first()
    if previous is not None and measured_at - previous.measured_at <= timedelta(minutes=minutes):
        return previous.sitting_id
    return str(uuid.uuid4())


def _crisis_symptoms_today(session: Session, participant: Participant, measured_at: datetime) -> bool:
    """Crisis symptoms in the participant's most recent symptom report of the reading's local day."""
    start, end = day_bounds(local_date(measured_at, participant.timezone), participant.timezone)
    stmt = (
        select(SymptomReport)
        .where(
            SymptomReport.participant_id == participant.id,
            SymptomReport.reported_at >= start,
            SymptomReport.reported_at < end,
        )
        .order_by(SymptomReport.reported_at.desc())
        .limit(1)
    )
    report = session.scalars(stmt).first()
    if report is None:
        return False
    questionnaire = load_questionnaire(report.questionnaire)
    return crisis_symptoms(normalise(questionnaire, _valid_answers(questionnaire, report.answers)))


def _persistent(
    session: Session, participant: Participant, rules: BpRules, until: datetime
) -> Finding | None:
    """BP-PERSISTENT-G2 over the protocol's window ending at ``until``, graded per sitting mean."""
    since = until - timedelta(days=rules.persistent_grade2_days)
    stmt = select(BpReading).where(
        BpReading.participant_id == participant.id,
        BpReading.measured_at > since,
        BpReading.measured_at <= until,
    )
    sittings: dict[str, list[BpReading]] = {}
    for reading in session.scalars(stmt):
        sittings.setdefault(reading.sitting_id, []).append(reading)
    graded = [
        (
            max(r.measured_at for r in rows),
            bp.grade(
                sum(r.systolic for r in rows) / len(rows),
                sum(r.diastolic for r in rows) / len(rows),
                rules.grading_table,
            ),
        )
        for rows in sittings.values()
    ]
    return bp.persistent_grade2(graded, until, rules)


def record_bp_reading(
    session: Session,
    actor: Actor,
    *,
    client_id: str,
    measured_at: datetime,
    systolic: int,
    diastolic: int,
    pulse: int | None = None,
    sitting_id: str | None = None,
    now: datetime,
) -> BpResult:
    """Store a home BP reading, grade its sitting on the mean, advise the patient, raise alerts.

    Same ``client_id`` again: the first result (``created`` False), with no new alert or audit
    event; a *different* reading under a used ``client_id`` is a Conflict. Implausible values are
    a 422 naming the field and the bound (:func:`backend.domain.bp.plausibility_errors`).
    """
    participant = get_participant(session, actor, actor.participant_id or "")
    existing = session.scalars(
        select(BpReading).where(BpReading.participant_id == participant.id, BpReading.client_id == client_id)
    ).first()
    if existing is not None:
        return _repeat_bp(session, existing, measured_at, systolic, diastolic, pulse)
    errors = bp.plausibility_errors(systolic, diastolic, pulse)
    if errors:
        raise Invalid(errors)
    _check_instant("measured_at", measured_at, now)

    rules = get_protocol(participant.protocol_ref).bp
    sitting = sitting_id or _sitting_of(session, participant, measured_at, rules.sitting_minutes)
    earlier = session.scalars(
        select(BpReading).where(BpReading.participant_id == participant.id, BpReading.sitting_id == sitting)
    ).all()
    reading = BpReading(
        participant_id=participant.id,
        client_id=client_id,
        sitting_id=sitting,
        measured_at=measured_at,
        systolic=systolic,
        diastolic=diastolic,
        pulse=pulse,
        received_at=now,
    )
    sitting_readings = [
        bp.Reading(r.measured_at, r.systolic, r.diastolic, r.pulse) for r in [*earlier, reading]
    ]
    assessment = bp.assess_sitting(
        sitting_readings, rules, crisis_symptoms=_crisis_symptoms_today(session, participant, measured_at)
    )
    reading.grade = assessment.grade
    reading.advice_shown = advice(participant.language, assessment.advice_key)
    if not _insert(session, reading):
        existing = session.scalars(
            select(BpReading).where(
                BpReading.participant_id == participant.id, BpReading.client_id == client_id
            )
        ).one()
        return _repeat_bp(session, existing, measured_at, systolic, diastolic, pulse)
    findings = list(assessment.findings)
    advice_key = assessment.advice_key
    if assessment.grade >= 2 and not assessment.repeat_requested:
        # the new reading is flushed, so its sitting counts in the window
        persistent = _persistent(session, participant, rules, max(now, measured_at))
        if persistent is not None:
            findings.append(persistent)
            if _level_rank(persistent.advice_key) < _level_rank(advice_key):
                advice_key = persistent.advice_key or advice_key
    shown = advice(participant.language, advice_key)
    reading.advice_shown = shown
    session.flush()
    audit.record(
        session,
        actor,
        "bp_reading.create",
        "bp_reading",
        reading.id,
        now=now,
        after=audit.snapshot(reading),
        participant_id=participant.id,
        site_id=participant.site_id,
    )
    evidence_item = {"kind": "bp_reading", "reading_id": reading.id, "sitting_id": sitting}
    raised = _raise_all(session, participant, findings, evidence_item, [shown], now)
    return _bp_result(session, reading, True, raised)


def _repeat_bp(
    session: Session,
    existing: BpReading,
    measured_at: datetime,
    systolic: int,
    diastolic: int,
    pulse: int | None,
) -> BpResult:
    """A retried upload: the first result, or a Conflict when the client id carried another reading."""
    if (existing.measured_at, existing.systolic, existing.diastolic, existing.pulse) != (
        measured_at,
        systolic,
        diastolic,
        pulse,
    ):
        raise Conflict("client_id was already used for a different reading")
    return _bp_result(session, existing, False)


def list_bp_readings(session: Session, actor: Actor, participant_id: str) -> list[BpReading]:
    """A participant's BP readings, newest first (site staff of their site, or a monitor)."""
    require_role(actor, READ_ROLES)
    participant = get_participant(session, actor, participant_id)
    stmt = (
        select(BpReading)
        .where(BpReading.participant_id == participant.id)
        .order_by(BpReading.measured_at.desc(), BpReading.received_at.desc())
    )
    return list(session.scalars(stmt))


# --- symptoms -------------------------------------------------------------------------------


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


def _valid_answers(questionnaire: Questionnaire, answers: dict[str, Any] | None) -> dict[str, int]:
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
    existing = session.scalars(
        select(SymptomReport).where(
            SymptomReport.participant_id == participant.id, SymptomReport.client_id == client_id
        )
    ).first()
    if existing is not None:
        return _repeat_symptoms(session, existing, answers, temperature_c)
    questionnaire = questionnaire_for(participant)
    errors = answer_errors(questionnaire, answers, temperature_c)
    if errors:
        raise Invalid(errors)
    reported_at = reported_at or now
    _check_instant("reported_at", reported_at, now)

    base = select(SymptomReport).where(SymptomReport.participant_id == participant.id)
    previous = session.scalars(
        base.where(SymptomReport.reported_at < reported_at)
        .order_by(SymptomReport.reported_at.desc())
        .limit(1)
    ).first()
    day = local_date(reported_at, participant.timezone)
    start, end = day_bounds(day - timedelta(days=1), participant.timezone)
    recent = session.scalars(
        base.where(SymptomReport.reported_at >= start, SymptomReport.reported_at < end).order_by(
            SymptomReport.reported_at.desc()
        )
    ).all()
    rules = get_protocol(participant.protocol_ref).symptoms
    assessment = evaluate_report(
        questionnaire,
        rules,
        dict(answers),
        temperature_c,
        _valid_answers(questionnaire, previous.answers) if previous is not None else None,
        [_valid_answers(questionnaire, r.answers) for r in recent],
    )
    shown = [advice(participant.language, key) for key in assessment.advice_keys]
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
    if not _insert(session, report):
        existing = session.scalars(
            select(SymptomReport).where(
                SymptomReport.participant_id == participant.id, SymptomReport.client_id == client_id
            )
        ).one()
        return _repeat_symptoms(session, existing, answers, temperature_c)
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
    evidence_item = {"kind": "symptom_report", "report_id": report.id, "reported_at": reported_at}
    raised = _raise_all(session, participant, assessment.findings, evidence_item, shown, now)
    return SymptomResult(report=report, advice=shown, alerts=raised, created=True)


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


def list_symptom_reports(session: Session, actor: Actor, participant_id: str) -> list[SymptomReport]:
    """A participant's symptom reports, newest first (site staff of their site, or a monitor)."""
    require_role(actor, READ_ROLES)
    participant = get_participant(session, actor, participant_id)
    stmt = (
        select(SymptomReport)
        .where(SymptomReport.participant_id == participant.id)
        .order_by(SymptomReport.reported_at.desc(), SymptomReport.received_at.desc())
    )
    return list(session.scalars(stmt))
