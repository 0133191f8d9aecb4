"""Staff login and logout, and turning bearer tokens back into actors."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.models import Device, Participant, StaffToken, StaffUser
from backend.security import (
    DEVICE_TOKEN_PREFIX,
    STAFF_TOKEN_PREFIX,
    new_token,
    token_digest,
    verify_password,
)
from backend.services import audit, login_lock
from backend.services.actors import Actor
from backend.services.errors import Unauthorized

# A fixed argon2 hash to verify against when the e-mail is unknown, so that response time
# does not tell an attacker which e-mail addresses have accounts.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$N2fIdHE5n+9f0buppFowpg$TZutx/JfB2xjomoiy+KyCwSbpyrscBMFy5lDFX/s650"
)


# Every patient request starts here, and needs the participant next: one query for both,
# built once (bench/diary_load.py).
_DEVICE_BY_DIGEST = (
    select(Device, Participant)
    .join(Participant, Participant.id == Device.participant_id)
    .where(Device.token_hash == bindparam("digest"))
)


def staff_actor(user: StaffUser) -> Actor:
    """The actor for a staff user."""
    return Actor(
        kind="staff",
        id=user.id,
        label=user.email,
        role=user.role,
        site_id=user.site_id,
        signing_locked_until=user.signing_locked_until,
    )


def login(
    session: Session, email: str, password: str, *, pepper: str, hours: int, now: datetime
) -> tuple[str, StaffToken, StaffUser]:
    """Check the password and issue a new bearer token (stored only as its HMAC).

    Failed logins of an existing account are counted and lock it (:mod:`login_lock`); the
    caller must keep this transaction's writes even though the request fails.
    """
    user = session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is not None:
        login_lock.check_not_locked(user, now)
    ok, rehash = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is not None and not ok:
        login_lock.record_failure(session, user, now)
    if user is None or not ok or not user.is_active:
        raise Unauthorized("wrong e-mail or password")
    login_lock.record_success(session, user)
    if rehash:
        user.password_hash = rehash
    token = new_token(STAFF_TOKEN_PREFIX)
    row = StaffToken(
        user_id=user.id,
        token_hash=token_digest(pepper, token),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(row)
    session.flush()
    audit.record(session, staff_actor(user), "login", "staff_user", user.id, now=now, site_id=user.site_id)
    return token, row, user


def logout(session: Session, actor: Actor, token: str, *, pepper: str, now: datetime) -> None:
    """Revoke the token the request came with."""
    row = session.scalar(select(StaffToken).where(StaffToken.token_hash == token_digest(pepper, token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now
        audit.record(session, actor, "logout", "staff_user", actor.id, now=now, site_id=actor.site_id)


def authenticate(session: Session, token: str, *, pepper: str, now: datetime) -> Actor:
    """Resolve a bearer token to an actor, or raise :class:`Unauthorized`."""
    digest = token_digest(pepper, token)
    if token.startswith(STAFF_TOKEN_PREFIX):
        row = session.scalar(select(StaffToken).where(StaffToken.token_hash == digest))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise Unauthorized("invalid or expired token")
        user = session.get(StaffUser, row.user_id)
        if user is None or not user.is_active:
            raise Unauthorized("invalid or expired token")
        return staff_actor(user)
    if token.startswith(DEVICE_TOKEN_PREFIX):
        found = session.execute(_DEVICE_BY_DIGEST, {"digest": digest}).one_or_none()
        if found is None or found.Device.revoked_at is not None:
            raise Unauthorized("invalid or revoked device token")
        device = found.Device
        # The identity map holds objects weakly: pin the participant for this session, so the
        # request's ``session.get(Participant, ...)`` is answered from memory, not by a query.
        session.info.setdefault("pinned", []).append(found.Participant)
        if device.last_seen_at is None or now - device.last_seen_at > timedelta(minutes=5):
            device.last_seen_at = now  # coarse, to avoid a write on every request
        return Actor(
            kind="device",
            id=device.id,
            label=f"device:{device.id}",
            participant_id=device.participant_id,
        )
    raise Unauthorized("invalid token")
