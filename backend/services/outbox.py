"""The notification outbox: enqueue with the cause, wake the deliverer, claim with a lease.

Life of a row: ``pending`` (due at ``next_attempt_at``) -> ``claimed`` (short transaction,
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a ``claim_token`` and a wall-clock ``lease_until``) ->
``sending`` (its attempt recorded as ``started`` and committed *before* the message leaves) ->
``sent``, back to ``pending`` with a back-off, ``failed`` or ``dropped``; see
:mod:`backend.services.delivery` for the sending half.

A process that dies leaves its rows ``claimed`` (nothing left: taken over when the lease ends,
:data:`CLAIM_LEASE`) or ``sending`` (outcome unknown: the message may have left; re-sent once the
lease ends, :data:`IN_FLIGHT_LEASE`, which is longer than the senders' timeouts). The lease is a
wall-clock instant compared with the wall clock, never tick instants with tick instants (that
rule once waited 5-6 minutes because one tick was 0.5 ms late).

Waking: a message due now is announced with ``NOTIFY`` on PostgreSQL in the transaction that
queued it, delivered by the server only when that transaction commits; the scheduler process
listens (:mod:`backend.scheduler.deliverer`). SQLite has no such channel: the deliverer polls.
The scheduler's ``deliver`` job (:func:`deliver`) nudges that deliverer, or sends by itself in
``scheduler tick``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, exists, or_, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from backend import clock
from backend.db import UTCDateTime, after_commit, insert_for, new_id
from backend.models import DeliveryAttempt, Notification, NotificationStatus

# Re-exported for callers that know the outbox only (the transport lives with the senders).
from backend.notify.transport import PUSH_WORKERS as PUSH_WORKERS
from backend.notify.transport import Transport as Transport
from backend.services.context import context_of
from backend.services.delivery import (  # noqa: F401
    SessionFactory,
    deliver_due,
    drain,
    send_claimed,
)

CLAIM_LEASE = timedelta(seconds=20)
IN_FLIGHT_LEASE = timedelta(seconds=30)  # > the push and SMTP timeouts (10 s) with a margin
STALE_CLAIM = IN_FLIGHT_LEASE  # the longest a dead process can hold a message
CLAIM_BATCH = 500
WAKE_CHANNEL = "dosing_diary_outbox"
URGENT_PUSH, URGENT_EMAIL, ALERT_NOTICE, REMINDER = 0, 1, 2, 3


def priority_of(channel: str, urgency: str, alert_id: str | None) -> int:
    """Urgent pushes first, then urgent e-mails, other alert notices, reminders last."""
    if urgency == "high":
        return URGENT_PUSH if channel == "webpush" else URGENT_EMAIL
    return ALERT_NOTICE if alert_id is not None else REMINDER


def wake(session: Session) -> None:
    """Ask the deliverer to look at the outbox once this transaction commits (PostgreSQL NOTIFY).

    PostgreSQL folds identical notifications of one transaction into one and drops them on
    rollback; on SQLite this does nothing (the deliverer polls).
    """
    if session.get_bind().dialect.name == "postgresql" and not session.info.get("outbox_wake"):
        session.execute(text(f"NOTIFY {WAKE_CHANNEL}"))
        session.info["outbox_wake"] = True


def enqueue(
    session: Session,
    key: str,
    channel: str,
    recipient: str,
    payload: dict[str, Any],
    due_at: datetime,
    expires_at: datetime | None,
    urgency: str = "normal",
    subscription_id: str | None = None,
    alert_id: str | None = None,
    *,
    now: datetime,
    priority: int | None = None,
) -> bool:
    """Add a message to the outbox in the caller's transaction; True if new, False if the key exists.

    A message due by ``now`` wakes the deliverer at commit.
    """
    stmt = (
        insert_for(session)(Notification.__table__)
        .values(
            id=new_id(),
            idempotency_key=key,
            channel=channel,
            recipient=recipient,
            subscription_id=subscription_id,
            payload=payload,
            urgency=urgency,
            priority=priority_of(channel, urgency, alert_id) if priority is None else priority,
            due_at=due_at,
            expires_at=expires_at,
            attempts=0,
            next_attempt_at=due_at,
            status=NotificationStatus.PENDING,
            alert_id=alert_id,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Notification.__table__.c.id)
    )
    added = session.execute(stmt).first() is not None  # rowcount is -1 on psycopg here
    if added and due_at <= now:
        wake(session)
    return added


class Claim(list[str]):
    """The ids one ``claim`` took, in priority order, and the token that lets its holder send them."""

    def __init__(self, ids: list[str], token: str) -> None:
        super().__init__(ids)
        self.token = token


def due_condition(
    now: datetime | BindParameter[datetime], wall: datetime | BindParameter[datetime]
) -> ColumnElement[bool]:
    """Rows a deliverer may take: pending and due, or held by a claim whose lease has ended."""
    return and_(
        Notification.sent_at.is_(None),
        or_(
            and_(Notification.status == NotificationStatus.PENDING, Notification.next_attempt_at <= now),
            and_(
                Notification.status.in_((NotificationStatus.CLAIMED, NotificationStatus.SENDING)),
                Notification.lease_until <= wall,
            ),
        ),
    )


def claim(session: Session, now: datetime, limit: int = CLAIM_BATCH) -> Claim:
    """Claim due rows (urgent first), skipping rows another deliverer holds; drop expired ones.

    A row found ``sending`` with an ended lease had its sender die mid-flight: its open attempt
    becomes ``unknown`` and the message is sent again (same tag and Message-ID). Returns the ids
    to send once this transaction has committed.
    """
    wall = clock.now()
    stmt = (
        select(Notification.id, Notification.expires_at, Notification.status)
        .where(due_condition(now, wall))
        .order_by(Notification.priority, Notification.next_attempt_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = session.execute(stmt).all()
    token = secrets.token_hex(16)
    expired = [row.id for row in rows if row.expires_at is not None and row.expires_at <= now]
    claimed = [row.id for row in rows if row.id not in set(expired)]
    in_flight = [row.id for row in rows if row.status == NotificationStatus.SENDING]
    if in_flight:
        session.execute(
            update(DeliveryAttempt)
            .where(DeliveryAttempt.notification_id.in_(in_flight), DeliveryAttempt.outcome == "started")
            .values(outcome="unknown", error="sender stopped before recording the outcome")
        )
    if expired:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(expired))
            .values(
                status=NotificationStatus.DROPPED,
                last_error="expired before it could be sent",
                claim_token=None,
            )
        )
    if claimed:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(claimed))
            .values(
                status=NotificationStatus.CLAIMED,
                claimed_at=wall,
                lease_until=wall + CLAIM_LEASE,
                claim_token=token,
            )
        )
    return Claim(claimed, token)


def oldest_due_wait(session: Session, now: datetime) -> float | None:
    """Seconds the longest-waiting due message has waited (None if nothing is due): for /readyz."""
    oldest = session.scalar(
        select(Notification.next_attempt_at)
        .where(
            Notification.status.in_(
                (NotificationStatus.PENDING, NotificationStatus.CLAIMED, NotificationStatus.SENDING)
            ),
            Notification.next_attempt_at <= now,
        )
        .order_by(Notification.next_attempt_at)
        .limit(1)
    )
    return None if oldest is None else (now - oldest).total_seconds()


# The runner's cheap test, from the claim's own condition ("now" and "wall" bound by the runner).
OUTBOX_PROBE = exists().where(
    due_condition(bindparam("now", type_=UTCDateTime()), bindparam("wall", type_=UTCDateTime()))
)


def probe_params(_now: datetime) -> dict[str, datetime]:
    """The probe's wall-clock bind parameter: leases are wall-clock instants."""
    return {"wall": clock.now()}


def deliver(session: Session, now: datetime) -> int:
    """The job: hand due outbox rows to the deliverer: wake it in ``scheduler run``, else send them here.

    In the long-running process the deliverer thread (woken at once by every commit that queues
    something due) does the sending; the tick only nudges it, so a missed wake-up costs at most
    one tick. ``scheduler tick`` has no deliverer: it claims in this transaction and sends once
    it has committed.
    """
    context = context_of(session)
    if context.deliverer is not None and context.deliverer.is_alive():
        context.deliverer.wake()
        return 0
    if context.transport is None or context.session_factory is None:
        raise RuntimeError("deliver needs a transport and a session factory in the session's context")
    ids = claim(session, now)
    if ids:
        transport, sessions = context.transport(), context.session_factory
        after_commit(session, lambda: _drain_quietly(sessions, transport, ids, now))
    return len(ids)


def _drain_quietly(sessions: SessionFactory, transport: Transport, ids: list[str], now: datetime) -> None:
    """``drain`` as an after-commit callback: its count of sent messages is the log's, not the caller's."""
    drain(sessions, transport, ids, now)
