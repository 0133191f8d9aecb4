"""Sending the outbox's claimed messages, one recorded attempt per message.

For each message, in its own short transactions: (1) the row moves ``claimed`` -> ``sending``
(only for the claim token that claimed it) and a ``delivery_attempts`` row ``started`` is
inserted, committed; (2) the message leaves (push or SMTP); (3) the attempt's outcome and the
row's next state are committed at once. A crash therefore duplicates at most the messages that
were between (1) and (3); those come back after the in-flight lease with the same push ``tag``
(the notification id, so the service worker replaces rather than adds) and the same e-mail
``Message-ID``. Messages go to a thread pool in priority order, so urgent pushes leave first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from backend import clock
from backend.models import DeliveryAttempt, Notification, NotificationStatus, PushSubscription
from backend.notify.email import EmailError
from backend.notify.transport import PUSH_WORKERS, Transport  # noqa: F401 - re-exported
from backend.notify.webpush import MAX_ATTEMPTS, PushMessage, PushResult, backoff_seconds

log = logging.getLogger(__name__)

DRAIN_BUDGET_SECONDS = 40.0
SessionFactory = Callable[[], Any]


def _push_message(row: Any, sub: Any, wall: datetime) -> PushMessage:
    """The Web Push message of a row; TTL until the message's useful end."""
    until = datetime.fromisoformat(row.payload["ttl_until"]) if row.payload.get("ttl_until") else None
    ttl = int((until - wall).total_seconds()) if until else 24 * 3600
    return PushMessage(
        endpoint=sub.endpoint,
        p256dh=sub.p256dh,
        auth=sub.auth,
        payload=row.payload["message"],
        ttl_seconds=max(ttl, 60),
        urgency=row.urgency,
        topic=row.payload.get("topic"),
    )


def _send_email(transport: Transport, row: Any) -> PushResult:
    """Send one e-mail row (its stored Message-ID, so a re-send is the same message to the reader)."""
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


