"""GET /api/v1/deliveries/status: the dashboard's view of a stuck deliverer (what /readyz reports)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import time_machine

from backend import clock
from tests.helpers import check_matrix


def _fever(client, world) -> None:  # type: ignore[no-untyped-def]
    body = {"client_id": str(uuid.uuid4()), "answers": {"fever_chills_presence": 1}, "temperature_c": 38.3}
    answer = client.post("/api/v1/me/symptom-reports", json=body, headers=world.headers("p1"))
    assert answer.status_code == 201


def _status(client, world, who="coordinator_a"):  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/deliveries/status", headers=world.headers(who))
    assert r.status_code == 200, r.json
    return r.json


def test_stuck_only_after_a_due_notice_waited_more_than_two_minutes_as_readyz_says(client, world):
    start = clock.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        assert _status(client, world) == {
            "stuck": False,
            "oldest_due_wait_seconds": 0.0,
            "waiting": 0,
            "max_wait_seconds": 120,
            "checked_at": start.isoformat(),
        }
        _fever(client, world)  # the site's alert e-mail is queued, due now; nothing sends it
    with time_machine.travel(start + timedelta(seconds=120), tick=False):
        status = _status(client, world)
        assert (status["stuck"], status["oldest_due_wait_seconds"], status["waiting"]) == (False, 120.0, 1)
        assert client.get("/readyz").json["checks"]["deliveries"]["ok"] is True
    with time_machine.travel(start + timedelta(seconds=121), tick=False):
        status = _status(client, world, "monitor")  # a monitor reads it too
        assert (status["stuck"], status["oldest_due_wait_seconds"], status["waiting"]) == (True, 121.0, 1)
        ready = client.get("/readyz").json["checks"]["deliveries"]
        assert ready["ok"] is False and ready["oldest_due_wait_seconds"] == status["oldest_due_wait_seconds"]


def test_any_signed_in_staff_member_may_ask_and_no_one_else(client, world):
    staff = {"admin": 200, "monitor": 200, "coordinator_a": 200, "investigator_a": 200}
    others = {"coordinator_b": 200, "investigator_b": 200, "anonymous": 401, "p1": 403, "p3": 403}
    check_matrix(client, world, "GET", "/api/v1/deliveries/status", {**staff, **others})


def test_documented_in_openapi(client):
    spec = client.get("/api/openapi.json").json
    operation = spec["paths"]["/api/v1/deliveries/status"]["get"]
    assert operation["security"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema
