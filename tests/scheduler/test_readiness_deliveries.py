"""/readyz says when the deliverer is stuck: a due notice waiting more than two minutes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import time_machine

from backend import clock
from backend.db import db
from backend.services import delivery
from tests.scheduler.conftest import subscribe


def test_readyz_reports_a_due_notice_older_than_two_minutes(app, client, world, push_endpoint, transport):
    subscribe(client, world, "coordinator_a", push_endpoint, "/push/coord-a", staff=True)
    start = clock.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        body = {
            "client_id": str(uuid.uuid4()),
            "answers": {"fever_chills_presence": 1},
            "temperature_c": 38.3,
        }
        assert (
            client.post("/api/v1/me/symptom-reports", json=body, headers=world.headers("p1")).status_code
            == 201
        )
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        from backend.services import ops

        # A heartbeat without delivering: the deliverer is the part that is stuck.
        with app.app_context(), db.session_scope() as session:
            ops.heartbeat(session, clock.now())
    with time_machine.travel(start + timedelta(seconds=120), tick=False):
        r = client.get("/readyz")
        assert r.status_code == 200, r.json
        assert r.json["checks"]["deliveries"] == {"ok": True, "oldest_due_wait_seconds": 120.0}
    with time_machine.travel(start + timedelta(seconds=121), tick=False):
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json["status"] == "not ready"
        deliveries = r.json["checks"]["deliveries"]
        assert deliveries["ok"] is False and deliveries["oldest_due_wait_seconds"] == 121.0
        assert "more than 2 minutes" in deliveries["reason"]
        with app.app_context():
            assert delivery.deliver_due(db.session_scope, transport) == 2  # push and e-mail
        r = client.get("/readyz")
        assert r.status_code == 200 and r.json["checks"]["deliveries"]["oldest_due_wait_seconds"] == 0.0
