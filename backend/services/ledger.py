"""The delivery ledger: what happened to every notice of an alert and every reminder of a participant.

Read-only views over the outbox (``notifications``), its attempt log (``delivery_attempts``) and
the planned reminders, for the site: per notice its states and times (queued, each attempt with
its start, finish and outcome, sent, failed with the reason, given up, shown, opened); per
reminder whether it was planned, sent, skipped (and why), dropped after the cut-off, or failed.
Receipts come from the recipient's service worker (:func:`record_receipt`).
"""

from __future__ import annotations

import hmac
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from backend.models import (
    DeliveryAttempt,
    Notification,
    NotificationStatus,
    PushSubscription,
    Reminder,
    ReminderStatus,
    StaffUser,
)
from backend.services.actors import Actor
from backend.services.alert_queue import get_alert
from backend.services.errors import NotFound
from backend.services.scope import get_participant

REMINDER_KINDS = ("dose", "bp")
RECEIPT_COLUMNS = {"shown": "shown_at", "clicked": "clicked_at"}
_KEY_PREFIX = {"alert": "alert", "escalation": "escalation"}


def _attempts(session: Session, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    if not ids:
        return found
    for a in session.scalars(
        select(DeliveryAttempt).where(DeliveryAttempt.notification_id.in_(ids)).order_by(DeliveryAttempt.id)
    ):
        found.setdefault(a.notification_id, []).append(
            {
                "attempt": a.attempt,
                "started_at": a.attempted_at,
                "finished_at": a.finished_at,
                "outcome": a.outcome,
                "status_code": a.status_code,
                "error": a.error,
            }
        )
    return found


def _state(n: Notification) -> str:
    """One word for a notice: queued, sending, sent, retrying, failed, given_up, dropped, opened."""
    if n.clicked_at is not None:
        return "opened"
    if n.status == NotificationStatus.SENT:
        return "sent"
    if n.status == NotificationStatus.PENDING:
        return "retrying" if n.attempts else "queued"
    if n.status == NotificationStatus.FAILED:
        return "given_up" if n.attempts > 1 else "failed"
    return n.status  # claimed, sending, dropped


def notice_view(n: Notification, attempts: list[dict[str, Any]], label: str | None) -> dict[str, Any]:
    """One notice as the ledger shows it."""
    return {
        "id": n.id,
        "channel": n.channel,
        "kind": n.idempotency_key.split(":", 1)[0],
        "recipient": n.recipient if n.channel == "email" else label or n.recipient,
        "state": _state(n),
        "status": n.status,
        "urgency": n.urgency,
        "queued_at": n.created_at,
        "due_at": n.due_at,
        "sent_at": n.sent_at,
        "shown_at": n.shown_at,
        "clicked_at": n.clicked_at,
        "attempts": n.attempts,
        "next_attempt_at": n.next_attempt_at if n.status == NotificationStatus.PENDING else None,
        "last_error": n.last_error,
        "history": attempts,
    }


def alert_ledger(session: Session, actor: Actor, alert_id: str) -> dict[str, Any]:
    """Every notice of one alert (e-mail per address, push per staff device), oldest first."""
    alert = get_alert(session, actor, alert_id)
    notices = list(
        session.scalars(
            select(Notification)
            .where(Notification.alert_id == alert.id)
            .order_by(Notification.created_at, Notification.channel, Notification.recipient)
        )
    )
    names = dict(
        session.execute(
            select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_({n.recipient for n in notices}))
        ).all()
    )
    devices = dict(
        session.execute(
            select(PushSubscription.id, PushSubscription.user_agent).where(
                PushSubscription.id.in_({n.subscription_id for n in notices if n.subscription_id})
            )
        ).all()
    )
    attempts = _attempts(session, [n.id for n in notices])
    rows = []
    for n in notices:
        view = notice_view(n, attempts.get(n.id, []), names.get(n.recipient))
        view["device"] = devices.get(n.subscription_id) if n.subscription_id else None
        rows.append(view)
    return {"alert_id": alert.id, "severity": alert.severity, "opened_at": alert.opened_at, "notices": rows}


def _reminder_state(r: Reminder, notices: list[Notification]) -> tuple[str, str | None]:
    """planned, queued, sent, opened, skipped, dropped or failed, and the reason where there is one."""
    if r.status == ReminderStatus.PENDING:
        return "planned", None
    if r.status == ReminderStatus.CANCELLED:
        return "skipped", r.status_reason
    if r.status == ReminderStatus.UNSUBSCRIBED:
        return "skipped", "no push subscription"
    if r.status == ReminderStatus.DROPPED:
        return "dropped", r.status_reason or "past the make-up cut-off"
    states = {_state(n) for n in notices}
    if "opened" in states:
        return "opened", None
    if "sent" in states:
        return "sent", None
    if notices and states <= {"failed", "given_up", "dropped"}:
        return "failed", "; ".join(sorted({n.last_error or n.status for n in notices}))
    return "queued", None


def participant_reminders(
    session: Session, actor: Actor, participant_id: str, *, start: date, end: date
) -> dict[str, Any]:
    """A participant's reminders between two local dates, each with its notices."""
    participant = get_participant(session, actor, participant_id)
    if actor.kind == "device":
        raise NotFound("participant not found")
    reminders = list(
        session.scalars(
            select(Reminder)
            .where(
                Reminder.participant_id == participant.id,
                Reminder.kind.in_(REMINDER_KINDS),
                Reminder.local_date >= start,
                Reminder.local_date <= end,
            )
            .order_by(Reminder.due_at, Reminder.kind)
        )
    )
    by_reminder: dict[str, list[Notification]] = {}
    for n in session.scalars(
        select(Notification).where(
            Notification.recipient == participant.id,
            Notification.alert_id.is_(None),
            Notification.idempotency_key.like("reminder:%"),
        )
    ):
        by_reminder.setdefault(n.idempotency_key.split(":")[1], []).append(n)
    attempts = _attempts(session, [n.id for ns in by_reminder.values() for n in ns])
    rows = []
    for r in reminders:
        notices = by_reminder.get(r.id, [])
        state, reason = _reminder_state(r, notices)
        rows.append(
            {
                "id": r.id,
                "kind": r.kind,
                "sequence": r.sequence,
                "local_date": r.local_date,
                "due_at": r.due_at,
                "expires_at": r.expires_at,
                "state": state,
                "reason": reason,
                "notices": [notice_view(n, attempts.get(n.id, []), None) for n in notices],
            }
        )
    return {"participant_id": participant.id, "reminders": rows}


def _receipt_key(kind: str, message_id: str, subscription_id: str) -> str | None:
    if kind in ("dose_reminder", "dose_followup", "bp_reminder"):
        return f"reminder:{message_id}:{subscription_id}"
    if kind in _KEY_PREFIX:
        return f"{_KEY_PREFIX[kind]}:{message_id}:push:{subscription_id}"
    return None


def record_receipt(
    session: Session, *, endpoint: str, auth: str, kind: str, message_id: str, event: str, now: datetime
) -> bool:
    """Record that a push was shown or clicked, once (the first instant is kept).

    The service worker proves it is the recipient with its subscription's endpoint and auth
    secret (known to the browser and this server only, not to the push service): a receipt can
    only mark a notification sent to that subscription. Unknown or foreign: NotFound.
    Returns True if this receipt was new.
    """
    sub = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if sub is None or not hmac.compare_digest(sub.auth.encode(), auth.encode()):
        raise NotFound("notification not found")
    key = _receipt_key(kind, message_id, sub.id)
    notice = session.scalar(select(Notification).where(Notification.idempotency_key == key)) if key else None
    if notice is None or notice.subscription_id != sub.id:
        raise NotFound("notification not found")
    column = getattr(Notification, RECEIPT_COLUMNS[event])
    values: dict[str, Any] = {RECEIPT_COLUMNS[event]: now}
    result = session.execute(
        update(Notification)
        .where(Notification.id == notice.id, column.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    changed = cast("CursorResult[Any]", result).rowcount  # an UPDATE's result is a cursor's
    if event == "clicked":  # a click implies it was shown (some browsers skip the shown report)
        session.execute(
            update(Notification)
            .where(Notification.id == notice.id, Notification.shown_at.is_(None))
            .values(shown_at=now)
            .execution_options(synchronize_session=False)
        )
    return bool(changed)
