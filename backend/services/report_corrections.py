"""Site corrections of patient self-reports, with a reason, each one audited with old and new values.

A patient's BP reading can be wrong for a reason the site can see (a digit mistyped from the
monitor's screen, a reading from the monitor's memory with another time): the site corrects
the values from that source, giving the reason and the source. The reading's ``version`` goes
up, and every reading of its sitting is graded again on the corrected mean (the grade feeds the
site's views and the exports; a regrade is its own audit event). The advice the patient was
shown, and any alert already raised, stay as they were: they record what happened then, and
the site that corrects the value is the site those alerts went to.

A symptom report is the patient's own account of how they feel (a PRO): its answers are never
changed by the site (EMA guideline on computerised systems, 2023, on ePRO data; FDA PRO
guidance). Only the measured temperature, which the site can check against the thermometer,
can be corrected.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import bp
from backend.domain.protocol import get_protocol
from backend.domain.questionnaire import TEMPERATURE_BOUNDS_C
from backend.models import AuditEvent, BpReading, Participant, SymptomReport
from backend.services import audit
from backend.services.actors import Actor
from backend.services.errors import Invalid, NotFound
from backend.services.scope import READ_ROLES, WRITE_ROLES, get_participant, require_role
from backend.services.self_reports import FUTURE_TOLERANCE

BP_FIELDS = ("systolic", "diastolic", "pulse", "measured_at")


def _site_participant(session: Session, actor: Actor, participant_id: str) -> Participant:
    """The participant for a site correction: scope first (404), then a site role (403)."""
    require_role(actor, READ_ROLES)
    participant = get_participant(session, actor, participant_id)
    require_role(actor, WRITE_ROLES)
    return participant


def _row(session: Session, model: Any, participant: Participant, row_id: str, what: str) -> Any:
    stmt = select(model).where(model.id == row_id, model.participant_id == participant.id).with_for_update()
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise NotFound(f"{what} not found")
    return row


def correct_bp_reading(
    session: Session,
    actor: Actor,
    participant_id: str,
    reading_id: str,
    changes: dict[str, Any],
    *,
    reason: str,
    source_detail: str,
    now: datetime,
) -> AuditEvent:
    """Correct a BP reading's values (``BP_FIELDS``) from the named source; returns its audit event."""
    participant = _site_participant(session, actor, participant_id)
    reading = _row(session, BpReading, participant, reading_id, "BP reading")
    unknown = sorted(set(changes) - set(BP_FIELDS))
    if unknown:
        raise Invalid({name: "cannot be corrected" for name in unknown})
    values = {name: changes.get(name, getattr(reading, name)) for name in BP_FIELDS}
    errors = bp.plausibility_errors(values["systolic"], values["diastolic"], values["pulse"])
    if values["measured_at"] > now + FUTURE_TOLERANCE:
        errors["measured_at"] = "must not be in the future"
    if errors:
        raise Invalid(errors)
    if all(getattr(reading, name) == value for name, value in values.items()):
        raise Invalid({"correction": "the correction changes nothing"})
    before = audit.snapshot(reading)
    for name, value in values.items():
        setattr(reading, name, value)
    reading.version = (reading.version or 1) + 1
    common: dict[str, Any] = {"now": now, "participant_id": participant.id, "site_id": participant.site_id}
    event = audit.record_change(
        session,
        actor,
        "bp_reading.correct",
        "bp_reading",
        reading,
        before,
        reason=f"{reason} (source: {source_detail})",
        **common,
    )
    _regrade_sitting(session, actor, participant, reading, **common)
    assert event is not None  # something changed, checked above
    return event


def _regrade_sitting(
    session: Session, actor: Actor, participant: Participant, corrected: BpReading, **common: Any
) -> None:
    """Grade each reading of the corrected reading's sitting again on its (corrected) running mean."""
    table = get_protocol(participant.protocol_ref).bp.grading_table
    stmt = select(BpReading).where(
        BpReading.participant_id == participant.id, BpReading.sitting_id == corrected.sitting_id
    )
    sitting = sorted(session.scalars(stmt), key=lambda r: (r.measured_at, r.received_at))
    for index, reading in enumerate(sitting):
        upto = sitting[: index + 1]
        mean_s = round(sum(r.systolic for r in upto) / len(upto), 1)
        mean_d = round(sum(r.diastolic for r in upto) / len(upto), 1)
        grade = bp.grade(mean_s, mean_d, table)
        if grade == reading.grade:
            continue
        before = audit.snapshot(reading)
        reading.grade = grade
        reason = f"sitting mean changed by the correction of reading {corrected.id}"
        audit.record_change(
            session, actor, "bp_reading.regrade", "bp_reading", reading, before, reason=reason, **common
        )


def correct_symptom_report(
    session: Session,
    actor: Actor,
    participant_id: str,
    report_id: str,
    changes: dict[str, Any],
    *,
    reason: str,
    now: datetime,
) -> AuditEvent:
    """Correct a symptom report's measured temperature; returns its audit event."""
    participant = _site_participant(session, actor, participant_id)
    report = _row(session, SymptomReport, participant, report_id, "symptom report")
    if "answers" in changes:
        raise Invalid({"answers": "the patient's answers are their own report: the site cannot change them"})
    unknown = sorted(set(changes) - {"temperature_c"})
    if unknown:
        raise Invalid({name: "cannot be corrected" for name in unknown})
    value = changes.get("temperature_c")
    lo, hi = TEMPERATURE_BOUNDS_C
    if value is None or not lo <= value <= hi:
        raise Invalid({"temperature_c": f"give the measured temperature, from {lo} to {hi} °C"})
    if report.temperature_c == value:
        raise Invalid({"correction": "the correction changes nothing"})
    before = audit.snapshot(report)
    report.temperature_c = value
    report.version = (report.version or 1) + 1
    event = audit.record_change(
        session,
        actor,
        "symptom_report.correct",
        "symptom_report",
        report,
        before,
        now=now,
        reason=reason,
        participant_id=participant.id,
        site_id=participant.site_id,
    )
    assert event is not None
    return event
