"""Web Push subscriptions of patients' phones and staff browsers: upsert and remove by endpoint."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import PushSubscription
from backend.notify.endpoints import EndpointPolicy, EndpointRefused
from backend.notify.webpush import validate_subscription_keys
from backend.services import audit
from backend.services.actors import Actor
from backend.services.errors import Conflict, Forbidden, Invalid, NotFound

OWNED_ELSEWHERE = (
    "this endpoint is registered to another account: unsubscribe this browser and subscribe again"
)


def _owner(actor: Actor) -> dict[str, str | None]:
    """The owner columns for the caller: a participant (device) or a staff user."""
    if actor.kind == "device" and actor.participant_id:
        return {"participant_id": actor.participant_id, "staff_user_id": None}
    if actor.is_staff:
        return {"participant_id": None, "staff_user_id": actor.id}
    raise Forbidden("only a participant's device or a staff user may subscribe")


def _check(endpoint: str, p256dh: str, auth: str, policy: EndpointPolicy) -> None:
    try:
        policy.check(endpoint)
    except EndpointRefused as exc:
        raise Invalid({"endpoint": str(exc)}) from None
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
    policy: EndpointPolicy,
) -> PushSubscription:
    """Create or refresh the caller's subscription for ``endpoint``; re-enables it.

    409 when the endpoint is registered to anyone else (see the module docstring).
    """
    _check(endpoint, p256dh, auth, policy)
    owner = _owner(actor)
    sub = _own_or_new(session, endpoint, owner, {"p256dh": p256dh, "auth": auth}, now)
    sub.p256dh, sub.auth = p256dh, auth
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


def _owned_by(sub: PushSubscription, owner: dict[str, str | None]) -> bool:
    return (sub.participant_id, sub.staff_user_id) == (owner["participant_id"], owner["staff_user_id"])


def _own_or_new(
    session: Session, endpoint: str, owner: dict[str, str | None], keys: dict[str, str], now: datetime
) -> PushSubscription:
    """The caller's row for ``endpoint`` (locked), a new one, or Conflict if someone else owns it.

    A concurrent first registration of the same endpoint loses at the unique key inside a
    savepoint and is then judged against the winner's row like any other.
    """
    query = select(PushSubscription).where(PushSubscription.endpoint == endpoint).with_for_update()
    sub = session.scalar(query)
    if sub is None:
        sub = PushSubscription(endpoint=endpoint, created_at=now, **owner, **keys)
        try:
            with session.begin_nested():
                session.add(sub)
                session.flush()
        except IntegrityError:
            sub = session.scalar(query.execution_options(populate_existing=True))
            if sub is None:  # pragma: no cover - the unique key fired for a row that vanished
                raise
    if not _owned_by(sub, owner):
        raise Conflict(OWNED_ELSEWHERE, {"endpoint": [OWNED_ELSEWHERE]})
    return sub


def unsubscribe(session: Session, actor: Actor, *, endpoint: str, now: datetime) -> None:
    """Remove the caller's subscription for ``endpoint`` (404 when the caller has none there)."""
    owner = _owner(actor)
    sub = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if sub is None or not _owned_by(sub, owner):
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
