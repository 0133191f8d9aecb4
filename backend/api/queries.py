"""Data queries over HTTP: raise, list and count, answer (optionally correcting the value), close, re-open.

A correction's fields depend on what the query is about; each kind has its own schema (listed in
the OpenAPI components as ``DoseDayCorrection``, ``BpReadingCorrection``,
``SymptomReportCorrection``; a participant field takes ``{<field>: value}`` as the participant
PATCH does), validated once the query, and so its kind, is known. Errors name
``correction.<field>``.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from backend import clock
from backend.api import ApiErrorSchema
from backend.api.access import SECURITY, allow, staff_actor
from backend.api.diary import DoseIn
from backend.api.fields import Day, Instant, Reason
from backend.api.participants import ParticipantPatch
from backend.api.schemas import AuditEventOut
from backend.db import db
from backend.domain.bp import DIASTOLIC_BOUNDS, PULSE_BOUNDS, SYSTOLIC_BOUNDS
from backend.domain.data_queries import QueryStatus, QueryStep, TargetKind, may_answer
from backend.domain.questionnaire import TEMPERATURE_BOUNDS_C
from backend.models import DataQuery
from backend.services import data_queries, query_views
from backend.services.data_queries import Target
from backend.services.errors import Invalid
from backend.services.scope import READ_ROLES, WRITE_ROLES

blp = Blueprint(
    "queries", __name__, url_prefix="/api/v1/queries", description="Data queries (monitor and site)"
)

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


def _out(queries: list[DataQuery]) -> list[dict[str, Any]]:
    names = query_views.staff_names(db.session, queries)
    studies = query_views.study_ids(db.session, queries)
    return [
        {
            **{column.key: getattr(q, column.key) for column in DataQuery.__table__.columns},
            "study_id": studies.get(q.participant_id, ""),
            "raised_by_name": names.get(q.raised_by),
            "answered_by_name": names.get(q.answered_by or ""),
            "closed_by_name": names.get(q.closed_by or ""),
            "correction": query_views.correction_event(db.session, q),
        }
        for q in queries
    ]


def _correction(query: DataQuery, raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """The correction loaded with the schema of the query's kind (422 naming correction.<field>)."""
    if not raw:
        return raw
    if query.target_kind == TargetKind.PARTICIPANT:
        field = query.target_field or ""
        if field not in ParticipantPatch._declared_fields or field == "reason":
            return raw  # the service explains that this field cannot be corrected here
        schema: Schema = ParticipantPatch(only=(field,))
    else:
        schema = CORRECTIONS[query.target_kind]()
    try:
        return schema.load(raw)
    except ValidationError as error:
        messages = error.normalized_messages()
        raise Invalid({f"correction.{key}": value for key, value in messages.items()}) from None


def _settle(query_id: str, step: QueryStep, note: str | None) -> dict[str, Any]:
    query = data_queries.settle(db.session, staff_actor(), query_id, step, note=note, now=clock.now())
    return _out([query])[0]


@blp.route("")
class Queries(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(QueryFilter, location="query")
    @blp.response(200, QueryOut(many=True))
    def get(self, args: dict) -> list:
        """Queries the caller may see, newest first; filter by site, participant, state or kind."""
        return _out(query_views.list_queries(db.session, staff_actor(), **args))

    @allow(*READ_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(QueryIn)
    @blp.response(201, QueryOut, description="raised")
    @blp.alt_response(200, schema=QueryOut, description="you already asked this, and it is still open")
    def post(self, body: dict):
        """Raise a query on one record (monitor, coordinator or investigator)."""
        target = Target(body["target_kind"], body["target_id"], body["target_date"], body["target_field"])
        query, created = data_queries.raise_query(
            db.session,
            staff_actor(),
            body["participant_id"],
            target,
            question=body["question"],
            now=clock.now(),
        )
        return _out([query])[0], 201 if created else 200


@blp.route("/summary")
class Summary(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(QueryFilter(only=("site_id", "participant_id")), location="query")
    @blp.response(200, SummaryOut)
    def get(self, args: dict) -> dict:
        """Counts by state, in all and per participant with any query (for the overview)."""
        totals, people = query_views.summary(db.session, staff_actor(), **args)
        return {
            **totals,
            "participants": [
                {
                    "participant_id": p.participant_id,
                    "study_id": p.study_id,
                    "site_id": p.site_id,
                    **{status: p.counts[status] for status in STATUSES},
                }
                for p in people
            ],
        }


@blp.route("/<query_id>")
class QueryItem(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, QueryDetailOut)
    def get(self, query_id: str) -> dict:
        """One query with every step of its life."""
        query = data_queries.get_query(db.session, staff_actor(), query_id)
        return {**_out([query])[0], "history": query_views.history(db.session, query)}


@blp.route("/<query_id>/answer")
class Answer(MethodView):
    @allow(*WRITE_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(AnswerIn)
    @blp.response(200, QueryOut)
    @blp.alt_response(
        409, schema=ApiErrorSchema, description="the query is closed, or was answered otherwise"
    )
    def post(self, body: dict, query_id: str):
        """Answer (site), optionally correcting the value through its own audited service."""
        actor = staff_actor()
        query = data_queries.get_query(db.session, actor, query_id)
        correction = (
            _correction(query, body["correction"]) if may_answer(actor.role) else None
        )
        query = data_queries.answer(
            db.session, actor, query_id, text=body["answer"], correction=correction, now=clock.now()
        )
        return _out([query])[0]


@blp.route("/<query_id>/close")
class Close(MethodView):
    @allow(*READ_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(CloseIn)
    @blp.response(200, QueryOut)
    def post(self, body: dict, query_id: str):
        """Close a query (a monitor; the site only a query it raised itself)."""
        return _settle(query_id, QueryStep.CLOSE, body["note"])


@blp.route("/<query_id>/reopen")
class Reopen(MethodView):
    @allow(*READ_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(ReopenIn)
    @blp.response(200, QueryOut)
    def post(self, body: dict, query_id: str):
        """Re-open an answered or closed query, saying why (a monitor; the site only its own)."""
        return _settle(query_id, QueryStep.REOPEN, body["note"])
