"""FHIR R4 Questionnaire and QuestionnaireResponse, generated from the questionnaire definition.

The Questionnaire of a version (``anlo-daily.v2``) lists each symptom as a group of ``choice``
items whose options are the PRO-CTCAE scale of the item (code 0-4, English label); a follow-up
item is enabled only when its symptom's first item is not 0 (``enableWhen``), as the diary asks
it. A QuestionnaireResponse holds only the items the patient was asked and answered.
"""

from __future__ import annotations

from typing import Any

from backend.domain.i18n import text
from backend.domain.questionnaire import Questionnaire
from backend.services.exports.fhir_resources import SYSTEM, ref, resource_id, when
from backend.services.exports.scope import Subject


def questionnaire_url(key: str) -> str:
    """The canonical URL of a questionnaire version."""
    return f"{SYSTEM}:questionnaire:{key}"


def _option(attribute: str, value: int) -> dict[str, Any]:
    return {
        "system": f"{SYSTEM}:scale:{attribute}",
        "code": str(value),
        "display": text("en", f"symptoms.scale.{attribute}.{value}"),
    }


def questionnaire(definition: Questionnaire) -> dict[str, Any]:
    """The questionnaire, generated from its definition, with PRO-CTCAE branching."""
    groups = []
    for group in definition.symptoms:
        items: list[dict[str, Any]] = []
        if group.temperature:
            items.append(
                {"linkId": f"{group.code}.temperature_c", "text": "Temperature (°C)", "type": "decimal"}
            )
        for item in group.items:
            entry: dict[str, Any] = {
                "linkId": item.code,
                "text": text("en", f"symptoms.question.{item.code}"),
                "type": "choice",
                "answerOption": [
                    {"valueCoding": _option(item.attribute, v)} for v in range(item.max_value + 1)
                ],
            }
            if item is not group.gate:
                entry["enableWhen"] = [
                    {
                        "question": group.gate.code,
                        "operator": "!=",
                        "answerCoding": _option(group.gate.attribute, 0),
                    }
                ]
            items.append(entry)
        groups.append(
            {
                "linkId": group.code,
                "text": text("en", f"symptoms.title.{group.code}"),
                "type": "group",
                "item": items,
            }
        )
    return {
        "resourceType": "Questionnaire",
        "id": resource_id("questionnaire", definition.key),
        "url": questionnaire_url(definition.key),
        "name": "".join(ch for ch in definition.key.title() if ch.isalnum()),
        "title": f"Symptom diary {definition.key} (PRO-CTCAE based)",
        "status": "active",
        "subjectType": ["Patient"],
        "item": groups,
    }


def response(subject: Subject, report: Any, definition: Questionnaire, patient_id: str) -> dict[str, Any]:
    """One symptom report as a QuestionnaireResponse: only the items that were asked and answered."""
    answers = report.answers or {}
    groups = []
    for group in definition.symptoms:
        items: list[dict[str, Any]] = []
        if group.temperature and report.temperature_c is not None:
            items.append(
                {"linkId": f"{group.code}.temperature_c", "answer": [{"valueDecimal": report.temperature_c}]}
            )
        for item in group.items:
            value = answers.get(item.code)
            if isinstance(value, int) and not isinstance(value, bool):
                items.append(
                    {"linkId": item.code, "answer": [{"valueCoding": _option(item.attribute, value)}]}
                )
        if items:
            groups.append({"linkId": group.code, "item": items})
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id("report", report.id),
        "identifier": {"system": f"{SYSTEM}:symptom-report", "value": report.client_id},
        "questionnaire": questionnaire_url(definition.key),
        "status": "completed",
        "subject": ref(patient_id),
        "authored": when(report.reported_at, subject.participant.timezone),
        "author": ref(patient_id),
    }
    if groups:
        resource["item"] = groups
    return resource
