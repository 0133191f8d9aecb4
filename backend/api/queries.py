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
from marshmallow import Schema, ValidationError

from backend import clock
from backend.api import ApiErrorSchema
from backend.api.access import SECURITY, allow, staff_actor
from backend.api.participants import ParticipantPatch
from backend.api.query_schemas import (  # noqa: F401 - register_components is called through this module
    CORRECTIONS,
    AnswerIn,
    CloseIn,
    QueryDetailOut,
    QueryFilter,
    QueryIn,
    QueryOut,
    ReopenIn,
    SummaryOut,
    register_components,
)
from backend.db import db
from backend.domain.data_queries import QueryStatus, QueryStep, TargetKind, may_answer
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
        correction = _correction(query, body["correction"]) if may_answer(actor.role) else None
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
