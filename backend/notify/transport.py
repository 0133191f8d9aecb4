"""How messages leave the process: the VAPID-signing push sender and the SMTP sender, built once per app."""

from __future__ import annotations

import os
from dataclasses import dataclass

from flask import Flask

from backend.notify import vapid
from backend.notify.email import SmtpSender
from backend.notify.webpush import WebPushSender

# Push sending is I/O plus ECDH/AES work under the GIL: more threads than ~2 per core only add
# switching (measured in bench/scheduler_scale.py), so the pool is bounded by the machine.
PUSH_WORKERS = min(8, 2 * (os.cpu_count() or 1))


@dataclass
class Transport:
    """The push sender, the SMTP sender (None when no SMTP URL is set), and the sending pool's size."""

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
