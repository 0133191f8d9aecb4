"""Push subscriptions, the notification outbox, its delivery attempts and reminder rows."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, JSONType, UTCDateTime, new_id


class NotificationStatus(StrEnum):
    """An outbox row's state: waiting, taken by a deliverer, in flight, and how it ended."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"  # expired (or undeliverable) before it could be sent


class ReminderStatus(StrEnum):
    """A planned reminder's state (``done``: a day marker, never sent)."""

    PENDING = "pending"
    QUEUED = "queued"  # handed to the outbox
    UNSUBSCRIBED = "unsubscribed"  # nowhere to send it
    CANCELLED = "cancelled"  # no longer in the calendar, or the day was logged
    DROPPED = "dropped"  # past its useful life before it could be sent
    DONE = "done"


class PushSubscription(Base):
    """A browser's Web Push subscription, owned by a participant or a staff user."""

    __tablename__ = "push_subscriptions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    participant_id: Mapped[str | None] = mapped_column(ForeignKey("participants.id"), index=True)
    staff_user_id: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_reason: Mapped[str | None] = mapped_column(String(200))


class Notification(Base):
    """One message in the outbox: written with its cause, sent after commit, once per key."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_pending", "sent_at", "next_attempt_at"),
        Index("ix_notifications_due", "status", "priority", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(300))
    subscription_id: Mapped[str | None] = mapped_column(ForeignKey("push_subscriptions.id"))
    payload: Mapped[dict] = mapped_column(JSONType)
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default=NotificationStatus.PENDING)
    # 0 urgent push, 1 urgent e-mail, 2 other alert notices, 3 reminders (outbox.priority_of).
    priority: Mapped[int] = mapped_column(SmallInteger, default=3, server_default="3")
    # Wall-clock instant after which another deliverer may take a claimed or in-flight row over.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    # Receipts from the service worker (push only): when the notification was shown, and tapped.
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    alert_id: Mapped[str | None] = mapped_column(ForeignKey("alerts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeliveryAttempt(Base):
    """Every try to deliver a notification: written as ``started`` before it leaves, finished after.

    ``outcome`` is ``started`` while in flight, ``unknown`` when its sender died before recording
    what happened (the message was re-sent), else ``sent``, ``retry``, ``failed``, ``gone`` or
    ``config_error``.
    """

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[str] = mapped_column(ForeignKey("notifications.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempt: Mapped[int | None] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)


class Reminder(Base):
    """A planned reminder, derived from the calendar; the unique key makes it once-only."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("participant_id", "kind", "local_date", "sequence"),
        Index("ix_reminders_due", "status", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    local_date: Mapped[date] = mapped_column(Date())
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default=ReminderStatus.PENDING)
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
