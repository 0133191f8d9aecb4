"""Reminders end to end over real Web Push, and exactly-once delivery under faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from backend import clock
from backend.db import db
from backend.models import DeliveryAttempt, Notification, PushSubscription, Reminder
from backend.services import outbox
from tests.factories import build_world
from tests.scheduler.conftest import rows, subscribe, tick

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Shanghai 20:00 on 11-23 (p1's cycle 1 day 1)
DUE = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # p1's 08:00 Shanghai reminder on 11-24
FOLLOWUP = DUE + timedelta(hours=3)
CUTOFF = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # 20:00 Shanghai: 12 h before the next dose


@pytest.fixture
def world(app):  # type: ignore[no-untyped-def]
    """The standard world as of T0, BP reminders moved to 21:00 local so only dose reminders fall here."""
    from datetime import time

    from sqlalchemy import update

    from backend.models import Participant

    with time_machine.travel(T0, tick=False):
        built = build_world(app)
    with app.app_context(), db.session_scope() as session:
        session.execute(update(Participant).values(bp_reminder_time=time(21, 0)))
    return built


def dose_pushes(endpoint, path="/push/p1"):  # type: ignore[no-untyped-def]
    return [r for r in endpoint.received if r.path == path]


def test_dose_reminder_is_pushed_once_encrypted_signed_and_in_the_patients_language(
    app, client, world, push_endpoint, transport
):
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
    tick(app, DUE - timedelta(minutes=5))
    assert push_endpoint.received == []
    tick(app, DUE)
    [received] = push_endpoint.wait_for(1)
    assert received.vapid_ok, received.vapid_error
    assert received.decrypt_error is None
    [reminder] = rows(
        app,
        Reminder,
        Reminder.participant_id == world.participants["p1"],
        Reminder.kind == "dose",
        Reminder.sequence == 0,
        Reminder.due_at == DUE,
    )
    assert received.payload == {
        "kind": "dose_reminder",
        "id": reminder.id,
        "title": "该填写今天的用药日记了",
        "body": "请打开用药日记，记录今天的服药情况。",
        "url": "/#today",
        "due_at": "2026-11-24T00:00:00Z",
    }
    assert received.ttl == int((CUTOFF - DUE).total_seconds())  # useful until the make-up cut-off
    assert received.headers["urgency"] == "normal"
    assert received.headers.get("topic")
    # A tick replayed for the same instant, and the next ticks, send nothing new.
    tick(app, DUE)
    tick(app, DUE + timedelta(minutes=5))
    assert len(push_endpoint.received) == 1
    # Not logged: one follow-up 3 hours later, replacing the first (same Topic).
    tick(app, FOLLOWUP - timedelta(minutes=1))
    assert len(push_endpoint.received) == 1
    tick(app, FOLLOWUP)
    tick(app, FOLLOWUP)
    follow = push_endpoint.wait_for(2)[1]
    assert follow.payload["kind"] == "dose_followup"
    assert follow.payload["due_at"] == "2026-11-24T03:00:00Z"
    assert follow.headers["topic"] == received.headers["topic"]
    assert follow.ttl == int((CUTOFF - FOLLOWUP).total_seconds())
    assert len(push_endpoint.received) == 2
    attempts = rows(app, DeliveryAttempt)
    assert [a.outcome for a in attempts] == ["sent", "sent"]
    assert rows(app, PushSubscription)[0].last_success_at == FOLLOWUP


def test_english_participant_gets_english_text(app, client, world, push_endpoint, transport):
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p2", push_endpoint, "/push/p2")
    tick(app, DUE - timedelta(minutes=5))
    tick(app, DUE)
    [received] = push_endpoint.wait_for(1)
    assert received.payload["title"] == "Time for today's diary entry"


def test_no_followup_once_the_day_is_logged(app, client, world, push_endpoint, transport):
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
    tick(app, DUE - timedelta(minutes=5))
    tick(app, DUE)
    with time_machine.travel(DUE + timedelta(minutes=20), tick=False):
        r = client.put("/api/v1/me/doses/2026-11-24", json={"taken": True}, headers=world.headers("p1"))
        assert r.status_code in (200, 201), r.json
    for minutes in range(30, 6 * 60, 30):
        tick(app, DUE + timedelta(minutes=minutes))
    assert [r.payload["kind"] for r in push_endpoint.received] == ["dose_reminder"]
    followup = rows(
        app,
        Reminder,
        Reminder.kind == "dose",
        Reminder.sequence == 1,
        Reminder.participant_id == world.participants["p1"],
        Reminder.due_at == FOLLOWUP,
    )[0]
    assert followup.status == "cancelled"


def test_server_error_then_success_is_retried_and_delivered_once(
    app, client, world, push_endpoint, transport
):
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
    push_endpoint.script("/push/p1", [500])
    tick(app, DUE - timedelta(minutes=5))
    tick(app, DUE)
    push_endpoint.wait_for(1)
    [notification] = rows(app, Notification)
    assert notification.status == "pending" and notification.attempts == 1
    assert notification.next_attempt_at == DUE + timedelta(seconds=30)
    tick(app, DUE + timedelta(minutes=1))
    tick(app, DUE + timedelta(minutes=2))
    assert [r.status for r in push_endpoint.wait_for(2)] == [500, 201]
    assert len(push_endpoint.received) == 2
    [notification] = rows(app, Notification)
    assert notification.status == "sent"
    assert [a.status_code for a in rows(app, DeliveryAttempt)] == [500, 201]


def test_rate_limited_push_waits_for_retry_after(app, client, world, push_endpoint, transport):
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
    push_endpoint.script("/push/p1", [(429, {"Retry-After": "600"})])
    tick(app, DUE - timedelta(minutes=5))
    tick(app, DUE)
    push_endpoint.wait_for(1)
    [notification] = rows(app, Notification)
    assert notification.next_attempt_at == DUE + timedelta(seconds=600)
    for minutes in (1, 5, 9):
        tick(app, DUE + timedelta(minutes=minutes))
    assert len(push_endpoint.received) == 1
    tick(app, DUE + timedelta(minutes=10))
    assert [r.status for r in push_endpoint.wait_for(2)] == [429, 201]


def test_gone_subscription_is_disabled_and_never_used_again(app, client, world, push_endpoint, transport):
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
    push_endpoint.script("/push/p1", [410])
    tick(app, DUE - timedelta(minutes=5))
    tick(app, DUE)
    push_endpoint.wait_for(1)
    [sub] = rows(app, PushSubscription)
    assert sub.disabled_at == DUE and "410" in sub.disabled_reason
    assert rows(app, Notification)[0].status == "failed"
    tick(app, FOLLOWUP)
    tick(app, FOLLOWUP + timedelta(minutes=5))
    assert len(push_endpoint.received) == 1
    assert (
        rows(
            app,
            Reminder,
            Reminder.kind == "dose",
            Reminder.sequence == 1,
            Reminder.participant_id == world.participants["p1"],
            Reminder.due_at == FOLLOWUP,
        )[0].status
        == "unsubscribed"
    )


def test_server_errors_stop_after_the_bounded_number_of_attempts(
    app, client, world, push_endpoint, transport
):
    from backend.notify.webpush import MAX_ATTEMPTS

    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p2", push_endpoint, "/push/p2")
    push_endpoint.script("/push/p2", [503] * 20)
    tick(app, DUE - timedelta(minutes=5))
    for minutes in range(0, 170, 1):
        tick(app, DUE + timedelta(minutes=minutes))
    notification = rows(app, Notification)[0]
    assert notification.status == "failed" and notification.attempts == MAX_ATTEMPTS
    assert len([r for r in push_endpoint.received if r.payload["kind"] == "dose_reminder"]) == MAX_ATTEMPTS


def _claim_without_sending(app, now):  # type: ignore[no-untyped-def]
    """What a process killed between claim and send leaves behind (claimed at ``now``)."""
    with time_machine.travel(now, tick=False), app.app_context(), db.session_scope() as session:
        return outbox.claim(session, now)


def test_killed_between_claim_and_send_is_sent_once_within_a_minute(
    app, client, world, push_endpoint, transport
):
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
    tick(app, DUE - timedelta(minutes=5))
    with time_machine.travel(DUE, tick=False), app.app_context(), db.session_scope() as session:
        from backend.services.reminder_sending import enqueue_due_reminders

        enqueue_due_reminders(session, DUE)
    assert len(_claim_without_sending(app, DUE)) == 1
    tick(app, DUE + outbox.CLAIM_LEASE - timedelta(seconds=1))  # still claimed by the "dead" process
    assert push_endpoint.received == []
    tick(app, DUE + outbox.CLAIM_LEASE)  # the lease ended: taken over, well within a minute
    tick(app, DUE + outbox.CLAIM_LEASE)
    assert len(push_endpoint.wait_for(1)) == 1
    tick(app, DUE + timedelta(minutes=5))
    assert len(push_endpoint.received) == 1
    assert rows(app, Notification)[0].status == "sent"
    # Nothing had left the dead process: one attempt, started and finished by the new claimer.
    [attempt] = rows(app, DeliveryAttempt)
    assert (attempt.outcome, attempt.attempt, attempt.finished_at) == ("sent", 1, DUE + outbox.CLAIM_LEASE)


def test_killed_between_claim_and_send_is_dropped_once_past_its_expiry(
    app, client, world, push_endpoint, transport
):
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
    tick(app, DUE - timedelta(minutes=5))
    with time_machine.travel(DUE, tick=False), app.app_context(), db.session_scope() as session:
        from backend.services.reminder_sending import enqueue_due_reminders

        enqueue_due_reminders(session, DUE)
    _claim_without_sending(app, DUE)
    # The process stays dead until after the follow-up time: the first reminder is stale and useless.
    tick(app, FOLLOWUP + timedelta(minutes=10))
    received = push_endpoint.wait_for(1)
    assert [r.payload["kind"] for r in received] == ["dose_followup"]
    first = rows(app, Notification, Notification.idempotency_key.like("reminder:%"))
    assert sorted(n.status for n in first) == ["dropped", "sent"]


def test_reminder_missed_while_down_is_sent_if_still_useful_else_dropped(
    app, client, world, push_endpoint, transport
):
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
        subscribe(client, world, "p2", push_endpoint, "/push/p2")
    tick(app, DUE - timedelta(hours=2))
    # Down from 22:00 to 01:30: the 00:00 reminder is still useful (before the 03:00 follow-up).
    tick(app, DUE + timedelta(minutes=90))
    assert sorted(r.payload["due_at"] for r in push_endpoint.wait_for(2)) == ["2026-11-24T00:00:00Z"] * 2
    # Down again until 03:40 after p2 logged: p1 gets only the follow-up, p2 nothing.
    with time_machine.travel(DUE + timedelta(hours=2), tick=False):
        client.put("/api/v1/me/doses/2026-11-24", json={"taken": True}, headers=world.headers("p2"))
    tick(app, FOLLOWUP + timedelta(minutes=40))
    tick(app, FOLLOWUP + timedelta(minutes=45))
    kinds = [(r.path, r.payload["kind"]) for r in push_endpoint.wait_for(3)]
    assert sorted(kinds) == sorted(
        [("/push/p1", "dose_reminder"), ("/push/p2", "dose_reminder"), ("/push/p1", "dose_followup")]
    )


def test_first_reminder_past_its_expiry_is_dropped_not_sent(app, client, world, push_endpoint, transport):
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
    tick(app, DUE - timedelta(hours=1))
    tick(app, FOLLOWUP + timedelta(minutes=1))  # the scheduler was down across both instants
    received = push_endpoint.wait_for(1)
    assert [r.payload["kind"] for r in received] == ["dose_followup"]
    first = rows(
        app,
        Reminder,
        Reminder.kind == "dose",
        Reminder.sequence == 0,
        Reminder.participant_id == world.participants["p1"],
        Reminder.due_at == DUE,
    )[0]
    assert first.status == "dropped"


def test_heartbeat_makes_readyz_ready(app, client, world, transport):
    assert client.get("/readyz").status_code == 503
    now = clock.now()
    tick(app, now)
    with time_machine.travel(now + timedelta(seconds=30), tick=False):
        assert client.get("/readyz").status_code == 200


def test_unsubscribed_endpoint_gets_nothing(app, client, world, push_endpoint, transport):
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
        r = client.delete(
            "/api/v1/me/push-subscriptions",
            json={"endpoint": push_endpoint.subscription("/push/p1")["endpoint"]},
            headers=world.headers("p1"),
        )
        assert r.status_code == 204
    tick(app, DUE - timedelta(minutes=5))
    tick(app, DUE)
    assert push_endpoint.received == []
    with app.app_context(), db.session_scope() as session:
        assert session.scalar(select(Notification.id)) is None
