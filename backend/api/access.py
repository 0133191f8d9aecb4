"""Who is calling: bearer-token authentication for staff and for patients' devices.

Authentication comes before validation (issue 12, finding 7): :func:`enforce` runs before
flask-smorest parses anything, so an anonymous caller gets 401, a device token on a staff
endpoint (or a staff token on a device endpoint) 403, and a staff role that may never use an
endpoint 403, before any 422 could tell them which fields the endpoint takes.

Who may call what is one rule plus declarations: the endpoints in ``PUBLIC`` need no token;
``/api/v1/me/...`` is for a participant's device; every other ``/api/v1/`` endpoint is for
staff; a view method marked with :func:`allow` is for those staff roles only (the services
check the same roles again). Scope still comes before role, as in the services: another site's
participant is 404 whatever the caller's role, so a 403 never confirms that an id exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request

from backend import clock
from backend.db import db
from backend.models import Participant
from backend.services import auth, travel
from backend.services.actors import Actor
from backend.services.errors import Forbidden, Unauthorized
from backend.services.scope import get_participant

SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]
# deliveries.Receipts: a service worker holds no bearer token; its subscription's endpoint and auth
# secret authenticate the receipt (backend.services.ledger.record_receipt).
PUBLIC = frozenset({"auth.Login", "device.Activate", "push.PublicKey", "deliveries.Receipts"})
DEVICE_PREFIX = "/api/v1/me/"
F = TypeVar("F", bound=Callable[..., Any])


def allow(*roles: str) -> Callable[[F], F]:
    """Mark a view method as reserved to these staff roles (checked by :func:`enforce`)."""

    def mark(method: F) -> F:
        method._allowed_roles = roles  # type: ignore[attr-defined]  # a mark read by enforce(), on any function
        return method

    return mark


def required(endpoint: str, method: str) -> tuple[str, tuple[str, ...] | None] | None:
    """Who an API endpoint is for: None (public), or ("device"|"staff", staff roles or None)."""
    if endpoint in PUBLIC or request.method == "OPTIONS":
        return None
    kind = "device" if (request.path + "/").startswith(DEVICE_PREFIX) else "staff"
    view = current_app.view_functions.get(endpoint)
    handler = getattr(getattr(view, "view_class", None), method.lower(), None)
    return kind, getattr(handler, "_allowed_roles", None)


def enforce() -> None:
    """Authenticate and check the caller's kind and role for ``/api/v1/`` before any parsing."""
    rule = request.url_rule
    if rule is None or not request.path.startswith("/api/v1/"):
        return
    need = required(rule.endpoint, request.method)
    if need is None:
        return
    kind, roles = need
    actor = device_actor() if kind == "device" else staff_actor()
    if roles is not None and actor.role not in roles:
        participant_id = (request.view_args or {}).get("participant_id")
        if participant_id is not None:  # scope first, as the services do: 404 outside it, never 403
            get_participant(db.session, actor, participant_id)
        raise Forbidden("your role may not do this")


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
