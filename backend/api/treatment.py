"""Site actions on a participant's treatment: cycles, holds, dose changes and discontinuation."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from backend import clock
from backend.api.access import SECURITY, staff_actor
from backend.api.fields import Reason
from backend.api.schemas import ParticipantOut
from backend.db import db
from backend.services import treatment

blp = Blueprint("treatment", __name__, url_prefix="/api/v1/participants", description="Treatment (site)")


class CycleIn(Schema):
    start_date = fields.Date(
        required=True, metadata={"description": "Day 1 (the infusion) of the next cycle"}
    )
    reason = Reason(load_default=None, allow_none=True)


class CycleOut(Schema):
    id = fields.String(required=True)
    number = fields.Integer(required=True)
    planned_start = fields.Date(required=True)
    confirmed_start = fields.Date(required=True, allow_none=True)
    confirmed_by = fields.String(required=True, allow_none=True)
    confirmed_at = fields.AwareDateTime(required=True, allow_none=True)


class HoldIn(Schema):
    start_date = fields.Date(required=True)
    end_date = fields.Date(load_default=None, allow_none=True, metadata={"description": "last held day"})
    reason = Reason(required=True)


class HoldPatch(Schema):
    end_date = fields.Date(required=True, metadata={"description": "last held day"})
    reason = Reason(load_default=None, allow_none=True)


class HoldOut(Schema):
    id = fields.String(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True, allow_none=True)
    reason = fields.String(required=True)
    ordered_by = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


class DoseChangeIn(Schema):
    effective_date = fields.Date(required=True)
    dose_mg = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False, max=10000))
    reason = Reason(required=True)


class DoseChangeOut(Schema):
    id = fields.String(required=True)
    effective_date = fields.Date(required=True)
    dose_mg = fields.Float(required=True)
    reason = fields.String(required=True)
    ordered_by = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


class DiscontinueIn(Schema):
    date = fields.Date(required=True, metadata={"description": "first day off treatment"})
    reason = Reason(required=True)


@blp.route("/<participant_id>/cycles")
class Cycles(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, CycleOut(many=True))
    def get(self, participant_id: str) -> list:
        """The participant's confirmed cycles."""
        return treatment.list_cycles(db.session, staff_actor(), participant_id)

    @blp.doc(security=SECURITY)
    @blp.arguments(CycleIn)
    @blp.response(201, CycleOut)
    def post(self, body: dict, participant_id: str):  # type: ignore[no-untyped-def]
        """Confirm the next cycle's day 1 (coordinator or investigator)."""
        return treatment.confirm_cycle(db.session, staff_actor(), participant_id, now=clock.now(), **body)


@blp.route("/<participant_id>/holds")
class Holds(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, HoldOut(many=True))
    def get(self, participant_id: str) -> list:
        """The participant's holds."""
        return treatment.list_holds(db.session, staff_actor(), participant_id)

    @blp.doc(security=SECURITY)
    @blp.arguments(HoldIn)
    @blp.response(201, HoldOut)
    def post(self, body: dict, participant_id: str):  # type: ignore[no-untyped-def]
        """Order a hold (investigator); open-ended without end_date."""
        return treatment.add_hold(db.session, staff_actor(), participant_id, now=clock.now(), **body)


@blp.route("/<participant_id>/holds/<hold_id>")
class HoldItem(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(HoldPatch)
    @blp.response(200, HoldOut)
    def patch(self, body: dict, participant_id: str, hold_id: str):  # type: ignore[no-untyped-def]
        """End a hold, or correct its last held day (investigator)."""
        return treatment.end_hold(db.session, staff_actor(), participant_id, hold_id, now=clock.now(), **body)


@blp.route("/<participant_id>/dose-changes")
class DoseChanges(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, DoseChangeOut(many=True))
    def get(self, participant_id: str) -> list:
        """The participant's dose changes."""
        return treatment.list_dose_changes(db.session, staff_actor(), participant_id)

    @blp.doc(security=SECURITY)
    @blp.arguments(DoseChangeIn)
    @blp.response(201, DoseChangeOut)
    def post(self, body: dict, participant_id: str):  # type: ignore[no-untyped-def]
        """Change the dose level from effective_date on (investigator; an allowed protocol level)."""
        return treatment.change_dose(db.session, staff_actor(), participant_id, now=clock.now(), **body)


@blp.route("/<participant_id>/discontinue")
class Discontinue(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(DiscontinueIn)
    @blp.response(200, ParticipantOut)
    def post(self, body: dict, participant_id: str):  # type: ignore[no-untyped-def]
        """Take the participant off treatment from ``date`` (investigator)."""
        return treatment.discontinue(
            db.session, staff_actor(), participant_id, on=body["date"], reason=body["reason"], now=clock.now()
        )
