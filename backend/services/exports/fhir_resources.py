"""FHIR R4 resources (as plain JSON dicts) for one participant's diary.

Choices, with the reason:

- **MedicationAdministration**, not MedicationStatement, for each diary entry. An entry is one
  dated event (this day's dose, taken at this instant, this many mg, by the patient), which is
  what MedicationAdministration records ("the event of a patient consuming ... a medication ...
  as simple as swallowing a tablet"); MedicationStatement is a usage summary over a period,
  for medication history and reconciliation, with no per-dose event. "Not taken" is
  ``status`` = ``not-done`` with ``statusReason`` (the patient's reason, or "not taken");
  ``category`` ``community`` (taken at home); ``performer`` the patient.
- BP: one ``Observation`` per reading with LOINC 85354-9 (blood pressure panel) and components
  8480-6 (systolic) and 8462-4 (diastolic) in ``mm[Hg]``; the pulse as its own Observation
  8867-4 (heart rate, ``/min``); the sitting's CTCAE grade as the panel's ``interpretation``
  text. Temperature from a symptom report: 8310-5 (body temperature, ``Cel``).
- A ``Questionnaire`` per questionnaire version answered, generated from its definition (the
  PRO-CTCAE branching as ``enableWhen``: a follow-up is enabled when the first item of its
  symptom is not 0), and a ``QuestionnaireResponse`` per report, holding only the items asked.
- **DetectedIssue**, not Flag, for alerts: it carries a severity (urgent/review/info ->
  high/moderate/low), the moment it was identified and, as ``mitigation``, who acknowledged and
  resolved it and when; a Flag only says that something is active.

Every resource gets a stable UUID (v5 of its record id) and is referenced as ``urn:uuid:...``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from backend.domain.localtime import to_local
from backend.models import AlertStatus, ParticipantStatus
from backend.services.exports.scope import Subject

NAMESPACE = uuid.UUID("6f1c3a52-8f0e-4b8e-9a55-1d2f0e7a9c41")
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SYSTEM = "urn:dosing-diary"
SEVERITY = {"urgent": "high", "review": "moderate", "info": "low"}


def resource_id(kind: str, record_id: str) -> str:
    """A stable UUID for a record's resource."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{record_id}"))


def ref(resource_id_: str) -> dict[str, str]:
    """A reference to a resource inside the Bundle."""
    return {"reference": f"urn:uuid:{resource_id_}"}


def when(instant: datetime, tz: str) -> str:
    return to_local(instant, tz).isoformat(timespec="seconds")


def _quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def _loinc(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display}


VITAL_SIGNS = [
    {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "vital-signs",
                "display": "Vital Signs",
            }
        ]
    }
]


def patient(subject: Subject) -> dict[str, Any]:
    """The participant: pseudonymous identifiers only (USUBJID and the site's study id)."""
    return {
        "resourceType": "Patient",
        "id": resource_id("patient", subject.participant.id),
        "identifier": [
            {"system": f"{SYSTEM}:usubjid", "value": subject.usubjid},
            {"system": f"{SYSTEM}:site:{subject.site_code}:study-id", "value": subject.participant.study_id},
        ],
        "active": subject.participant.status in (ParticipantStatus.SCREENING, ParticipantStatus.ON_TREATMENT),
    }


def administration(subject: Subject, log: Any, dose_mg: float | None, patient_id: str) -> dict[str, Any]:
    """One diary entry as a MedicationAdministration (completed, or not-done with its reason)."""
    tz = subject.participant.timezone
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": resource_id("dose", log.id),
        "identifier": [{"system": f"{SYSTEM}:dose-log", "value": log.id}],
        "status": "completed" if log.taken else "not-done",
        "category": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/medication-admin-category",
                    "code": "community",
                    "display": "Community",
                }
            ]
        },
        "medicationCodeableConcept": {"text": subject.coding.treatment},
        "subject": ref(patient_id),
        "effectiveDateTime": when(log.taken_at, tz)
        if log.taken and log.taken_at
        else log.local_date.isoformat(),
        "performer": [{"actor": ref(patient_id)}],
    }
    if log.taken:
        dosage: dict[str, Any] = {"dose": _quantity(dose_mg, "mg", "mg")} if dose_mg is not None else {}
        if subject.coding.route:
            dosage["route"] = {"text": subject.coding.route}
        if dosage:
            resource["dosage"] = dosage
    else:
        resource["statusReason"] = [{"text": log.missed_reason or "not taken"}]
    notes = [
        n
        for n in (
            log.note,
            "vomited after the dose" if log.vomited_after else None,
            f"entered by the site ({log.source_detail})" if log.source == "site" else None,
            "entered late" if log.is_late else None,
            f"protocol deviation: {', '.join(log.flags or [])}" if log.is_deviation else None,
        )
        if n
    ]
    if notes:
        resource["note"] = [{"text": n} for n in notes]
    return resource


