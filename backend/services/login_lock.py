"""The per-account login lock: ten failed logins in a row lock password login for 15 minutes.

Flask-Limiter's per-address limits live in each process's memory unless Redis is configured,
and an attacker can spread guesses over many addresses: so the account itself counts its failed
logins, in the database, where every API process sees the same count. The count goes up in one
``UPDATE ... SET failed_logins = failed_logins + 1`` (no lost increments between processes);
the tenth failure locks the account until 15 minutes later and is an audit event. While locked,
no password is checked at all (so the lock cannot be ground through) and even the right password
answers 429 with ``Retry-After``. A successful login resets the count; an admin may unlock early
(``POST /api/v1/staff/{id}/unlock``, with a reason, audited).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from backend.models import StaffUser
from backend.services import audit
from backend.services.actors import Actor
from backend.services.errors import NotFound, ServiceError
from backend.services.scope import require_role

MAX_FAILED_LOGINS = 10
LOCK_DURATION = timedelta(minutes=15)
THROTTLE = Actor(kind="system", id="login-throttle", label="login throttle")


class LoginLocked(ServiceError):
    """Password login to this account is locked for a while: 429 with Retry-After."""

    status = 429

    def __init__(self, until: datetime, now: datetime) -> None:
        super().__init__(f"too many failed logins: this account is locked until {until.isoformat()}")
        self.retry_after_seconds = max(1, math.ceil((until - now).total_seconds()))


def check_not_locked(user: StaffUser, now: datetime) -> None:
    """Raise LoginLocked while the account's lock runs."""
    if user.login_locked_until is not None and user.login_locked_until > now:
        raise LoginLocked(user.login_locked_until, now)


def record_failure(session: Session, user: StaffUser, now: datetime) -> None:
    """Count one failed login atomically; the tenth in a row locks the account (audited, 429)."""
    if user.login_locked_until is not None and user.login_locked_until <= now:
        # A lock that ran out starts a fresh count.
        session.execute(
            update(StaffUser)
            .where(StaffUser.id == user.id, StaffUser.login_locked_until <= now)
            .values(failed_logins=0, login_locked_until=None)
        )
    count = session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(failed_logins=StaffUser.failed_logins + 1)
        .returning(StaffUser.failed_logins)
    ).scalar_one()
    if count < MAX_FAILED_LOGINS:
        return
    until = now + LOCK_DURATION
    result = session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id, StaffUser.login_locked_until.is_(None))
        .values(login_locked_until=until)
    )
    locked = cast("CursorResult[Any]", result).rowcount  # an UPDATE's result is a cursor's
    if locked:  # only the request that set the lock records it
        audit.record(
            session,
            THROTTLE,
            "staff.login_lock",
            "staff_user",
            user.id,
            now=now,
            after={"failed_logins": count, "login_locked_until": until.isoformat()},
            reason=f"{count} failed logins in a row",
            site_id=user.site_id,
        )
    session.expire(user)
    raise LoginLocked(until, now)


def record_success(session: Session, user: StaffUser) -> None:
    """A successful login resets the count."""
    if user.failed_logins or user.login_locked_until is not None:
        user.failed_logins, user.login_locked_until = 0, None


def unlock(session: Session, actor: Actor, user_id: str, *, reason: str, now: datetime) -> StaffUser:
    """An admin lifts an account's login lock (and its count) early, saying why."""
    require_role(actor, ("admin",))
    stmt = select(StaffUser).where(StaffUser.id == user_id).with_for_update()
    user = session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()
    if user is None:
        raise NotFound("staff user not found")
    before = {
        "failed_logins": user.failed_logins,
        "login_locked_until": user.login_locked_until.isoformat() if user.login_locked_until else None,
    }
    user.failed_logins, user.login_locked_until = 0, None
    audit.record(
        session,
        actor,
        "staff.login_unlock",
        "staff_user",
        user.id,
        now=now,
        before=before,
        after={"failed_logins": 0, "login_locked_until": None},
        reason=reason,
        site_id=user.site_id,
    )
    return user