def _start(session_factory: SessionFactory, row: Any, token: str) -> tuple[int, int] | None:
    """Commit ``sending`` and a ``started`` attempt; None if this claim no longer owns the row."""
    from backend.services.outbox import IN_FLIGHT_LEASE

    wall = clock.now()
    tries = row.attempts + 1
    with session_factory() as session:
        moved = session.execute(
            update(Notification)
            .where(
                Notification.id == row.id,
                Notification.status == NotificationStatus.CLAIMED,
                Notification.claim_token == token,
            )
            .values(status=NotificationStatus.SENDING, attempts=tries, lease_until=wall + IN_FLIGHT_LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not moved:
            return None
        attempt_id = session.execute(
            insert(DeliveryAttempt)
            .values(notification_id=row.id, attempted_at=wall, attempt=tries, outcome="started")
            .returning(DeliveryAttempt.id)
        ).scalar_one()
    return attempt_id, tries


def _finish(
    session_factory: SessionFactory, row: Any, token: str, attempt_id: int, tries: int, result: PushResult
) -> bool:
    """Commit the attempt's outcome and the row's next state together, right after it returned."""
    wall = clock.now()
    values: dict[str, Any] = {"claim_token": None, "lease_until": None, "last_error": result.error}
    if result.ok:
        values.update(status=NotificationStatus.SENT, sent_at=wall)
    elif result.retryable and tries < MAX_ATTEMPTS:
        delay = backoff_seconds(tries, result.retry_after_seconds)
        values.update(status=NotificationStatus.PENDING, next_attempt_at=wall + timedelta(seconds=delay))
    else:
        values.update(status=NotificationStatus.FAILED)
    with session_factory() as session:
        session.execute(
            update(DeliveryAttempt)
            .where(DeliveryAttempt.id == attempt_id)
            .values(
                outcome=_outcome(result),
                status_code=result.status,
                error=result.error,
                duration_ms=int(result.duration_ms),
                finished_at=wall,
            )
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Notification)
            .where(
                Notification.id == row.id,
                Notification.status == NotificationStatus.SENDING,
                Notification.claim_token == token,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if row.subscription_id and (result.ok or result.gone or result.refused):
            # Refused: the endpoint failed the push-service allow list at send time (nothing left).
            reason = (result.error or "") if result.refused else f"push service answered {result.status}"
            change = (
                {"last_success_at": wall}
                if result.ok
                else {"disabled_at": wall, "disabled_reason": reason[:200]}
            )
            session.execute(
                update(PushSubscription)
                .where(PushSubscription.id == row.subscription_id)
                .values(**change)
                .execution_options(synchronize_session=False)
            )
    return result.ok


def _drop(session_factory: SessionFactory, row: Any, token: str, reason: str) -> None:
    """A message that cannot leave (its subscription is disabled): dropped, with the reason."""
    with session_factory() as session:
        session.execute(
            update(Notification)
            .where(Notification.id == row.id, Notification.claim_token == token)
            .values(status=NotificationStatus.DROPPED, last_error=reason, claim_token=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


def _deliver_one(
    session_factory: SessionFactory, transport: Transport, row: Any, sub: Any, token: str
) -> bool:
    """Start, send and finish one message; True if it went out."""
    if row.channel == "webpush" and (sub is None or sub.disabled_at is not None):
        _drop(session_factory, row, token, "subscription disabled")
        return False
    started = _start(session_factory, row, token)
    if started is None:
        return False
    attempt_id, tries = started
    if row.channel == "webpush":
        result = _send_push(transport, _push_message(row, sub, clock.now()))
    else:
        result = _send_email(transport, row)
    return _finish(session_factory, row, token, attempt_id, tries, result)


def _send_push(transport: Transport, message: PushMessage) -> PushResult:
    """One push attempt; a message the sender refuses before any I/O is a configuration error."""
    try:
        return transport.push.send(message)
    except ValueError as exc:
        return PushResult(
            None,
            False,
            gone=False,
            retry_after_seconds=None,
            retryable=False,
            config_error=True,
            error=f"refused before sending: {exc}",
            duration_ms=0,
        )


def send_claimed(
    session_factory: SessionFactory, transport: Transport, claim: Any, now: datetime | None = None
) -> int:
    """Send the rows of ``claim`` (an :class:`~backend.services.outbox.Claim`), urgent first.

    ``session_factory`` is a context manager factory (``db.session_scope``). Returns how many
    messages went out. ``now`` is accepted for callers that pass the tick's instant; records
    carry the wall clock.
    """
    if not claim:
        return 0
    notifications, subscriptions = Notification.__table__, PushSubscription.__table__
    with session_factory() as session:
        rows = session.execute(
            select(notifications)
            .where(notifications.c.id.in_(list(claim)), notifications.c.claim_token == claim.token)
            .order_by(notifications.c.priority, notifications.c.next_attempt_at)
        ).all()
        wanted = {r.subscription_id for r in rows if r.subscription_id}
        subs = {
            s.id: s
            for s in session.execute(select(subscriptions).where(subscriptions.c.id.in_(wanted))).all()
        }
    rows = [r for r in rows if r.status == NotificationStatus.CLAIMED]
    if not rows:
        return 0
    workers = max(1, min(transport.max_workers, len(rows)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(
                _deliver_one, session_factory, transport, row, subs.get(row.subscription_id), claim.token
            )
            for row in rows
        ]
        sent = 0
        for future in futures:
            try:
                sent += bool(future.result())
            except Exception:  # noqa: BLE001 - one message's failure (e.g. database down) is logged
                log.exception("delivery of one message failed; its lease brings it back")
    return sent


def deliver_due(
    session_factory: SessionFactory,
    transport: Transport,
    now: Callable[[], datetime] = clock.now,
    batch: int | None = None,
    budget_seconds: float = DRAIN_BUDGET_SECONDS,
) -> int:
    """Claim and send small batches (urgent first, re-sorted every batch) until nothing is due.

    Small batches keep an urgent push from waiting behind a large reminder minute: at most one
    batch is ahead of it. Bounded by ``budget_seconds``; the rest waits for the next wake.
    """
    from backend.services.outbox import claim

    batch = batch or 2 * transport.max_workers
    deadline = time.monotonic() + budget_seconds
    sent = 0
    while time.monotonic() < deadline:
        with session_factory() as session:
            ids = claim(session, now(), limit=batch)
        if not ids:
            break
        sent += send_claimed(session_factory, transport, ids)
    return sent


def drain(
    session_factory: SessionFactory,
    transport: Transport,
    ids: Any,
    now: datetime,
    budget_seconds: float = DRAIN_BUDGET_SECONDS,
) -> int:
    """Send the claimed ``ids``, then keep claiming and sending as of ``now`` while rows are due."""
    sent = send_claimed(session_factory, transport, ids)
    return sent + deliver_due(session_factory, transport, lambda: now, budget_seconds=budget_seconds)


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
