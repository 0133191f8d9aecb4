"""Site actions on a participant's treatment: cycles, holds, dose changes and discontinuation."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from backend import clock
from backend.api.access import SECURITY, allow, staff_actor
from backend.api.fields import Day, Reason
from backend.api.schemas import ParticipantOut
from backend.db import db
from backend.services import cycles, treatment
from backend.services.scope import INVESTIGATOR_ROLES, WRITE_ROLES

blp = Blueprint("treatment", __name__, url_prefix="/api/v1/participants", description="Treatment (site)")


class CycleIn(Schema):
    start_date = Day(
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
    confirmed_late_through = fields.Date(
        required=True,
        allow_none=True,
        metadata={"description": "confirmed for a past date: the last day confirmed late by the site"},
    )


_LATE_DAYS = {
    "description": "days that became dosing days the patient was never told about (their make-up "
    'cut-off had passed): unless logged they are "confirmed late by the site", left out of '
    "adherence and missed-dose alerts"
}


class CycleConfirmedOut(CycleOut):
    confirmed_late_days = fields.List(fields.Date(), required=True, metadata=_LATE_DAYS)


class CyclePreviewArgs(Schema):
    start_date = Day(required=True, metadata={"description": "the Day 1 about to be confirmed"})


class CyclePreviewOut(Schema):
    number = fields.Integer(required=True)
    planned_start = fields.Date(required=True)
    earliest_start = fields.Date(
        required=True, metadata={"description": "planned start minus the protocol's early-start window"}
    )
    start_date = fields.Date(required=True)
    confirmed_late_days = fields.List(fields.Date(), required=True, metadata=_LATE_DAYS)


class HoldIn(Schema):
    start_date = Day(required=True)
    end_date = Day(load_default=None, allow_none=True, metadata={"description": "last held day"})
    reason = Reason(required=True)


class HoldPatch(Schema):
    end_date = Day(required=True, metadata={"description": "last held day"})
    reason = Reason(load_default=None, allow_none=True)


class HoldOut(Schema):
    id = fields.String(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True, allow_none=True)
    reason = fields.String(required=True)
    ordered_by = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


class DoseChangeIn(Schema):
    effective_date = Day(required=True)
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
    date = Day(required=True, metadata={"description": "first day off treatment"})
    reason = Reason(required=True)


@blp.route("/<participant_id>/cycles")
class Cycles(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, CycleOut(many=True))
    def get(self, participant_id: str) -> list:
        """The participant's confirmed cycles."""
        return cycles.list_cycles(db.session, staff_actor(), participant_id)

    @allow(*WRITE_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(CycleIn)
    @blp.response(201, CycleConfirmedOut)
    def post(self, body: dict, participant_id: str):
        """Confirm the next cycle's day 1 (coordinator or investigator).

        Refused (422) earlier than the planned day minus the protocol's window; a date in the
        past lists the days it made "confirmed late by the site".
        """
        return cycles.confirm_cycle(db.session, staff_actor(), participant_id, now=clock.now(), **body)


@blp.route("/<participant_id>/cycles/preview")
class CyclePreview(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(CyclePreviewArgs, location="query")
    @blp.response(200, CyclePreviewOut)
    def get(self, args: dict, participant_id: str):
        """What confirming the next cycle on start_date would do, before confirming (nothing written).

        The same checks as the confirmation (the same 422s), and the days that would become
        dosing days the patient was never told about.
        """
        return cycles.preview_cycle(db.session, staff_actor(), participant_id, now=clock.now(), **args)


@blp.route("/<participant_id>/holds")
class Holds(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, HoldOut(many=True))
    def get(self, participant_id: str) -> list:
        """The participant's holds."""
        return treatment.list_holds(db.session, staff_actor(), participant_id)

    @allow(*INVESTIGATOR_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(HoldIn)
    @blp.response(201, HoldOut)
    def post(self, body: dict, participant_id: str):
        """Order a hold (investigator); open-ended without end_date."""
        return treatment.add_hold(db.session, staff_actor(), participant_id, now=clock.now(), **body)


@blp.route("/<participant_id>/holds/<hold_id>")
class HoldItem(MethodView):
    @allow(*INVESTIGATOR_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(HoldPatch)
    @blp.response(200, HoldOut)
    def patch(self, body: dict, participant_id: str, hold_id: str):
        """End a hold, or correct its last held day (investigator)."""
        return treatment.end_hold(db.session, staff_actor(), participant_id, hold_id, now=clock.now(), **body)


@blp.route("/<participant_id>/dose-changes")
class DoseChanges(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, DoseChangeOut(many=True))
    def get(self, participant_id: str) -> list:
        """The participant's dose changes."""
        return treatment.list_dose_changes(db.session, staff_actor(), participant_id)

    @allow(*INVESTIGATOR_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(DoseChangeIn)
    @blp.response(201, DoseChangeOut)
    def post(self, body: dict, participant_id: str):
        """Change the dose level from effective_date on (investigator; an allowed protocol level)."""
        return treatment.change_dose(db.session, staff_actor(), participant_id, now=clock.now(), **body)


@blp.route("/<participant_id>/discontinue")
class Discontinue(MethodView):
    @allow(*INVESTIGATOR_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(DiscontinueIn)
    @blp.response(200, ParticipantOut)
    def post(self, body: dict, participant_id: str):
        """Take the participant off treatment from ``date`` (investigator)."""
        return treatment.discontinue(
            db.session, staff_actor(), participant_id, on=body["date"], reason=body["reason"], now=clock.now()
        )