def bp_panel(subject: Subject, reading: Any, patient_id: str, table: str) -> dict[str, Any]:
    """A BP reading as a blood pressure panel (85354-9) with systolic and diastolic components."""
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": resource_id("bp", reading.id),
        "identifier": [{"system": f"{SYSTEM}:bp-reading", "value": reading.client_id}],
        "status": "final",
        "category": VITAL_SIGNS,
        "code": _loinc("85354-9", "Blood pressure panel with all children optional"),
        "subject": ref(patient_id),
        "effectiveDateTime": when(reading.measured_at, subject.participant.timezone),
        "component": [
            {
                "code": _loinc("8480-6", "Systolic blood pressure"),
                "valueQuantity": _quantity(reading.systolic, "mmHg", "mm[Hg]"),
            },
            {
                "code": _loinc("8462-4", "Diastolic blood pressure"),
                "valueQuantity": _quantity(reading.diastolic, "mmHg", "mm[Hg]"),
            },
        ],
    }
    if reading.grade is not None:
        resource["interpretation"] = [
            {"text": f"{table} hypertension grade {reading.grade} (mean of the sitting)"}
        ]
    return resource


def simple_observation(
    subject: Subject,
    kind: str,
    record_id: str,
    at: datetime,
    code: tuple[str, str],
    quantity: dict[str, Any],
    patient_id: str,
) -> dict[str, Any]:
    """A single-value vital sign: pulse (8867-4) or body temperature (8310-5)."""
    return {
        "resourceType": "Observation",
        "id": resource_id(kind, record_id),
        "status": "final",
        "category": VITAL_SIGNS,
        "code": _loinc(*code),
        "subject": ref(patient_id),
        "effectiveDateTime": when(at, subject.participant.timezone),
        "valueQuantity": quantity,
    }


def _mitigation(action: str, at: datetime | None, who: str | None) -> dict[str, Any]:
    step: dict[str, Any] = {"action": {"text": action}}
    if at is not None:
        step["date"] = at.isoformat(timespec="seconds")
    if who:
        step["author"] = {"display": who}
    return step


def detected_issue(alert: Any, patient_id: str) -> dict[str, Any]:
    """An alert as a DetectedIssue: rule, severity, when identified, who acknowledged and resolved."""
    steps = []
    if alert.acknowledged_at is not None:
        note = f": {alert.acknowledge_note}" if alert.acknowledge_note else ""
        steps.append(_mitigation(f"acknowledged{note}", alert.acknowledged_at, alert.acknowledged_by_name))
    if alert.resolved_at is not None:
        steps.append(
            _mitigation(
                f"resolved: {alert.resolution_note or ''}".rstrip(": "),
                alert.resolved_at,
                alert.resolved_by_name,
            )
        )
    resource: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "id": resource_id("alert", alert.id),
        "identifier": [{"system": f"{SYSTEM}:alert", "value": alert.id}],
        "status": "final" if alert.status == AlertStatus.RESOLVED else "preliminary",
        "code": {"coding": [{"system": f"{SYSTEM}:alert-rule", "code": alert.rule_id}], "text": alert.title},
        "severity": SEVERITY.get(alert.severity, "low"),
        "patient": ref(patient_id),
        "identifiedDateTime": alert.opened_at.isoformat(timespec="seconds"),
        "detail": f"{alert.title} (rule {alert.rule_id}; source: {alert.source}); status {alert.status}",
    }
    if steps:
        resource["mitigation"] = steps
    return resource
