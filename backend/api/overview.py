"""The site overview (the dashboard's home): one row per participant, searched, sorted and paged
on the server (``q``, ``sort``, ``limit``, ``cursor``)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from backend import clock
from backend.api.access import SECURITY, staff_actor
from backend.api.pagination import NEXT_HEADERS, cursor_headers, decode_cursor, encode_cursor
from backend.db import db
from backend.services import overview

blp = Blueprint("overview", __name__, url_prefix="/api/v1", description="Site overview")

SORT_VALUES = [*overview.SORTS, *(f"-{name}" for name in overview.SORTS)]


class OverviewArgs(Schema):
    q = fields.String(validate=validate.Length(max=64), metadata={"description": "study id contains"})
    sort = fields.String(
        load_default="study_id",
        validate=validate.OneOf(SORT_VALUES),
        metadata={"description": "a column; a leading '-' sorts descending"},
    )
    limit = fields.Integer(load_default=25, validate=validate.Range(min=1, max=200))
    cursor = fields.String(validate=validate.Length(min=1, max=1000))


class OverviewTodayOut(Schema):
    date = fields.Date(required=True, metadata={"description": "the participant's local date"})
    phase = fields.String(required=True)
    status = fields.String(
        required=True,
        metadata={
            "description": "on a dosing day the entry's status (taken, not_taken, pending, not_reported, "
            "confirmed_late), wait_for_team while the patient waits for the site's decision after a high BP "
            "sitting, else the phase (break, hold, awaiting_cycle, off_treatment)"
        },
    )
    yesterday_status = fields.String(required=True, metadata={"description": "the same for yesterday"})
    cycle = fields.Integer(required=True, allow_none=True)
    cycle_day = fields.Integer(required=True, allow_none=True)


class OverviewAlertCountsOut(Schema):
    urgent = fields.Integer(required=True)
    review = fields.Integer(required=True)
    info = fields.Integer(required=True)


class OverviewSittingOut(Schema):
    measured_at = fields.AwareDateTime(required=True)
    readings = fields.Integer(required=True)
    mean_systolic = fields.Integer(required=True)
    mean_diastolic = fields.Integer(required=True)
    grade = fields.Integer(required=True, allow_none=True)


class OverviewRowOut(Schema):
    participant_id = fields.String(required=True)
    study_id = fields.String(required=True)
    status = fields.String(required=True)
    timezone = fields.String(required=True)
    today = fields.Nested(OverviewTodayOut, required=True)
    alerts = fields.Nested(OverviewAlertCountsOut, required=True, metadata={"description": "not resolved"})
    last_entry_at = fields.AwareDateTime(required=True, allow_none=True)
    bp = fields.Nested(
        OverviewSittingOut, required=True, allow_none=True, metadata={"description": "latest sitting"}
    )
    cycle_percent = fields.Float(required=True, allow_none=True)
    cycle_below_threshold = fields.Boolean(required=True)
    overall_percent = fields.Float(required=True, allow_none=True)
    overall_below_threshold = fields.Boolean(required=True)
    adherence_threshold = fields.Float(required=True, metadata={"description": "the protocol's %"})
    late_rate = fields.Float(
        required=True, allow_none=True, metadata={"description": "% of entries made late"}
    )


class OverviewOut(Schema):
    rows = fields.List(fields.Nested(OverviewRowOut), required=True)
    total = fields.Integer(required=True, metadata={"description": "participants matching q"})
    next_cursor = fields.String(required=True, allow_none=True)


@blp.route("/sites/<site_id>/overview")
class SiteOverview(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(OverviewArgs, location="query")
    @blp.response(200, OverviewOut, headers=NEXT_HEADERS)
    def get(self, args: dict, site_id: str):
        """Every participant of the site with today's status, alerts, BP and adherence (paged)."""
        actor = staff_actor()
        sort = args["sort"]
        list_name = f"overview:{sort}"  # a cursor belongs to one order
        after = decode_cursor(list_name, args.get("cursor"))
        rows = overview.site_overview(db.session, actor, site_id, clock.now())
        page, next_key, total = overview.page_rows(
            rows,
            sort=sort.lstrip("-"),
            descending=sort.startswith("-"),
            search=args.get("q"),
            after=after,
            limit=args["limit"],
        )
        cursor = encode_cursor(list_name, next_key) if next_key is not None else None
        body = {"rows": page, "total": total, "next_cursor": cursor}
        return body, cursor_headers(cursor) if cursor else {}
