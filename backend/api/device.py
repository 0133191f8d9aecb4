"""The patient's phone: activation with a code from the site, and ``/me``."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from backend import clock
from backend.api.access import SECURITY, device_actor
from backend.api.hooks import keep_changes_on_error
from backend.api.limits import ACTIVATION_LIMIT, limiter
from backend.api.schemas import ParticipantOut
from backend.db import db
from backend.services import activation, patient_day
from backend.services.errors import ServiceError
from backend.services.scope import get_participant

blp = Blueprint("device", __name__, url_prefix="/api/v1", description="Patient device")


class ActivateIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=4, max=40))
    device_label = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class SiteContact(Schema):
    phone_day = fields.String(required=True, allow_none=True)
    phone_night = fields.String(required=True, allow_none=True)


class MeOut(ParticipantOut):
    class Meta:
        exclude = ("site_id", "created_at")

    site_contact = fields.Nested(
        SiteContact, metadata={"description": "the site's day and night numbers (E.164), tap to call"}
    )


class ActivateOut(Schema):
    device_token = fields.String(required=True)
    participant = fields.Nested(MeOut, required=True)


@blp.route("/device/activate")
class Activate(MethodView):
    decorators = [limiter.limit(ACTIVATION_LIMIT)]

    @blp.arguments(ActivateIn)
    @blp.response(201, ActivateOut)
    def post(self, body: dict) -> dict:
        """Exchange the site's activation code for this phone's device token."""
        pepper = current_app.config["SETTINGS"].token_pepper
        try:
            token, _device, participant = activation.activate(
                db.session,
                body["code"],
                label=body["device_label"],
                user_agent=request.user_agent.string,
                pepper=pepper,
                now=clock.now(),
            )
        except ServiceError:
            keep_changes_on_error()  # the wrong-try counter must survive the 401
            raise
        return {"device_token": token, "participant": participant}


@blp.route("/me")
class Me(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, MeOut)
    def get(self):
        """The participant this phone belongs to."""
        actor = device_actor()
        participant = get_participant(db.session, actor, actor.participant_id or "")
        # a plain attribute on the instance (not a column): MeOut dumps it with the participant
        participant.site_contact = patient_day.site_contact(db.session, participant)
        return participant
