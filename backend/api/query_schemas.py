"""The data queries API's schemas: raising, answering (with a correction per kind of target),
closing and re-opening a query, and what a query looks like in answers."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from backend.api.dose_schemas import DoseIn
from backend.api.fields import Day, Instant, Reason
from backend.api.schemas import AuditEventOut
from backend.domain.bp import DIASTOLIC_BOUNDS, PULSE_BOUNDS, SYSTOLIC_BOUNDS
from backend.domain.data_queries import QueryStatus, TargetKind
from backend.domain.questionnaire import TEMPERATURE_BOUNDS_C

KINDS = [k.value for k in TargetKind]
STATUSES = [s.value for s in QueryStatus]


def SourceDetail() -> fields.String:  # noqa: N802
    return fields.String(
        required=True,
        validate=validate.Length(min=2, max=200),
        metadata={"description": 'where the right value comes from, e.g. "BP monitor memory"'},
    )


class DoseDayCorrection(DoseIn):
    source_detail = SourceDetail()


class BpReadingCorrection(Schema):
    systolic = fields.Integer(
        strict=True, metadata={"minimum": SYSTOLIC_BOUNDS[0], "maximum": SYSTOLIC_BOUNDS[1]}
    )
    diastolic = fields.Integer(
        strict=True, metadata={"minimum": DIASTOLIC_BOUNDS[0], "maximum": DIASTOLIC_BOUNDS[1]}
    )
    pulse = fields.Integer(
        strict=True, allow_none=True, metadata={"minimum": PULSE_BOUNDS[0], "maximum": PULSE_BOUNDS[1]}
    )
    measured_at = Instant()
    source_detail = SourceDetail()


class SymptomReportCorrection(Schema):
    temperature_c = fields.Float(
        required=True, validate=validate.Range(min=TEMPERATURE_BOUNDS_C[0], max=TEMPERATURE_BOUNDS_C[1])
    )
    answers = fields.Raw(metadata={"description": "refused: the patient's answers are their own report"})


CORRECTIONS: dict[str, type[Schema]] = {
    TargetKind.DOSE_DAY: DoseDayCorrection,
    TargetKind.BP_READING: BpReadingCorrection,
    TargetKind.SYMPTOM_REPORT: SymptomReportCorrection,
}


def register_components(api: Any) -> None:
    """Name the correction schemas in the OpenAPI document (the answer's ``correction`` refers to them)."""
    for schema in CORRECTIONS.values():
        api.spec.components.schema(schema.__name__, schema=schema)


class QueryIn(Schema):
    participant_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    target_kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    target_id = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=32),
        metadata={"description": "reading or report id"},
    )
    target_date = Day(load_default=None, metadata={"description": "the diary date (dose_day)"})
    target_field = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "the field asked about"},
    )
    question = fields.String(required=True, validate=validate.Length(min=3, max=2000))


class AnswerIn(Schema):
    answer = fields.String(required=True, validate=validate.Length(min=3, max=2000))
    correction = fields.Dict(
        load_default=None,
        allow_none=True,
        metadata={
            "oneOf": [{"$ref": f"#/components/schemas/{schema.__name__}"} for schema in CORRECTIONS.values()]
            + [{"type": "object", "description": "{<participant field>: value}"}],
            "description": "the corrected value: a DoseDayCorrection, BpReadingCorrection, "
            "SymptomReportCorrection, or {<participant field>: value}, by the query's target_kind",
        },
    )


class CloseIn(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ReopenIn(Schema):
    note = Reason(required=True, metadata={"description": "why the answer does not settle it"})


class QueryFilter(Schema):
    site_id = fields.String(validate=validate.Length(min=1, max=32))
    participant_id = fields.String(validate=validate.Length(min=1, max=32))
    status = fields.String(validate=validate.OneOf(STATUSES))
    target_kind = fields.String(validate=validate.OneOf(KINDS))


class QueryOut(Schema):
    id = fields.String(required=True)
    site_id = fields.String(required=True)
    participant_id = fields.String(required=True)
    study_id = fields.String(required=True)
    target_kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    target_id = fields.String(required=True, allow_none=True)
    target_date = fields.Date(required=True, allow_none=True)
    target_field = fields.String(required=True, allow_none=True)
    question = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    raised_by = fields.String(required=True)
    raised_by_name = fields.String(required=True, allow_none=True)
    raised_by_role = fields.String(required=True)
    raised_at = fields.AwareDateTime(required=True)
    answer = fields.String(required=True, allow_none=True)
    answered_by = fields.String(required=True, allow_none=True)
    answered_by_name = fields.String(required=True, allow_none=True)
    answered_at = fields.AwareDateTime(required=True, allow_none=True)
    correction_event_id = fields.Integer(required=True, allow_none=True)
    correction = fields.Nested(AuditEventOut, required=True, allow_none=True)
    closed_by = fields.String(required=True, allow_none=True)
    closed_by_name = fields.String(required=True, allow_none=True)
    closed_at = fields.AwareDateTime(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)
    updated_at = fields.AwareDateTime(required=True)


class QueryDetailOut(QueryOut):
    history = fields.List(
        fields.Nested(AuditEventOut), required=True, metadata={"description": "every step, oldest first"}
    )


class CountsOut(Schema):
    open = fields.Integer(required=True)
    answered = fields.Integer(required=True)
    closed = fields.Integer(required=True)


class ParticipantCountsOut(CountsOut):
    participant_id = fields.String(required=True)
    study_id = fields.String(required=True)
    site_id = fields.String(required=True)


class SummaryOut(CountsOut):
    participants = fields.List(fields.Nested(ParticipantCountsOut), required=True)
