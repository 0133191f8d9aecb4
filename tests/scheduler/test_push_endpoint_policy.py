"""The sender checks the push-service allow list again at send time (issue 12, finding 2).

A subscription stored under a wider rule (before the allow list, or with PUSH_ALLOW_LOOPBACK on
when it no longer is) must never be posted to: the attempt is recorded as ``refused`` with the
reason, the subscription is disabled with it, and the push service receives nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from backend.models import DeliveryAttempt, Notification, PushSubscription
from backend.notify.endpoints import EndpointPolicy
from tests.factories import build_world
from tests.scheduler.conftest import rows, subscribe, tick

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Shanghai 20:00 on 11-23 (p1's cycle 1 day 1)
DUE = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # p1's 08:00 Shanghai reminder on 11-24


def test_a_stored_endpoint_outside_the_allow_list_is_refused_at_send_time(
    app, client, push_endpoint, transport
):
    with time_machine.travel(T0, tick=False):
        world = build_world(app)
        sub_id = subscribe(client, world, "p1", push_endpoint, "/push/p1")
    # The scheduler now runs with the production rule: loopback is no longer allowed.
    transport.push.endpoints = EndpointPolicy()

    tick(app, DUE)
    tick(app, DUE + timedelta(minutes=1))

    assert push_endpoint.received == []
    [sub] = rows(app, PushSubscription, PushSubscription.id == sub_id)
    assert sub.disabled_at is not None
    assert "endpoint refused" in sub.disabled_reason and "https" in sub.disabled_reason
    pushes = rows(app, Notification, Notification.subscription_id == sub_id)
    assert pushes and {n.status for n in pushes} == {"failed"}
    attempts = rows(app, DeliveryAttempt, DeliveryAttempt.notification_id.in_([n.id for n in pushes]))
    assert [a.outcome for a in attempts] == ["refused"] * len(pushes)
    assert all(a.status_code is None and "endpoint refused" in a.error for a in attempts)


def test_the_allowed_endpoint_is_still_sent_to(app, client, push_endpoint, transport):
    """Control: the same flow with the test configuration's loopback switch delivers."""
    with time_machine.travel(T0, tick=False):
        world = build_world(app)
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
    tick(app, DUE)
    assert {r.path for r in push_endpoint.wait_for(1)} == {"/push/p1"}
