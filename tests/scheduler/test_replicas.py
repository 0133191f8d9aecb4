"""Two schedulers at once against PostgreSQL: one leads each tick, every message goes out once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from backend.db import db
from backend.models import Notification
from backend.scheduler.runner import run_all
from tests.conftest import IS_POSTGRES
from tests.factories import build_world, enrol
from tests.scheduler.conftest import rows, subscribe

pytestmark = pytest.mark.skipif(
    not IS_POSTGRES, reason="advisory locks and SKIP LOCKED are PostgreSQL features; SQLite has one writer"
)
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def test_two_schedulers_running_together_send_each_message_once(app, client, push_endpoint, transport):
    with time_machine.travel(T0, tick=False):
        world = build_world(app)
        with app.test_request_context():
            for n in range(20):
                enrol(
                    world, f"x{n}", "a", study_id=f"01-2{n:02d}", c1d1=date(2026, 11, 23), reminder=time(8, 0)
                )
            db.commit_request()
        with app.test_request_context():
            from tests.factories import device_token

            pepper = app.config["SETTINGS"].token_pepper
            for n in range(20):
                world.tokens[f"x{n}"] = device_token(world.participants[f"x{n}"], pepper)
            db.commit_request()
        for n in range(20):
            subscribe(client, world, f"x{n}", push_endpoint, f"/push/x{n}")
    instants = [DUE - timedelta(minutes=5)] + [DUE + timedelta(minutes=m) for m in range(0, 10)]
    errors: list[BaseException] = []
    skipped = []

    def worker() -> None:
        try:
            for instant in instants:
                result = run_all(app, instant)
                assert not result.errors, result.errors
                skipped.append(result.skipped)
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)

    with time_machine.travel(DUE, tick=True):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert errors == []
    # Twenty dose reminders and twenty BP reminders (cycle 1, 08:00), each exactly once.
    received = push_endpoint.wait_for(40)
    keys = [(r.path, r.payload["kind"]) for r in received]
    assert len(keys) == 40 and len(set(keys)) == 40
    assert all(r.vapid_ok for r in received)
    assert {n.status for n in rows(app, Notification)} == {"sent"}
