"""Web Push: the server's VAPID public key and the subscriptions of phones and staff browsers."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from backend import clock
from backend.api.access import SECURITY, device_actor, staff_actor
from backend.db import db
from backend.notify import vapid
from backend.services import push

blp = Blueprint("push", __name__, url_prefix="/api/v1", description="Web Push")


class PublicKeyOut(Schema):
    public_key = fields.String(required=True, metadata={"description": "applicationServerKey (base64url)"})


class KeysIn(Schema):
    p256dh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    auth = fields.String(required=True, validate=validate.Length(min=1, max=100))


class SubscriptionIn(Schema):
    """The browser's PushSubscription JSON (``subscription.toJSON()``)."""

    endpoint = fields.Url(
        required=True, validate=validate.Length(max=1000), schemes={"https", "http"}, require_tld=False
    )
    keys = fields.Nested(KeysIn, required=True)
    expirationTime = fields.Integer(load_default=None, allow_none=True)  # noqa: N815 - browser's field name


class UnsubscribeIn(Schema):
    endpoint = fields.Url(
        required=True, validate=validate.Length(max=1000), schemes={"https", "http"}, require_tld=False
    )


class SubscriptionOut(Schema):
    id = fields.String(required=True)
    endpoint = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


def _keys() -> vapid.VapidKeys:
    settings = current_app.config["SETTINGS"]
    return vapid.load_or_create(settings.instance_path, settings.vapid_private_key)


@blp.route("/push/vapid-public-key")
class PublicKey(MethodView):
    @blp.response(200, PublicKeyOut)
    def get(self) -> dict:
        """The key browsers pass as ``applicationServerKey`` when subscribing."""
        return {"public_key": _keys().public_key_b64url}


def _upsert(actor, body: dict):
    return push.subscribe(
        db.session,
        actor,
        endpoint=body["endpoint"],
        p256dh=body["keys"]["p256dh"],
        auth=body["keys"]["auth"],
        user_agent=request.user_agent.string,
        now=clock.now(),
        policy=current_app.config["SETTINGS"].push_endpoints,
    )


@blp.route("/me/push-subscriptions")
class MySubscriptions(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(SubscriptionIn)
    @blp.response(201, SubscriptionOut)
    def post(self, body: dict):
        """Register (or refresh) this phone's push subscription.

        The endpoint must be an https URL of a known push service (422 naming `endpoint`
        otherwise). An endpoint registered to another account is never moved: 409 naming
        `endpoint`; unsubscribe the browser and subscribe again to get a fresh endpoint.
        """
        return _upsert(device_actor(), body)

    @blp.doc(security=SECURITY)
    @blp.arguments(UnsubscribeIn)
    @blp.response(204)
    def delete(self, body: dict) -> None:
        """Stop pushes to this endpoint (only its owner can: 404 for anyone else)."""
        push.unsubscribe(db.session, device_actor(), endpoint=body["endpoint"], now=clock.now())


@blp.route("/staff/me/push-subscriptions")
class StaffSubscriptions(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(SubscriptionIn)
    @blp.response(201, SubscriptionOut)
    def post(self, body: dict):
        """Register (or refresh) this staff browser's push subscription (alerts of the user's site).

        The endpoint must be an https URL of a known push service (422 naming `endpoint`
        otherwise). An endpoint registered to another account is never moved: 409 naming
        `endpoint`; unsubscribe the browser and subscribe again to get a fresh endpoint.
        """
        return _upsert(staff_actor(), body)

    @blp.doc(security=SECURITY)
    @blp.arguments(UnsubscribeIn)
    @blp.response(204)
    def delete(self, body: dict) -> None:
        """Stop pushes to this endpoint (only its owner can: 404 for anyone else)."""
        push.unsubscribe(db.session, staff_actor(), endpoint=body["endpoint"], now=clock.now())
