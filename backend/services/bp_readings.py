"""Home blood-pressure readings: sittings graded on their mean, advice, and BP alerts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import bp
from backend.domain.findings import Finding
from backend.domain.localtime import day_bounds, local_date
from backend.domain.protocol import BpRules, get_protocol
from backend.domain.questionnaire import load_questionnaire, normalise
from backend.domain.symptoms import crisis_symptoms
from backend.models import Alert, BpReading, Participant, SymptomReport
from backend.services import alerts, audit, team_waits
from backend.services import self_reports as common
from backend.services.actors import Actor
from backend.services.errors import Conflict, Invalid
from backend.services.paging import Order, Page, keyset_page
from backend.services.scope import READ_ROLES, get_participant, require_role
from backend.services.symptom_reports import valid_answers


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
    return crisis_symptoms(normalise(questionnaire, valid_answers(questionnaire, report.answers)))


def baseline_of(participant: Participant) -> bp.Baseline | None:
    """The participant's baseline BP for CTCAE v6.0 grading, or None when the site recorded none."""
    if participant.baseline_sbp is None or participant.baseline_dbp is None:
        return None
    return bp.Baseline(participant.baseline_sbp, participant.baseline_dbp)


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
    baseline = baseline_of(participant)
    graded = [
        (
            max(r.measured_at for r in rows),
            bp.grade(
                round(sum(r.systolic for r in rows) / len(rows), 1),
                round(sum(r.diastolic for r in rows) / len(rows), 1),
                rules.grading_table,
                baseline,
            ),
        )
        for rows in sittings.values()
    ]
    return bp.persistent_grade2(graded, until, rules, participant.timezone)


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
    existing = _by_client_id(session, participant.id, client_id)
    if existing is not None:
        return _repeat_bp(session, existing, measured_at, systolic, diastolic, pulse)
    errors = bp.plausibility_errors(systolic, diastolic, pulse)
    if errors:
        raise Invalid(errors)
    common.check_instant("measured_at", measured_at, now)
    rules = get_protocol(participant.protocol_ref).bp
    sitting = sitting_id or _sitting_of(session, participant, measured_at, rules.sitting_minutes)
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
    assessment = _grade_sitting(session, participant, rules, reading)
    if not common.insert_once(session, reading):  # the same client_id won a race: answer as a repeat
        existing = _by_client_id(session, participant.id, client_id)
        assert existing is not None  # the conflicting row is committed
        return _repeat_bp(session, existing, measured_at, systolic, diastolic, pulse)
    findings, advice_key = _with_persistence(session, participant, rules, assessment, max(now, measured_at))
    reading.advice_shown = common.advice(participant.language, advice_key)
    session.flush()
    raised = _audit_and_alert(session, actor, participant, reading, findings, now)
    return _bp_result(session, reading, True, raised)


def _audit_and_alert(
    session: Session,
    actor: Actor,
    participant: Participant,
    reading: BpReading,
    findings: list[Finding],
    now: datetime,
) -> list[Alert]:
    """Audit the new reading, raise its findings and start the wait for the team each alert asks for."""
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
    evidence_item = {"kind": "bp_reading", "reading_id": reading.id, "sitting_id": reading.sitting_id}
    shown = [reading.advice_shown] if reading.advice_shown is not None else []
    raised = common.raise_all(session, participant, findings, evidence_item, shown, now)
    for alert in raised:
        team_waits.start_for(session, participant, alert, now)
    return raised


def _by_client_id(session: Session, participant_id: str, client_id: str) -> BpReading | None:
    """The participant's reading sent under ``client_id`` (a phone's retry), if any."""
    return session.scalars(
        select(BpReading).where(BpReading.participant_id == participant_id, BpReading.client_id == client_id)
    ).first()


def _grade_sitting(
    session: Session, participant: Participant, rules: BpRules, reading: BpReading
) -> bp.SittingAssessment:
    """Grade the reading's sitting on the mean of its readings so far; the reading keeps the grade."""
    earlier = session.scalars(
        select(BpReading).where(
            BpReading.participant_id == participant.id, BpReading.sitting_id == reading.sitting_id
        )
    ).all()
    sitting_readings = [
        bp.Reading(r.measured_at, r.systolic, r.diastolic, r.pulse) for r in [*earlier, reading]
    ]
    assessment = bp.assess_sitting(
        sitting_readings,
        rules,
        crisis_symptoms=_crisis_symptoms_today(session, participant, reading.measured_at),
        baseline=baseline_of(participant),
    )
    reading.grade = assessment.grade
    reading.repeat_requested = assessment.repeat_requested
    reading.grading = assessment.grading
    reading.advice_shown = common.advice(participant.language, assessment.advice_key)
    return assessment


def _with_persistence(
    session: Session,
    participant: Participant,
    rules: BpRules,
    assessment: bp.SittingAssessment,
    until: datetime,
) -> tuple[list[Finding], str]:
    """The sitting's findings and advice, plus persistent hypertension once a confirmed grade 2+ repeats."""
    findings, advice_key = list(assessment.findings), assessment.advice_key
    if assessment.grade >= 2 and not assessment.repeat_requested:
        # the new reading is flushed, so its sitting counts in the window
        persistent = _persistent(session, participant, rules, until)
        if persistent is not None:
            findings.append(persistent)
            if common.level_rank(persistent.advice_key) < common.level_rank(advice_key):
                advice_key = persistent.advice_key or advice_key
    return findings, advice_key


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


READING_ORDER = (
    Order(BpReading.measured_at, descending=True),
    Order(BpReading.received_at, descending=True),
    Order(BpReading.id, descending=True),
)


def list_bp_readings(
    session: Session,
    actor: Actor,
    participant_id: str,
    *,
    after: Sequence[Any] | None = None,
    limit: int | None = None,
) -> Page:
    """A participant's BP readings, newest first (site staff of their site, or a monitor)."""
    require_role(actor, READ_ROLES)
    participant = get_participant(session, actor, participant_id)
    stmt = select(BpReading).where(BpReading.participant_id == participant.id)
    return keyset_page(
        session, stmt, READING_ORDER, lambda r: (r.measured_at, r.received_at, r.id), after=after, limit=limit
    )
