"""Travel across time zones: the participant's answer to the prompt, and its history for the site."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from backend import clock
from backend.api.access import SECURITY, device_actor, staff_actor
from backend.api.fields import TimeZone
from backend.db import db
from backend.domain.travel import POLICIES
from backend.services import diary, travel

blp = Blueprint("travel", __name__, url_prefix="/api/v1", description="Travel across time zones")


def device_first(view: Callable[..., Any]) -> Callable[..., Any]:
    """Authenticate before the body is validated: no token is a 401 whatever the body says."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        device_actor()
        return view(*args, **kwargs)

    return wrapper


class TimezoneAnswerIn(Schema):
    policy = fields.String(
        required=True,
        validate=validate.OneOf(POLICIES),
        metadata={
            "description": "home: keep the dose time on home time; local: move to local time from tomorrow"
        },
    )
    device_timezone = TimeZone(required=True)


class TimezoneChangeOut(Schema):
    id = fields.String(required=True)
    device_timezone = fields.String(required=True)
    policy = fields.String(required=True)
    from_timezone = fields.String(required=True)
    to_timezone = fields.String(required=True, allow_none=True)
    effective_date = fields.Date(
        required=True, allow_none=True, metadata={"description": "first day on local time"}
    )
    switch_at = fields.AwareDateTime(
        required=True, allow_none=True, metadata={"description": "when it takes effect"}
    )
    decided_at = fields.AwareDateTime(required=True)
    applied_at = fields.AwareDateTime(required=True, allow_none=True)
    cancelled_at = fields.AwareDateTime(required=True, allow_none=True)


@blp.route("/me/timezone")
class MyTimezone(MethodView):
    @blp.doc(security=SECURITY)
    @device_first
    @blp.arguments(TimezoneAnswerIn)
    @blp.response(200, TimezoneChangeOut)
    def post(self, body: dict):
        """Answer the travel prompt (audited). ``local`` moves the diary to the phone's zone from
        tomorrow; the first dose there is kept at least 12 hours after the last one."""
        actor = device_actor()
        participant = diary.me(db.session, actor)
        return travel.answer(db.session, actor, participant, now=clock.now(), **body)


@blp.route("/participants/<participant_id>/timezone-changes")
class TimezoneChanges(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, TimezoneChangeOut(many=True))
    def get(self, participant_id: str) -> list:
        """The participant's answers to the travel prompt and the changes of zone, newest first."""
        return travel.history(db.session, staff_actor(), participant_id)
