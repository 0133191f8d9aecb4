"""Who is calling: bearer-token authentication for staff and for patients' devices."""

from __future__ import annotations

from flask import current_app, g, request

from backend import clock
from backend.db import db
from backend.models import Participant
from backend.services import auth, travel
from backend.services.actors import Actor
from backend.services.errors import Forbidden, Unauthorized

SECURITY = [{"bearerAuth": []}]


def bearer_token() -> str:
    """The bearer token of the request, or raise 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token")
    return token.strip()


def current_actor() -> Actor:
    """The authenticated caller (cached for the request)."""
    if "actor" not in g:
        pepper = current_app.config["SETTINGS"].token_pepper
        g.actor = auth.authenticate(db.session, bearer_token(), pepper=pepper, now=clock.now())
    return g.actor


def staff_actor() -> Actor:
    """The caller, who must be a staff user (a device token gets 403)."""
    actor = current_actor()
    if not actor.is_staff:
        raise Forbidden("this endpoint is for site staff")
    return actor


def device_actor() -> Actor:
    """The caller, who must be a participant's device (a staff token gets 403)."""
    actor = current_actor()
    if actor.kind != "device":
        raise Forbidden("this endpoint is for a participant's device")
    if "device_zone_noted" not in g:
        # Every device request: remember the phone's zone (X-Device-Timezone) and put a change
        # of zone that has come due into effect before anything reads the participant's day.
        g.device_zone_noted = True
        participant = db.session.get(Participant, actor.participant_id)
        if participant is not None:
            zone = travel.device_zone(request.headers.get(travel.HEADER))
            travel.note_device(db.session, participant, zone, clock.now())
    return actor
