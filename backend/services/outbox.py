"""The notification outbox: enqueue with the cause, claim, send after commit, record every attempt.

Life of a row: ``pending`` (due at ``next_attempt_at``) -> ``claimed`` (in a short transaction,
``FOR UPDATE SKIP LOCKED`` on PostgreSQL so replicas never share a row) -> sent after that
transaction committed -> ``sent``, back to ``pending`` with a back-off, ``failed`` (gone,
configuration error, or ``MAX_ATTEMPTS`` used up) or ``dropped`` (past ``expires_at``, or its
subscription was disabled). A claim older than :data:`STALE_CLAIM` belongs to a process that died
between claim and send: the row is claimable again (or dropped once past its expiry).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from backend.db import insert_for, new_id
from backend.models import DeliveryAttempt, Notification, PushSubscription
from backend.notify import vapid
from backend.notify.email import EmailError, SmtpSender
from backend.notify.webpush import MAX_ATTEMPTS, PushMessage, PushResult, WebPushSender, backoff_seconds

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=5)
CLAIM_BATCH = 500
# Push sending is I/O plus ECDH/AES work under the GIL: more threads than ~2 per core only add
# switching (measured in bench/scheduler_scale.py), so the pool is bounded by the machine.
PUSH_WORKERS = min(8, 2 * (os.cpu_count() or 1))
DRAIN_BUDGET_SECONDS = 40.0


@dataclass
class Transport:
    """How messages leave the process: the VAPID-signing push sender and the SMTP sender."""

    push: WebPushSender
    smtp: SmtpSender | None
    max_workers: int = PUSH_WORKERS


def transport_for(app: Flask) -> Transport:
    """The app's transport, built once from its settings (tests may replace the extension)."""
    existing = app.extensions.get("delivery_transport")
    if existing is not None:
        return existing
    settings = app.config["SETTINGS"]
    keys = vapid.load_or_create(settings.instance_path, settings.vapid_private_key)
    smtp = SmtpSender.from_url(settings.smtp_url) if settings.smtp_url else None
    push = WebPushSender(keys, settings.vapid_subject, timeout=10.0, endpoints=settings.push_endpoints)
    transport = Transport(push=push, smtp=smtp)
    app.extensions["delivery_transport"] = transport
    return transport


def enqueue(
    session: Session,
    key: str,
    channel: str,
    recipient: str,
    payload: dict,
    due_at: datetime,
    expires_at: datetime | None,
    urgency: str = "normal",
    subscription_id: str | None = None,
    alert_id: str | None = None,
    *,
    now: datetime,
) -> bool:
    """Add a message to the outbox in the caller's transaction; True if new, False if the key exists."""

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
            due_at=due_at,
            expires_at=expires_at,
            attempts=0,
            next_attempt_at=due_at,
            status="pending",
            alert_id=alert_id,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Notification.__table__.c.id)
    )
    return session.execute(stmt).first() is not None  # rowcount is -1 on psycopg here


def claim(session: Session, now: datetime, limit: int = CLAIM_BATCH) -> list[str]:
    """Mark due rows ``claimed`` (skipping rows another replica holds); drop expired ones.

    Returns the ids to send once this transaction has committed.
    """
    due = or_(
        and_(Notification.status == "pending", Notification.next_attempt_at <= now),
        and_(Notification.status == "claimed", Notification.claimed_at <= now - STALE_CLAIM),
    )
    stmt = (
        select(Notification.id, Notification.expires_at)
        .where(Notification.sent_at.is_(None), due)
        .order_by(Notification.next_attempt_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = session.execute(stmt).all()
    expired = [row.id for row in rows if row.expires_at is not None and row.expires_at <= now]
    claimed = [row.id for row in rows if row.id not in set(expired)]
    if expired:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(expired))
            .values(status="dropped", last_error="expired before it could be sent", claimed_at=None)
        )
    if claimed:
        session.execute(
            update(Notification).where(Notification.id.in_(claimed)).values(status="claimed", claimed_at=now)
        )
    return claimed


def _push_message(row: Notification, sub: PushSubscription, now: datetime) -> PushMessage:
    """Build the Web Push message of a claimed row; TTL until the message's useful end."""
    until = datetime.fromisoformat(row.payload["ttl_until"]) if row.payload.get("ttl_until") else None
    ttl = int((until - now).total_seconds()) if until else 24 * 3600
    return PushMessage(
        endpoint=sub.endpoint,
        p256dh=sub.p256dh,
        auth=sub.auth,
        payload=row.payload["message"],
        ttl_seconds=max(ttl, 60),
        urgency=row.urgency,
        topic=row.payload.get("topic"),
    )


def _email_result(transport: Transport, row: Notification) -> PushResult:
    """Send one e-mail row; express the outcome as a PushResult so both channels share bookkeeping."""
    import time

    started = time.perf_counter()
    fields: dict[str, Any] = {"gone": False, "retry_after_seconds": None, "config_error": False}
    if transport.smtp is None:
        return PushResult(
            None,
            False,
            retryable=False,
            error="SMTP_URL is not configured",
            duration_ms=0,
            **{**fields, "config_error": True},
        )
    mail = row.payload
    try:
        transport.smtp.send(mail["to"], mail["subject"], mail["body"], message_id=mail.get("message_id"))
    except EmailError as exc:
        ms = (time.perf_counter() - started) * 1000
        return PushResult(
            exc.smtp_code, False, retryable=exc.retryable, error=str(exc), duration_ms=ms, **fields
        )
    ms = (time.perf_counter() - started) * 1000
    return PushResult(250, True, retryable=False, error=None, duration_ms=ms, **fields)


