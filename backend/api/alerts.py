"""The site's alert queue: list (urgent first, then oldest), read, acknowledge and resolve."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from backend import clock
from backend.api.access import SECURITY, allow, staff_actor
from backend.api.fields import Reason
from backend.api.pagination import NEXT_HEADERS, PageArgs, decode_cursor, page_headers
from backend.db import db
from backend.domain.i18n import LANGUAGES
from backend.models import Alert
from backend.models.alerts import DECISIONS, SEVERITIES, STATUSES
from backend.services import alert_queue, team_waits
from backend.services.alert_views import alert_views
from backend.services.scope import WRITE_ROLES

blp = Blueprint("alerts", __name__, url_prefix="/api/v1/alerts", description="Alert queue")


class AlertTextOut(Schema):
    """The alert in words, in the language of ``Accept-Language`` (en or zh-CN)."""

    title = fields.String(required=True)
    evidence = fields.List(
        fields.String(), required=True, metadata={"description": "newest first, at most 5"}
    )
    source = fields.String(required=True, metadata={"description": "published sources only"})


class AlertOut(Schema):
    id = fields.String(required=True)
    participant_id = fields.String(required=True)
    study_id = fields.String(required=True)
    site_id = fields.String(required=True)
    kind = fields.String(required=True)
    rule_id = fields.String(required=True)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    title = fields.String(required=True)
    source = fields.String(required=True)
    evidence = fields.List(fields.Dict(), required=True)
    advice_shown = fields.List(fields.Dict(), required=True)
    occurrences = fields.Integer(required=True)
    opened_at = fields.AwareDateTime(required=True)
    last_seen_at = fields.AwareDateTime(required=True)
    acknowledged_by = fields.String(allow_none=True, required=True)
    acknowledged_at = fields.AwareDateTime(allow_none=True, required=True)
    acknowledge_note = fields.String(allow_none=True, required=True)
    resolved_by = fields.String(allow_none=True, required=True)
    resolved_at = fields.AwareDateTime(allow_none=True, required=True)
    resolution_note = fields.String(allow_none=True, required=True)
    escalated_at = fields.AwareDateTime(allow_none=True, required=True)
    participant_timezone = fields.String(required=True)
    acknowledged_by_name = fields.String(allow_none=True, required=True)
    resolved_by_name = fields.String(allow_none=True, required=True)
    text = fields.Nested(AlertTextOut, required=True)
    decision = fields.String(allow_none=True, required=True, validate=validate.OneOf(DECISIONS))
    decided_by = fields.String(allow_none=True, required=True)
    decided_at = fields.AwareDateTime(allow_none=True, required=True)
    holds_participant_waiting = fields.Boolean(
        required=True,
        metadata={
            "description": "the participant is in wait-for-team (no anlotinib) until the site records "
            "its decision on this alert (acknowledge or resolve with decision)"
        },
    )


_VIEW_FIELDS = {
    "study_id",
    "participant_timezone",
    "acknowledged_by_name",
    "resolved_by_name",
    "text",
    "holds_participant_waiting",
}
_COLUMNS = [name for name in AlertOut._declared_fields if name not in _VIEW_FIELDS]


def reader_language() -> str:
    """The language the caller reads (``Accept-Language``: ``en`` or ``zh-CN``; English otherwise)."""
    return request.accept_languages.best_match(LANGUAGES) or "en"


def serialise(session: Session, rows: list[Alert]) -> list[dict[str, Any]]:
    """Alerts as response dicts with study id, staff names, evidence in words and whether the
    alert keeps its participant waiting for the site's decision (three extra queries)."""
    views = alert_views(session, rows, reader_language())
    waiting = team_waits.waits_by_alert(session, [a.id for a in rows])
    return [
        {
            **{name: getattr(a, name) for name in _COLUMNS},
            **view,
            "holds_participant_waiting": a.id in waiting,
        }
        for a, view in zip(rows, views, strict=True)
    ]


class AlertFilter(PageArgs):
    status = fields.List(
        fields.String(validate=validate.OneOf(STATUSES)),
        metadata={"description": "repeat for several (status=open&status=acknowledged: not resolved)"},
    )
    rule_id = fields.String(validate=validate.Length(max=64))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    site_id = fields.String(validate=validate.Length(max=32))
    participant_id = fields.String(validate=validate.Length(max=32))


_DECISION = {
    "description": "the site's decision on an alert that put the participant in wait-for-team: "
    "continue (dose reminders resume) or hold (an investigator's open-ended hold from today)"
}


class AcknowledgeIn(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    decision = fields.String(load_default=None, validate=validate.OneOf(DECISIONS), metadata=_DECISION)


class ResolveIn(Schema):
    note = Reason(required=True)
    decision = fields.String(load_default=None, validate=validate.OneOf(DECISIONS), metadata=_DECISION)


@blp.route("")
class AlertList(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(AlertFilter, location="query")
    @blp.response(200, AlertOut(many=True), headers=NEXT_HEADERS)
    def get(self, filters: dict):
        """The caller's alert queue (site-scoped; monitors see every site): urgent first, then oldest.

        Paged with ``limit``/``cursor`` (keyset on severity, opened at, id)."""
        actor = staff_actor()
        after = decode_cursor("alerts", filters.pop("cursor", None))
        page = alert_queue.list_alerts(db.session, actor, after=after, **filters)
        return serialise(db.session, page.rows), page_headers("alerts", page)


@blp.route("/<alert_id>")
class AlertItem(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, AlertOut)
    def get(self, alert_id: str) -> dict:
        """One alert with its evidence, rule, source and the advice the patient was shown."""
        return serialise(db.session, [alert_queue.get_alert(db.session, staff_actor(), alert_id)])[0]


@blp.route("/<alert_id>/acknowledge")
class AlertAcknowledge(MethodView):
    @allow(*WRITE_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(AcknowledgeIn)
    @blp.response(200, AlertOut)
    def post(self, body: dict, alert_id: str) -> dict:
        """Take an open alert in hand (coordinators and investigators of its site); 409 unless open."""
        alert = alert_queue.acknowledge(db.session, staff_actor(), alert_id, now=clock.now(), **body)
        return serialise(db.session, [alert])[0]


class DecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS), metadata=_DECISION)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


@blp.route("/<alert_id>/decision")
class AlertDecision(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(DecisionIn)
    @blp.response(200, AlertOut)
    def post(self, body: dict, alert_id: str) -> dict:
        """Record the site's decision (continue / hold) without changing the alert's status; ends
        the participant's wait for the team when this alert opened it. 409 if resolved."""
        alert = alert_queue.record_decision(db.session, staff_actor(), alert_id, now=clock.now(), **body)
        return serialise(db.session, [alert])[0]


@blp.route("/<alert_id>/resolve")
class AlertResolve(MethodView):
    @allow(*WRITE_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(ResolveIn)
    @blp.response(200, AlertOut)
    def post(self, body: dict, alert_id: str) -> dict:
        """Close an alert with a note (coordinators and investigators of its site); 409 if resolved."""
        alert = alert_queue.resolve(db.session, staff_actor(), alert_id, now=clock.now(), **body)
        return serialise(db.session, [alert])[0]
