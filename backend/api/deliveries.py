"""The delivery ledger (per alert, per participant) and the service worker's push receipts."""

from __future__ import annotations

from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend import clock
from backend.api import ApiErrorSchema
from backend.api.access import SECURITY, staff_actor
from backend.api.fields import Day
from backend.db import db
from backend.services import delivery_status, ledger, response_metrics

blp = Blueprint("deliveries", __name__, url_prefix="/api/v1", description="Delivery ledger and receipts")

MAX_RANGE_DAYS = 366


class AttemptOut(Schema):
    attempt = fields.Integer(allow_none=True)
    started_at = fields.AwareDateTime(required=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    outcome = fields.String(required=True)
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)


class NoticeOut(Schema):
    id = fields.String(required=True)
    channel = fields.String(required=True)
    kind = fields.String(required=True)
    recipient = fields.String(required=True)
    device = fields.String(allow_none=True)
    state = fields.String(required=True)
    status = fields.String(required=True)
    urgency = fields.String(required=True)
    queued_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(required=True)
    sent_at = fields.AwareDateTime(allow_none=True)
    shown_at = fields.AwareDateTime(allow_none=True)
    clicked_at = fields.AwareDateTime(allow_none=True)
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    history = fields.List(fields.Nested(AttemptOut), required=True)


class AlertLedgerOut(Schema):
    alert_id = fields.String(required=True)
    severity = fields.String(required=True)
    opened_at = fields.AwareDateTime(required=True)
    notices = fields.List(fields.Nested(NoticeOut), required=True)


class ReminderOut(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    sequence = fields.Integer(required=True)
    local_date = fields.Date(required=True)
    due_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True)
    state = fields.String(required=True)
    reason = fields.String(allow_none=True)
    notices = fields.List(fields.Nested(NoticeOut), required=True)


class RemindersOut(Schema):
    participant_id = fields.String(required=True)
    reminders = fields.List(fields.Nested(ReminderOut), required=True)


class RangeIn(Schema):
    start = Day(data_key="from", required=True)
    end = Day(data_key="to", required=True)

    @validates_schema
    def _order(self, data: dict, **kwargs) -> None:
        if data["end"] < data["start"]:
            raise ValidationError("must not be before from", "to")
        if data["end"] - data["start"] > timedelta(days=MAX_RANGE_DAYS):
            raise ValidationError(f"at most {MAX_RANGE_DAYS} days", "to")


class ReceiptIn(Schema):
    """What the service worker knows: its subscription, and the message's kind and id. No health data."""

    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    auth = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["dose_reminder", "dose_followup", "bp_reminder", "alert", "escalation"]),
    )
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    event = fields.String(required=True, validate=validate.OneOf(sorted(ledger.RECEIPT_COLUMNS)))


class ReceiptOut(Schema):
    recorded = fields.Boolean(required=True, metadata={"description": "false if it was already recorded"})


@blp.route("/alerts/<alert_id>/deliveries")
class AlertDeliveries(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, AlertLedgerOut)
    def get(self, alert_id: str) -> dict:
        """Every notice of the alert: e-mail per address, push per staff device, with states and times."""
        return ledger.alert_ledger(db.session, staff_actor(), alert_id)


@blp.route("/participants/<participant_id>/reminders")
class ParticipantReminders(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(RangeIn, location="query")
    @blp.response(200, RemindersOut)
    def get(self, query: dict, participant_id: str) -> dict:
        """The participant's reminders between two local dates: planned, sent, skipped, dropped, failed."""
        actor = staff_actor()
        return ledger.participant_reminders(
            db.session, actor, participant_id, start=query["start"], end=query["end"]
        )


@blp.route("/push/receipts")
class Receipts(MethodView):
    @blp.arguments(ReceiptIn)
    @blp.response(200, ReceiptOut)
    @blp.alt_response(
        404, schema=ApiErrorSchema, description="no such notification sent to this subscription"
    )
    def post(self, body: dict) -> dict:
        """The service worker reports a notification shown or clicked (idempotent; own ones only).

        Authenticated by the subscription itself (endpoint and auth secret), since a service
        worker holds no bearer token.
        """
        recorded = ledger.record_receipt(
            db.session,
            endpoint=body["endpoint"],
            auth=body["auth"],
            kind=body["kind"],
            message_id=body["id"],
            event=body["event"],
            now=clock.now(),
        )
        return {"recorded": recorded}


class MetricsQuery(RangeIn):
    urgent_ack_minutes = fields.Integer(load_default=60, validate=validate.Range(min=1, max=7 * 24 * 60))
    review_ack_working_days = fields.Integer(load_default=1, validate=validate.Range(min=1, max=30))
    resolve_hours = fields.Integer(load_default=48, validate=validate.Range(min=1, max=24 * 90))


class ShareOut(Schema):
    met = fields.Integer(required=True)
    missed = fields.Integer(required=True)
    pending = fields.Integer(required=True)
    share = fields.Float(allow_none=True, required=True)


class TimesOut(Schema):
    count = fields.Integer(required=True)
    median_minutes = fields.Float(allow_none=True, required=True)
    p90_minutes = fields.Float(allow_none=True, required=True)


class SeverityMetricsOut(Schema):
    alerts = fields.Integer(required=True)
    open = fields.Integer(required=True)
    acknowledge = fields.Nested(TimesOut, required=True)
    resolve = fields.Nested(TimesOut, required=True)
    acknowledged_within_target = fields.Nested(ShareOut, required=True)
    resolved_within_target = fields.Nested(ShareOut, required=True)


class MetricsOut(Schema):
    site_id = fields.String(required=True)
    from_ = fields.Date(data_key="from", required=True, attribute="from")
    to = fields.Date(required=True)
    timezone = fields.String(required=True)
    targets = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    severities = fields.Dict(keys=fields.String(), values=fields.Nested(SeverityMetricsOut), required=True)


@blp.route("/sites/<site_id>/response-metrics")
class SiteResponseMetrics(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(MetricsQuery, location="query")
    @blp.response(200, MetricsOut)
    def get(self, query: dict, site_id: str) -> dict:
        """Per severity: median and p90 minutes to acknowledge and resolve, share within the targets."""
        actor = staff_actor()
        targets = response_metrics.Targets(
            urgent_ack_minutes=query["urgent_ack_minutes"],
            review_ack_working_days=query["review_ack_working_days"],
            resolve_hours=query["resolve_hours"],
        )
        return response_metrics.site_metrics(
            db.session,
            actor,
            site_id,
            start=query["start"],
            end=query["end"],
            targets=targets,
            now=clock.now(),
        )


class DeliveryStatusOut(Schema):
    stuck = fields.Boolean(
        required=True,
        metadata={"description": "true when the oldest due notice has waited more than max_wait_seconds"},
    )
    oldest_due_wait_seconds = fields.Float(
        required=True, metadata={"description": "how long the oldest due, unsent notice has waited (0: none)"}
    )
    waiting = fields.Integer(required=True, metadata={"description": "notices due now and not yet sent"})
    max_wait_seconds = fields.Integer(required=True, metadata={"description": "the limit: 120 s"})
    checked_at = fields.AwareDateTime(required=True)


@blp.route("/deliveries/status")
class DeliveryStatus(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, DeliveryStatusOut)
    def get(self) -> dict:
        """Is the deliverer stuck? The check /readyz reports as `deliveries`, for signed-in staff.

        The dashboard shows a warning when `stuck` is true (a due notice has waited more than
        two minutes). Any staff role; no ids, no health data.
        """
        return delivery_status.delivery_status(db.session, staff_actor(), now=clock.now())
