"""Urgent notices leave at once, urgent first, and a crash re-sends at most what was in flight.

The deliverer is the one of ``scheduler run`` (:class:`backend.scheduler.process.Service`), run
in this process with a tick interval of an hour, so anything sent within seconds was sent because
the commit that queued it woke the deliverer, not because a tick came.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from backend import clock
from backend.db import db
from backend.models import Alert, DeliveryAttempt, Notification, SchedulerHeartbeat
from backend.scheduler.process import Service
from backend.services import delivery, outbox
from tests.scheduler.conftest import rows, subscribe


def _fever(client, world, who="p1"):  # type: ignore[no-untyped-def]
    body = {"client_id": str(uuid.uuid4()), "answers": {"fever_chills_presence": 1}, "temperature_c": 38.3}
    r = client.post("/api/v1/me/symptom-reports", json=body, headers=world.headers(who))
    assert r.status_code == 201, r.json
    [alert] = r.json["alerts"]
    assert alert["severity"] == "urgent"
    return alert


def _wait(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _first_tick_done(app) -> bool:  # type: ignore[no-untyped-def]
    with app.app_context(), db.session_scope() as session:
        return session.get(SchedulerHeartbeat, "scheduler") is not None


def _tag(payload: dict) -> str:
    """The notification tag the service worker (sw.js) derives from a payload."""
    return f"{payload['kind']}:{payload['id']}"


def test_urgent_push_is_sent_within_seconds_not_at_the_next_tick(
    app, client, world, push_endpoint, smtp_sink, transport
):
    subscribe(client, world, "coordinator_a", push_endpoint, "/push/coord-a", staff=True)
    subscribe(client, world, "investigator_a", push_endpoint, "/push/inv-a", staff=True)
    service = Service(app, interval_seconds=3600).start()
    try:
        _wait(lambda: _first_tick_done(app))
        started = time.monotonic()
        alert = _fever(client, world)
        received = push_endpoint.wait_for(2, timeout=5.0)
        elapsed = time.monotonic() - started
        assert elapsed < 5.0
        assert {r.path for r in received} == {"/push/coord-a", "/push/inv-a"}
        assert all(r.payload["kind"] == "alert" and r.payload["id"] == alert["id"] for r in received)
        assert all(r.headers["urgency"] == "high" and r.vapid_ok for r in received)
        [mail] = smtp_sink.wait_for(1, timeout=5.0)
        assert mail.message_id == f"<alert-{alert['id']}-alerts-a@site.example.org>"
    finally:
        service.stop()
    notices = rows(app, Notification, Notification.alert_id == alert["id"])
    assert sorted(n.status for n in notices) == ["sent", "sent", "sent"]
    attempts = rows(app, DeliveryAttempt)
    assert sorted(a.outcome for a in attempts) == ["sent", "sent", "sent"]
    assert all(a.finished_at is not None and a.finished_at >= a.attempted_at for a in attempts)
    assert len(push_endpoint.received) == 2


def test_queued_while_the_scheduler_is_down_is_sent_once_when_it_starts(
    app, client, world, push_endpoint, transport
):
    subscribe(client, world, "coordinator_a", push_endpoint, "/push/coord-a", staff=True)
    alert = _fever(client, world)  # no scheduler running: queued, nothing leaves
    time.sleep(1.0)
    assert push_endpoint.arrived == 0
    service = Service(app, interval_seconds=3600).start()
    try:
        push_endpoint.wait_for(1, timeout=5.0)
        time.sleep(1.5)  # several polls later: still once
    finally:
        service.stop()
    assert [r.payload["id"] for r in push_endpoint.received] == [alert["id"]]


def test_urgent_pushes_leave_before_emails_and_reminders(
    app, client, world, push_endpoint, smtp_sink, transport
):
    subscribe(client, world, "coordinator_a", push_endpoint, "/push/coord-a", staff=True)
    now = clock.now()
    with app.app_context(), db.session_scope() as session:
        for n in range(30):  # a busy minute: reminders and e-mails queued before the alert
            outbox.enqueue(
                session,
                f"bulk-mail:{n}",
                "email",
                "x@example.org",
                {"to": ["x@example.org"], "subject": "s", "body": "b", "message_id": f"bulk-{n}"},
                now - timedelta(seconds=30),
                None,
                now=now,
            )
    alert = _fever(client, world)
    transport.max_workers = 1  # one at a time, so the order is the order of leaving
    with app.app_context():
        delivery.deliver_due(db.session_scope, transport)
    attempts = rows(app, DeliveryAttempt)
    by_id = {n.id: n for n in rows(app, Notification)}
    first = by_id[min(attempts, key=lambda a: a.id).notification_id]
    assert (first.channel, first.alert_id, first.priority) == ("webpush", alert["id"], outbox.URGENT_PUSH)
    second = by_id[sorted(attempts, key=lambda a: a.id)[1].notification_id]
    assert (second.channel, second.alert_id) == ("email", alert["id"])
    assert len(smtp_sink.wait_for(31)) == 31


def _claim_in_child(app, transport) -> int:  # type: ignore[no-untyped-def]
    """Fork a deliverer (a real process, killable with SIGKILL) that claims and sends what is due."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child is killed
        try:
            db.engine.dispose(close=False)
            with app.app_context():
                delivery.deliver_due(db.session_scope, transport)
        finally:
            os._exit(0)
    return pid


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_scheduler_killed_mid_send_loses_nothing_and_the_person_sees_it_once(
    app, client, world, push_endpoint, smtp_sink, transport
):
    subscribe(client, world, "coordinator_a", push_endpoint, "/push/coord-a", staff=True)
    alert = _fever(client, world)
    transport.max_workers = 1  # the urgent push leaves first; the site e-mail waits its turn, claimed
    push_endpoint.delay = 30.0  # the push service holds the request: the sender is mid-flight
    pid = _claim_in_child(app, transport)
    push_endpoint.wait_for_arrivals(1, timeout=10.0)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    push_endpoint.delay = 0.0
    [notice] = rows(app, Notification, Notification.channel == "webpush")
    [attempt] = rows(app, DeliveryAttempt, DeliveryAttempt.notification_id == notice.id)
    assert (notice.status, attempt.outcome, attempt.finished_at) == ("sending", "started", None)
    # A new deliverer leaves it alone while the dead one's lease runs, then re-sends it once.
    with app.app_context():
        assert delivery.deliver_due(db.session_scope, transport) == 0
        with time_machine.travel(clock.now() + outbox.IN_FLIGHT_LEASE + timedelta(seconds=1), tick=False):
            assert delivery.deliver_due(db.session_scope, transport) == 2  # the push and the e-mail
            assert delivery.deliver_due(db.session_scope, transport) == 0
    received = push_endpoint.wait_for(2, timeout=40.0)
    assert len(received) == 2  # the in-flight one, re-sent once: both reached the push service
    assert {_tag(r.payload) for r in received} == {f"alert:{alert['id']}"}  # one notification shown
    attempts = sorted(
        rows(app, DeliveryAttempt, DeliveryAttempt.notification_id == notice.id), key=lambda a: a.id
    )
    assert [(a.outcome, a.attempt) for a in attempts] == [("unknown", 1), ("sent", 2)]
    assert {n.status for n in rows(app, Notification)} == {"sent"}
    # The e-mail had been claimed but had not left: sent once, one attempt.
    [mail] = smtp_sink.wait_for(1)
    [email] = rows(app, Notification, Notification.channel == "email")
    [email_attempt] = rows(app, DeliveryAttempt, DeliveryAttempt.notification_id == email.id)
    assert (email_attempt.outcome, email_attempt.attempt) == ("sent", 1)
    assert len(smtp_sink.messages) == 1
    with app.app_context(), db.session_scope() as session:
        assert session.scalar(select(Alert.id)) == alert["id"]


def test_outcomes_are_recorded_per_message_as_each_returns(app, client, world, push_endpoint, transport):
    for who in ("coordinator_a", "investigator_a"):
        subscribe(client, world, who, push_endpoint, f"/push/{who}", staff=True)
    push_endpoint.script("/push/investigator_a", [503])
    _fever(client, world)
    with app.app_context():
        delivery.deliver_due(db.session_scope, transport)
    attempts = rows(app, DeliveryAttempt)
    assert sorted(a.outcome for a in attempts) == ["retry", "sent", "sent"]  # two pushes, one e-mail
    assert all(a.finished_at is not None and a.attempt == 1 for a in attempts)
    retry = next(n for n in rows(app, Notification) if n.status == "pending")
    assert retry.recipient == world.staff["investigator_a"] and retry.attempts == 1
