"""The password half of an electronic signature, and the lock after five wrong ones.

A signature is two components (21 CFR Part 11 §11.200(a)): the signer's identity, from their
logged-in session, and their password, given again in the signing request. The count of wrong
passwords is kept on the staff account in the database (so every API process and every session
of the account sees the same count), each wrong password and each lock is an audit event, and
the rules are :mod:`backend.domain.signing`'s. While signing is locked no password is checked at
all, so a lock cannot be ground through. Every session of the account is told: the lock is
answered with 423 and ``Retry-After`` on any signing request, is shown by
``GET /api/v1/staff/me/signing`` and in the to-sign list, and is named on every API response to
that account in the ``X-Signing-Locked-Until`` header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import signing
from backend.domain.signing import LockState
from backend.models import StaffUser
from backend.security import verify_password
from backend.services import audit
from backend.services.actors import Actor
from backend.services.errors import Invalid, Locked, NotFound


@dataclass(frozen=True)
class SigningStatus:
    """What a signer's sessions are told about their signing lock."""

    locked: bool
    locked_until: datetime | None
    wrong_passwords: int
    tries_left: int
    max_wrong_passwords: int = signing.MAX_WRONG_PASSWORDS
    lock_minutes: int = int(signing.LOCK_DURATION.total_seconds() // 60)


def state_of(user: StaffUser, now: datetime) -> LockState:
    """The account's lock state as of ``now`` (a lock that ran out is over)."""
    return signing.current(LockState(user.signing_wrong_passwords or 0, user.signing_locked_until), now)


def status_of(user: StaffUser, now: datetime) -> SigningStatus:
    """The account's signing status as of ``now``."""
    state = state_of(user, now)
    return SigningStatus(
        locked=state.is_locked(now),
        locked_until=state.locked_until if state.is_locked(now) else None,
        wrong_passwords=state.wrong_passwords,
        tries_left=state.tries_left(now),
    )


def status(session: Session, actor: Actor, now: datetime) -> SigningStatus:
    """The calling staff user's signing status."""
    user = session.get(StaffUser, actor.id)
    if user is None:
        raise NotFound("staff user not found")
    return status_of(user, now)


def _locked(state: LockState, now: datetime) -> Locked:
    until = state.locked_until.isoformat() if state.locked_until else "later"
    return Locked(
        f"signing is locked until {until} after {signing.MAX_WRONG_PASSWORDS} wrong passwords",
        state.retry_after_seconds(now),
    )


def check_password(session: Session, actor: Actor, password: str, *, now: datetime) -> StaffUser:
    """Verify the signer's password; count, audit and maybe lock on a wrong one.

    Raises :class:`Locked` (423) while signing is locked or when this wrong password locks it,
    and :class:`Invalid` naming ``password`` for any other wrong password. The caller must keep
    this transaction's writes even though the request fails (the count must survive).
    """
    stmt = select(StaffUser).where(StaffUser.id == actor.id).with_for_update()
    user = session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()
    if user is None:
        raise NotFound("staff user not found")
    state = state_of(user, now)
    if state.is_locked(now):
        raise _locked(state, now)
    ok, _rehash = verify_password(user.password_hash, password)
    if ok:
        if user.signing_wrong_passwords or user.signing_locked_until:
            user.signing_wrong_passwords, user.signing_locked_until = 0, None
        return user
    after = signing.after_wrong_password(state, now)
    user.signing_wrong_passwords, user.signing_locked_until = after.wrong_passwords, after.locked_until
    common: dict[str, Any] = {"now": now, "site_id": user.site_id}
    audit.record(
        session,
        actor,
        "signature.wrong_password",
        "staff_user",
        user.id,
        before={"signing_wrong_passwords": state.wrong_passwords},
        after={"signing_wrong_passwords": after.wrong_passwords},
        reason="wrong password given to sign",
        **common,
    )
    if after.is_locked(now):
        audit.record(
            session,
            actor,
            "signature.lock",
            "staff_user",
            user.id,
            after={"signing_locked_until": after.locked_until},
            reason=f"{after.wrong_passwords} wrong signing passwords in a row",
            **common,
        )
        raise _locked(after, now)
    minutes = status_of(user, now).lock_minutes
    left = after.tries_left(now)
    raise Invalid({"password": f"wrong password: {left} more wrong and signing locks for {minutes} minutes"})