def send_claimed(
    session_factory: Callable[[], Any], transport: Transport, ids: list[str], now: datetime
) -> int:
    """Send the claimed rows ``ids`` (outside any transaction) and record the outcomes.

    ``session_factory`` is a context manager factory (``db.session_scope``). Returns how many
    messages went out.
    """
    if not ids:
        return 0
    # Core rows, not ORM objects: this is the hot path of a busy minute.
    notifications, subscriptions = Notification.__table__, PushSubscription.__table__
    with session_factory() as session:
        rows = session.execute(select(notifications).where(notifications.c.id.in_(ids))).all()
        wanted = {r.subscription_id for r in rows if r.subscription_id}
        subs = {
            sub.id: sub
            for sub in session.execute(select(subscriptions).where(subscriptions.c.id.in_(wanted))).all()
        }
    pushes: list[tuple[Notification, PushMessage]] = []
    outcomes: list[tuple[Notification, PushResult | None, str | None]] = []
    for row in rows:
        if row.status != "claimed":
            continue
        if row.channel == "webpush":
            sub = subs.get(row.subscription_id or "")
            if sub is None or sub.disabled_at is not None:
                outcomes.append((row, None, "subscription disabled"))
                continue
            pushes.append((row, _push_message(row, sub, now)))
        else:
            outcomes.append((row, _email_result(transport, row), None))
    if pushes:
        results = transport.push.send_many([m for _, m in pushes], max_workers=transport.max_workers)
        outcomes.extend((row, result, None) for (row, _), result in zip(pushes, results, strict=True))
    with session_factory() as session:
        return _record(session, outcomes, now)


def drain(
    session_factory: Callable[[], Any],
    transport: Transport,
    ids: list[str],
    now: datetime,
    budget_seconds: float = DRAIN_BUDGET_SECONDS,
) -> int:
    """Send ``ids``, then keep claiming (short transactions) and sending while rows are due.

    Bounded by ``budget_seconds`` so a busy minute's backlog does not hold the tick forever; what
    is left is claimed by the next tick.
    """
    import time

    deadline = time.monotonic() + budget_seconds
    sent = send_claimed(session_factory, transport, ids, now)
    while len(ids) >= CLAIM_BATCH and time.monotonic() < deadline:
        with session_factory() as session:
            ids = claim(session, now)
        sent += send_claimed(session_factory, transport, ids, now)
    return sent


def _record(
    session: Session, outcomes: list[tuple[Notification, PushResult | None, str | None]], now: datetime
) -> int:
    """Write one DeliveryAttempt per try and move each row to its next status (batched statements)."""
    sent = 0
    attempts: list[dict[str, Any]] = []
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    successes: list[dict[str, Any]] = []
    gone: list[dict[str, Any]] = []
    for row, result, dropped in outcomes:
        if result is None:
            values: dict[str, Any] = {"status": "dropped", "last_error": dropped, "claimed_at": None}
        else:
            tries = row.attempts + 1
            attempts.append(
                {
                    "notification_id": row.id,
                    "attempted_at": now,
                    "status_code": result.status,
                    "outcome": _outcome(result),
                    "error": result.error,
                    "duration_ms": int(result.duration_ms),
                }
            )
            values = {"attempts": tries, "claimed_at": None, "last_error": result.error}
            if result.ok:
                values.update(status="sent", sent_at=now)
                sent += 1
            elif result.retryable and tries < MAX_ATTEMPTS:
                delay = backoff_seconds(tries, result.retry_after_seconds)
                values.update(status="pending", next_attempt_at=now + timedelta(seconds=delay))
            else:
                values.update(status="failed")
            if row.subscription_id and result.ok:
                successes.append({"id": row.subscription_id, "last_success_at": now})
            elif row.subscription_id and (result.gone or result.refused):
                reason = result.error if result.refused else f"push service answered {result.status}"
                gone.append({"id": row.subscription_id, "disabled_at": now, "disabled_reason": reason[:200]})
        by_shape.setdefault(tuple(sorted(values)), []).append({"id": row.id, **values})
    # ORM bulk UPDATE by primary key: one executemany per shape instead of a statement per row.
    for params in by_shape.values():
        session.execute(update(Notification), params)
    for params in (successes, gone):
        if params:
            unique = list({p["id"]: p for p in params}.values())
            session.execute(update(PushSubscription), unique)
    if attempts:
        session.execute(DeliveryAttempt.__table__.insert(), attempts)
    return sent


def _outcome(result: PushResult) -> str:
    """A short word for the attempt log."""
    if result.ok:
        return "sent"
    if result.gone:
        return "gone"
    if result.refused:
        return "refused"
    if result.config_error:
        return "config_error"
    return "retry" if result.retryable else "failed"
