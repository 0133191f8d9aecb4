"""The site's alert queue: list (urgent first, then oldest), read, acknowledge and resolve."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from backend import clock
from backend.api.access import SECURITY, staff_actor
from backend.api.fields import Reason
from backend.db import db
from backend.models import Alert
from backend.models.alerts import SEVERITIES, STATUSES
from backend.services import alerts

blp = Blueprint("alerts", __name__, url_prefix="/api/v1/alerts", description="Alert queue")


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


_COLUMNS = [name for name in AlertOut._declared_fields if name != "study_id"]


def serialise(session: Session, rows: list[Alert]) -> list[dict[str, Any]]:
    """Alerts as response dicts, each with its participant's study id (one extra query)."""
    study_ids = alerts.study_ids(session, rows)
    return [
        {**{name: getattr(a, name) for name in _COLUMNS}, "study_id": study_ids.get(a.participant_id, "")}
        for a in rows
    ]


class AlertFilter(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))
    site_id = fields.String(validate=validate.Length(max=32))
    participant_id = fields.String(validate=validate.Length(max=32))


class AcknowledgeIn(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class ResolveIn(Schema):
    note = Reason(required=True)


@blp.route("")
class AlertList(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(AlertFilter, location="query")
    @blp.response(200, AlertOut(many=True))
    def get(self, filters: dict) -> list:
        """The caller's alert queue (site-scoped; monitors see every site): urgent first, then oldest."""
        return serialise(db.session, alerts.list_alerts(db.session, staff_actor(), **filters))


@blp.route("/<alert_id>")
class AlertItem(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, AlertOut)
    def get(self, alert_id: str) -> dict:
        """One alert with its evidence, rule, source and the advice the patient was shown."""
        return serialise(db.session, [alerts.get_alert(db.session, staff_actor(), alert_id)])[0]


@blp.route("/<alert_id>/acknowledge")
class AlertAcknowledge(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(AcknowledgeIn)
    @blp.response(200, AlertOut)
    def post(self, body: dict, alert_id: str) -> dict:
        """Take an open alert in hand (coordinators and investigators of its site); 409 unless open."""
        alert = alerts.acknowledge(db.session, staff_actor(), alert_id, note=body["note"], now=clock.now())
        return serialise(db.session, [alert])[0]


@blp.route("/<alert_id>/resolve")
class AlertResolve(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(ResolveIn)
    @blp.response(200, AlertOut)
    def post(self, body: dict, alert_id: str) -> dict:
        """Close an alert with a note (coordinators and investigators of its site); 409 if resolved."""
        alert = alerts.resolve(db.session, staff_actor(), alert_id, note=body["note"], now=clock.now())
        return serialise(db.session, [alert])[0]
