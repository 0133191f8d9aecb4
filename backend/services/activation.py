"""Enrolling a patient's phone: activation codes from the site, device tokens for the phone.

A code reads ``LLLL-SSSS-SSSS``: the first group finds the row, the rest is a secret stored
only as an HMAC. Codes are single use, expire after 72 hours, a new one revokes the old,
and five wrong secrets lock the code (the counter lives in the database, not in memory).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from backend.models import ActivationCode, Device, Participant
from backend.security import DEVICE_TOKEN_PREFIX, new_code_part, new_token, token_digest
from backend.services import audit
from backend.services.actors import Actor
from backend.services.errors import NotFound, Unauthorized
from backend.services.scope import WRITE_ROLES, get_participant, require_role

CODE_LIFETIME = timedelta(hours=72)
MAX_FAILED_ATTEMPTS = 5
# Why an activation failed (the 401's ``reason``): the app tells the patient what to do about it.
WRONG = "activation_code_wrong"
USED = "activation_code_used"
LOCKED = "activation_code_locked"
EXPIRED = "activation_code_expired"
LOCKED_MESSAGE = "this activation code is locked after too many wrong tries: ask your site for a new one"
LOOKUP_LENGTH = 4
SECRET_LENGTH = 8


def issue_code(
    session: Session, actor: Actor, participant_id: str, *, pepper: str, now: datetime
) -> tuple[str, ActivationCode]:
    """Create a new activation code for a participant, revoking any earlier unused one."""
    require_role(actor, WRITE_ROLES)
    participant = get_participant(session, actor, participant_id)
    session.execute(
        update(ActivationCode)
        .where(
            ActivationCode.participant_id == participant.id,
            ActivationCode.used_at.is_(None),
            ActivationCode.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    lookup = new_code_part(LOOKUP_LENGTH)
    while session.scalar(select(ActivationCode.id).where(ActivationCode.lookup == lookup)) is not None:
        lookup = new_code_part(LOOKUP_LENGTH)
    secret = new_code_part(SECRET_LENGTH)
    row = ActivationCode(
        participant_id=participant.id,
        lookup=lookup,
        secret_hash=token_digest(pepper, secret),
        created_by=actor.id,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
        failed_attempts=0,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "activation_code.issue",
        "activation_code",
        row.id,
        now=now,
        after={"expires_at": row.expires_at.isoformat()},
        participant_id=participant.id,
        site_id=participant.site_id,
    )
    return f"{lookup}-{secret[:4]}-{secret[4:]}", row


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def activate(
    session: Session, code: str, *, label: str | None, user_agent: str | None, pepper: str, now: datetime
) -> tuple[str, Device, Participant]:
    """Exchange a valid code for a device token; wrong tries count against the code."""
    plain = _normalise(code)
    lookup, secret = plain[:LOOKUP_LENGTH], plain[LOOKUP_LENGTH:]
    row = session.scalar(select(ActivationCode).where(ActivationCode.lookup == lookup))
    if row is None or len(secret) != SECRET_LENGTH:
        raise Unauthorized("this activation code is not valid", reason=WRONG)
    if row.used_at is not None or row.revoked_at is not None:
        raise Unauthorized(
            "this activation code was already used or replaced: ask your site for a new one", reason=USED
        )
    if row.locked_at is not None:
        raise Unauthorized(LOCKED_MESSAGE, reason=LOCKED)
    if row.expires_at <= now:
        raise Unauthorized("this activation code has expired: ask your site for a new one", reason=EXPIRED)
    participant = session.get(Participant, row.participant_id)
    if participant is None:
        raise NotFound("participant not found")
    if token_digest(pepper, secret) != row.secret_hash:
        _count_wrong_try(session, row, participant, now)  # raises
    _claim_code(session, row, now)
    token = new_token(DEVICE_TOKEN_PREFIX)
    device = Device(
        participant_id=participant.id,
        token_hash=token_digest(pepper, token),
        label=(label or None),
        user_agent=(user_agent or "")[:300] or None,
        created_at=now,
    )
    session.add(device)
    session.flush()
    actor = Actor(kind="device", id=device.id, label=f"device:{device.id}", participant_id=participant.id)
    audit.record(
        session,
        actor,
        "device.activate",
        "device",
        device.id,
        now=now,
        after={"label": device.label, "activation_code_id": row.id},
        participant_id=participant.id,
        site_id=participant.site_id,
    )
    return token, device, participant


def list_devices(session: Session, actor: Actor, participant_id: str) -> list[Device]:
    """A participant's devices, newest first."""
    require_role(actor, WRITE_ROLES)
    participant = get_participant(session, actor, participant_id)
    stmt = select(Device).where(Device.participant_id == participant.id).order_by(Device.created_at.desc())
    return list(session.scalars(stmt))


def revoke_device(
    session: Session, actor: Actor, participant_id: str, device_id: str, *, reason: str, now: datetime
) -> Device:
    """Revoke one device's token (a lost phone); its next request gets 401."""
    require_role(actor, WRITE_ROLES)
    participant = get_participant(session, actor, participant_id)
    device = session.get(Device, device_id)
    if device is None or device.participant_id != participant.id:
        raise NotFound("device not found")
    if device.revoked_at is None:
        device.revoked_at = now
        audit.record(
            session,
            actor,
            "device.revoke",
            "device",
            device.id,
            now=now,
            before={"revoked_at": None},
            after={"revoked_at": now.isoformat()},
            reason=reason,
            participant_id=participant.id,
            site_id=participant.site_id,
        )
    return device


def _count_wrong_try(session: Session, row: ActivationCode, participant: Participant, now: datetime) -> None:
    """Count a wrong secret against the code (kept although the answer is 401); lock it at the limit."""
    session.execute(
        update(ActivationCode)
        .where(ActivationCode.id == row.id)
        .values(failed_attempts=ActivationCode.failed_attempts + 1)
    )
    session.refresh(row)
    if row.failed_attempts >= MAX_FAILED_ATTEMPTS and row.locked_at is None:
        row.locked_at = now
        audit.record(
            session,
            Actor(kind="system", id="activation", label="activation"),
            "activation_code.lock",
            "activation_code",
            row.id,
            now=now,
            participant_id=participant.id,
            site_id=participant.site_id,
            reason=f"{row.failed_attempts} wrong tries",
        )
    session.flush()
    if row.locked_at is not None:  # this was the last allowed try: say so now, not next time
        raise Unauthorized(LOCKED_MESSAGE, reason=LOCKED)
    raise Unauthorized("this activation code is not valid", reason=WRONG)


def _claim_code(session: Session, row: ActivationCode, now: datetime) -> None:
    """Mark the code used, or answer USED if a concurrent activation claimed it first.

    A conditional update, checked by its row count: of two activations with the same code at
    once, only the one whose UPDATE still finds the code unused gets a token.
    """
    claimed = session.execute(
        update(ActivationCode)
        .where(
            ActivationCode.id == row.id,
            ActivationCode.used_at.is_(None),
            ActivationCode.revoked_at.is_(None),
            ActivationCode.locked_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", claimed).rowcount != 1:  # an UPDATE's result is a cursor's
        raise Unauthorized(
            "this activation code was already used or replaced: ask your site for a new one", reason=USED
        )
