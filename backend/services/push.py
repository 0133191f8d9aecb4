"""Web Push subscriptions of patients' phones and staff browsers: upsert and remove by endpoint."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import PushSubscription
from backend.notify.webpush import validate_subscription_keys
from backend.services import audit
from backend.services.actors import Actor
from backend.services.errors import Forbidden, Invalid, NotFound


def _owner(actor: Actor) -> dict[str, str | None]:
    """The owner columns for the caller: a participant (device) or a staff user."""
    if actor.kind == "device" and actor.participant_id:
        return {"participant_id": actor.participant_id, "staff_user_id": None}
    if actor.is_staff:
        return {"participant_id": None, "staff_user_id": actor.id}
    raise Forbidden("only a participant's device or a staff user may subscribe")


def _check(endpoint: str, p256dh: str, auth: str) -> None:
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise Invalid({"endpoint": "must be an absolute https URL"})
    try:
        validate_subscription_keys(p256dh, auth)
    except ValueError as exc:
        field = "keys.auth" if "auth" in str(exc) else "keys.p256dh"
        raise Invalid({field: str(exc)}) from None


def subscribe(
    session: Session,
    actor: Actor,
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str | None,
    now: datetime,
) -> PushSubscription:
    """Create or refresh the subscription for ``endpoint``, owned by the caller; re-enables it."""
    _check(endpoint, p256dh, auth)
    owner = _owner(actor)
    sub = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if sub is None:
        sub = PushSubscription(endpoint=endpoint, created_at=now)
        session.add(sub)
    sub.p256dh, sub.auth = p256dh, auth
    sub.participant_id, sub.staff_user_id = owner["participant_id"], owner["staff_user_id"]
    sub.user_agent = (user_agent or "")[:300] or None
    sub.disabled_at, sub.disabled_reason = None, None
    session.flush()
    audit.record(
        session,
        actor,
        "push_subscription.upsert",
        "push_subscription",
        sub.id,
        now=now,
        after={
            "owner": owner,
            "endpoint_origin": f"{urlsplit(endpoint).scheme}://{urlsplit(endpoint).netloc}",
        },
        participant_id=owner["participant_id"],
    )
    return sub


def unsubscribe(session: Session, actor: Actor, *, endpoint: str, now: datetime) -> None:
    """Remove the caller's subscription for ``endpoint`` (404 when the caller has none there)."""
    owner = _owner(actor)
    sub = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if sub is None or (sub.participant_id, sub.staff_user_id) != (
        owner["participant_id"],
        owner["staff_user_id"],
    ):
        raise NotFound("subscription not found")
    sub.disabled_at, sub.disabled_reason = now, "unsubscribed by its owner"
    session.flush()
    audit.record(
        session,
        actor,
        "push_subscription.delete",
        "push_subscription",
        sub.id,
        now=now,
        participant_id=owner["participant_id"],
    )
