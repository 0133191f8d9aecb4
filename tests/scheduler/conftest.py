"""Scheduler test helpers: a real local push service, an SMTP sink, ticks as of an instant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine

from backend.db import db
from backend.notify.email import SmtpSender
from backend.notify.vapid import generate_keys
from backend.notify.webpush import WebPushSender
from backend.scheduler.runner import TickResult, run_all
from backend.services.outbox import Transport
from tests.support.push_endpoint import PushEndpoint
from tests.support.smtp_server import SmtpSink

SUBJECT = "mailto:ops@dosing-diary.example.org"


@pytest.fixture
def push_endpoint() -> Iterator[PushEndpoint]:
    """A local push service that decrypts payloads and verifies VAPID."""
    with PushEndpoint() as endpoint:
        yield endpoint


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A local SMTP server collecting the site's e-mails."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def transport(app, smtp_sink) -> Transport:  # type: ignore[no-untyped-def]
    """The app's delivery transport, with fresh VAPID keys and the SMTP sink."""
    keys = generate_keys()
    sender = WebPushSender(keys, SUBJECT, timeout=5.0, endpoints=app.config["SETTINGS"].push_endpoints)
    t = Transport(push=sender, smtp=SmtpSender.from_url(smtp_sink.url))
    app.extensions["delivery_transport"] = t
    return t


def tick(app, now: datetime) -> TickResult:  # type: ignore[no-untyped-def]
    """Run every job as of ``now`` with the clock at ``now``; fail the test on a job error."""
    with time_machine.travel(now, tick=False):
        result = run_all(app, now)
    assert not result.errors, result.errors
    return result


def subscribe(client, world, who: str, endpoint: PushEndpoint, path: str, staff: bool = False) -> str:  # type: ignore[no-untyped-def]
    """Register ``who``'s browser subscription at ``endpoint`` + ``path`` through the API."""
    url = "/api/v1/staff/me/push-subscriptions" if staff else "/api/v1/me/push-subscriptions"
    r = client.post(url, json=endpoint.subscription(path), headers=world.headers(who))
    assert r.status_code == 201, r.json
    return r.json["id"]


def rows(app, model, *where):  # type: ignore[no-untyped-def]
    """All rows of ``model`` (optionally filtered), read in a fresh session."""
    from sqlalchemy import select

    with app.app_context(), db.session_scope() as session:
        return list(session.scalars(select(model).where(*where)))
