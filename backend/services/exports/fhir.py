"""One participant's diary as a FHIR R4 Bundle (type ``collection``), streamed entry by entry.

The Bundle holds the Patient, the Questionnaire of every questionnaire version answered, and
per record (within the ``from``/``to`` local dates): a MedicationAdministration per diary entry,
a BP panel and a pulse Observation per reading, a body-temperature Observation per report that
has one, a QuestionnaireResponse per report, and a DetectedIssue per alert. Why these resources:
:mod:`.fhir_resources`. Site staff see participants of their site, monitors every participant;
anyone else's id is a 404.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.domain import calendar
from backend.domain.questionnaire import load_questionnaire
from backend.models import Site
from backend.services.actors import Actor
from backend.services.errors import NotFound
from backend.services.exports import fhir_questionnaires as fq
from backend.services.exports import fhir_resources as fr
from backend.services.exports.formats import Tally
from backend.services.exports.scope import ExportFilters, Subject, authorise
from backend.services.exports.source import SubjectRecords, subject_records
from backend.services.exports.vs import TABLE_NAMES
from backend.services.plans import protocol_of
from backend.services.scope import get_participant


def _entries(records: SubjectRecords) -> Iterator[dict[str, Any]]:
    subject = records.subject
    patient = fr.patient(subject)
    pid = patient["id"]
    yield patient
    for log in records.dose_logs:
        dose = log.dose_mg if log.dose_mg is not None else calendar.dose_on(records.plan, log.local_date)
        yield fr.administration(subject, log, dose if log.taken else None, pid)
    table = subject.protocol.bp.grading_table
    for r in records.readings:
        yield fr.bp_panel(subject, r, pid, TABLE_NAMES.get(table, table))
        if r.pulse is not None:
            yield fr.simple_observation(
                subject,
                "pulse",
                r.id,
                r.measured_at,
                ("8867-4", "Heart rate"),
                {"value": r.pulse, "unit": "beats/minute", "system": fr.UCUM, "code": "/min"},
                pid,
            )
    questionnaires: dict[str, Any] = {}
    for report in records.reports:
        if report.questionnaire not in questionnaires:
            questionnaires[report.questionnaire] = load_questionnaire(report.questionnaire)
            yield fq.questionnaire(questionnaires[report.questionnaire])
        yield fq.response(subject, report, questionnaires[report.questionnaire], pid)
        if report.temperature_c is not None:
            yield fr.simple_observation(
                subject,
                "temperature",
                report.id,
                report.reported_at,
                ("8310-5", "Body temperature"),
                {"value": report.temperature_c, "unit": "C", "system": fr.UCUM, "code": "Cel"},
                pid,
            )
    for alert in records.alerts:
        yield fr.detected_issue(alert, pid)


@dataclass
class FhirBundle:
    """An authorised FHIR export of one participant; records not read yet."""

    subject: Subject
    filters: ExportFilters
    now: datetime

    @property
    def participant_id(self) -> str:
        """The participant's id (for the audit trail)."""
        return self.subject.participant.id

    @property
    def file_stem(self) -> str:
        """A file name for the download: the USUBJID."""
        return self.subject.usubjid

    def chunks(self, reader: Session, tally: Tally) -> Iterator[str]:
        """The Bundle as JSON text, one entry per chunk, read with ``reader``; counts entries."""
        head = {
            "resourceType": "Bundle",
            "id": fr.resource_id("bundle", f"{self.participant_id}:{self.now.isoformat()}"),
            "meta": {"lastUpdated": self.now.isoformat(timespec="seconds")},
            "type": "collection",
            "timestamp": self.now.isoformat(timespec="seconds"),
        }
        yield json.dumps(head, ensure_ascii=False)[:-1] + ', "entry": ['
        for records in subject_records(reader, [self.subject], self.filters):
            for resource in _entries(records):
                entry = {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
                yield ("," if tally.rows else "") + "\n" + json.dumps(entry, ensure_ascii=False)
                tally.rows += 1
        yield "\n]}\n"
        tally.complete = True


def prepare(
    session: Session, actor: Actor, participant_id: str, filters: ExportFilters, now: datetime
) -> FhirBundle:
    """Check role, filters and that the participant is in scope (and in ``site_id``, if given)."""
    authorise(session, actor, filters)
    participant = get_participant(session, actor, participant_id)
    if filters.site_id is not None and participant.site_id != filters.site_id:
        raise NotFound("participant not found")
    site = session.get(Site, participant.site_id)
    subject = Subject(participant, site.code if site else "", protocol_of(participant))
    return FhirBundle(subject, filters, now)
