"""Adherence for the site: one participant per cycle and overall, and a whole site's dashboard."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from backend import clock
from backend.api.access import SECURITY, staff_actor
from backend.db import db
from backend.services import adherence

blp = Blueprint("adherence", __name__, url_prefix="/api/v1", description="Adherence")


class AdherenceRowOut(Schema):
    cycle = fields.Integer(
        required=True, allow_none=True, metadata={"description": "null on the overall row"}
    )
    prescribed = fields.Integer(required=True)
    taken = fields.Integer(required=True)
    not_taken = fields.Integer(required=True)
    not_reported = fields.Integer(required=True)
    pending = fields.Integer(required=True)
    late = fields.Integer(required=True)
    deviations = fields.Integer(required=True)
    percent = fields.Float(required=True, allow_none=True)
    below_threshold = fields.Boolean(required=True)
    confirmed_late = fields.Integer(
        required=True,
        metadata={
            "description": "dosing days confirmed late by the site and not logged: left out of "
            "prescribed and of the percentage"
        },
    )


class AdherenceOut(Schema):
    overall = fields.Nested(AdherenceRowOut, required=True)
    cycles = fields.List(fields.Nested(AdherenceRowOut), required=True)


class SiteAdherenceRowOut(Schema):
    participant_id = fields.String(required=True)
    study_id = fields.String(required=True)
    status = fields.String(required=True)
    cycle = fields.Integer(required=True, allow_none=True, metadata={"description": "current cycle"})
    current_cycle = fields.Nested(AdherenceRowOut, required=True, allow_none=True)
    overall = fields.Nested(AdherenceRowOut, required=True)
    percent = fields.Float(
        required=True, allow_none=True, metadata={"description": "current cycle, else overall"}
    )
    not_reported = fields.Integer(required=True)
    late = fields.Integer(required=True, metadata={"description": "late entries, all cycles"})
    below_threshold = fields.Boolean(required=True)


@blp.route("/participants/<participant_id>/adherence")
class ParticipantAdherence(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, AdherenceOut)
    def get(self, participant_id: str):
        """Adherence per confirmed cycle and overall (CLINICAL.md, "Adherence")."""
        return adherence.participant_adherence(db.session, staff_actor(), participant_id, clock.now())


@blp.route("/sites/<site_id>/adherence")
class SiteAdherence(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, SiteAdherenceRowOut(many=True))
    def get(self, site_id: str) -> list:
        """One row per participant of the site, for the dashboard."""
        return adherence.site_adherence(db.session, staff_actor(), site_id, clock.now())
