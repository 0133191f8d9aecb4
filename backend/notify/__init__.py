"""Delivery channels: Web Push (VAPID, pywebpush) and e-mail (smtplib).

No database and no Flask here: these modules make one delivery attempt and classify its outcome.
The outbox decides what to send, when to retry and what to record.
"""

from backend.notify.email import EmailError, SmtpSender
from backend.notify.vapid import VapidKeys, generate_keys, load_or_create, write_keys
from backend.notify.webpush import (
    MAX_ATTEMPTS,
    PushMessage,
    PushResult,
    WebPushSender,
    backoff_seconds,
)

__all__ = [
    "MAX_ATTEMPTS",
    "EmailError",
    "PushMessage",
    "PushResult",
    "SmtpSender",
    "VapidKeys",
    "WebPushSender",
    "backoff_seconds",
    "generate_keys",
    "load_or_create",
    "write_keys",
]
