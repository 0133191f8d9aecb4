"""The delivery ledger through HTTP, and the service worker's shown/clicked receipts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import update

from backend import clock
from backend.db import db
from backend.models import Participant
from backend.services import delivery
from tests.factories import build_world, staff_token
from tests.scheduler.conftest import subscribe, tick

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # p1's 08:00 Shanghai dose reminder
FOLLOWUP = DUE + timedelta(hours=3)


def _fever(client, world):  # type: ignore[no-untyped-def]
    body = {"client_id": str(uuid.uuid4()), "answers": {"fever_chills_presence": 1}, "temperature_c": 38.3}
    r = client.post("/api/v1/me/symptom-reports", json=body, headers=world.headers("p1"))
    assert r.status_code == 201, r.json
    return r.json["alerts"][0]


def _ledger(client, world, alert_id, who="coordinator_a"):  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/alerts/{alert_id}/deliveries", headers=world.headers(who))
    assert r.status_code == 200, r.json
    return {(n["channel"], n["recipient"]): n for n in r.json["notices"]}


def _receipt(client, endpoint, path, kind, message_id, event, auth=None):  # type: ignore[no-untyped-def]
    body = {
        "endpoint": endpoint.origin + path,
        "auth": auth or endpoint.auth,
        "kind": kind,
        "id": message_id,
        "event": event,
    }
    return client.post("/api/v1/push/receipts", json=body)


def test_alert_ledger_shows_each_notice_its_attempts_and_opened(app, client, world, push_endpoint, transport):
    subscribe(client, world, "coordinator_a", push_endpoint, "/push/coord", staff=True)
    subscribe(client, world, "investigator_a", push_endpoint, "/push/inv", staff=True)
    subscribe(client, world, "p1", push_endpoint, "/push/p1")
    push_endpoint.script("/push/inv", [503])
    start = clock.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        alert = _fever(client, world)
        queued = _ledger(client, world, alert["id"])
        assert {n["state"] for n in queued.values()} == {"queued"}
        with app.app_context():
            assert delivery.deliver_due(db.session_scope, transport) == 2
    notices = _ledger(client, world, alert["id"])
    assert set(notices) == {
        ("email", "alerts-a@site.example.org"),
        ("webpush", "coordinator_a"),
        ("webpush", "investigator_a"),
    }
    coord, inv = notices[("webpush", "coordinator_a")], notices[("webpush", "investigator_a")]
    assert (coord["state"], coord["sent_at"], coord["urgency"]) == ("sent", start.isoformat(), "high")
    assert [h["outcome"] for h in coord["history"]] == ["sent"]
    assert (
        inv["state"] == "retrying" and inv["next_attempt_at"] == (start + timedelta(seconds=30)).isoformat()
    )
    assert [(h["outcome"], h["status_code"]) for h in inv["history"]] == [("retry", 503)]
    assert "503" in inv["last_error"]
    with time_machine.travel(start + timedelta(seconds=30), tick=False), app.app_context():
        assert delivery.deliver_due(db.session_scope, transport) == 1
    inv = _ledger(client, world, alert["id"])[("webpush", "investigator_a")]
    assert [(h["attempt"], h["outcome"]) for h in inv["history"]] == [(1, "retry"), (2, "sent")]
    # Receipts: the coordinator's phone showed it, then the coordinator tapped it; each recorded once.
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        r = _receipt(client, push_endpoint, "/push/coord", "alert", alert["id"], "shown")
        assert r.status_code == 200 and r.json == {"recorded": True}
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        again = _receipt(client, push_endpoint, "/push/coord", "alert", alert["id"], "shown")
        assert again.json == {"recorded": False}
        assert _receipt(client, push_endpoint, "/push/coord", "alert", alert["id"], "clicked").json == {
            "recorded": True
        }
    coord = _ledger(client, world, alert["id"])[("webpush", "coordinator_a")]
    assert coord["state"] == "opened"
    assert coord["shown_at"] == (start + timedelta(minutes=2)).isoformat()
    assert coord["clicked_at"] == (start + timedelta(minutes=3)).isoformat()
    # Only the recipient's own notification: a wrong secret, or a subscription it was not sent to.
    assert (
        _receipt(
            client, push_endpoint, "/push/coord", "alert", alert["id"], "shown", auth="x" * 22
        ).status_code
        == 404
    )
    assert _receipt(client, push_endpoint, "/push/p1", "alert", alert["id"], "clicked").status_code == 404
    assert (
        _receipt(client, push_endpoint, "/push/coord", "alert", uuid.uuid4().hex, "shown").status_code == 404
    )
    inv = _ledger(client, world, alert["id"])[("webpush", "investigator_a")]
    assert inv["shown_at"] is None and inv["clicked_at"] is None
    # The ledger is the site's: another site's coordinator and the patient do not see it.
    other = client.get(f"/api/v1/alerts/{alert['id']}/deliveries", headers=world.headers("coordinator_b"))
    assert other.status_code == 404
    patient = client.get(f"/api/v1/alerts/{alert['id']}/deliveries", headers=world.headers("p1"))
    assert patient.status_code in (401, 403, 404)


def test_receipt_body_is_validated_and_carries_no_health_data(client, world):  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/push/receipts",
        json={
            "endpoint": "https://x.example/1",
            "auth": "a",
            "kind": "alert",
            "id": "1",
            "event": "read",
            "temperature_c": 38.3,
        },
    )
    assert r.status_code == 422
    assert set(r.json["errors"]["json"]) == {"event", "temperature_c"}


@pytest.fixture
def reminder_world(app):  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False):
        built = build_world(app)
    with app.app_context(), db.session_scope() as session:
        session.execute(update(Participant).values(bp_reminder_time=time(21, 0)))
    # Staff tokens live 12 hours: the site reads the ledger the morning after the world was built.
    with time_machine.travel(FOLLOWUP, tick=False), app.test_request_context():
        for who in ("coordinator_a", "coordinator_b"):
            built.tokens[who] = staff_token(built.staff[who], app.config["SETTINGS"].token_pepper)
        db.commit_request()
    return built


def test_participant_reminders_sent_skipped_dropped_and_planned(
    app, client, reminder_world, push_endpoint, transport
):
    world = reminder_world
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
        subscribe(client, world, "p2", push_endpoint, "/push/p2")
    tick(app, DUE - timedelta(minutes=5))
    with time_machine.travel(DUE - timedelta(minutes=1), tick=False):  # p2 logs before the reminder
        r = client.put("/api/v1/me/doses/2026-11-24", json={"taken": True}, headers=world.headers("p2"))
        assert r.status_code in (200, 201), r.json
    tick(app, DUE)
    tick(app, FOLLOWUP)
    push_endpoint.wait_for(2)

    def reminders(who):  # type: ignore[no-untyped-def]
        r = client.get(
            f"/api/v1/participants/{world.participants[who]}/reminders?from=2026-11-24&to=2026-11-25",
            headers=world.headers("coordinator_a"),
        )
        assert r.status_code == 200, r.json
        return {(x["local_date"], x["kind"], x["sequence"]): x for x in r.json["reminders"]}

    p1 = reminders("p1")
    first, follow = p1[("2026-11-24", "dose", 0)], p1[("2026-11-24", "dose", 1)]
    assert first["state"] == "sent" and first["notices"][0]["history"][0]["outcome"] == "sent"
    assert follow["state"] == "sent"
    assert p1[("2026-11-25", "dose", 0)]["state"] == "planned"
    p2 = reminders("p2")
    assert (p2[("2026-11-24", "dose", 0)]["state"], p2[("2026-11-24", "dose", 0)]["reason"]) == (
        "skipped",
        "day logged",
    )
    # Another site cannot read them; a range is required and bounded.
    r = client.get(
        f"/api/v1/participants/{world.participants['p1']}/reminders?from=2026-11-24&to=2026-11-25",
        headers=world.headers("coordinator_b"),
    )
    assert r.status_code == 404
    r = client.get(
        f"/api/v1/participants/{world.participants['p1']}/reminders?from=2026-11-25&to=2026-11-24",
        headers=world.headers("coordinator_a"),
    )
    assert r.status_code == 422


def test_reminder_dropped_after_its_cut_off_is_shown_as_dropped(
    app, client, reminder_world, push_endpoint, transport
):
    world = reminder_world
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
    tick(app, DUE - timedelta(hours=1))
    tick(app, FOLLOWUP + timedelta(minutes=1))  # down across the first reminder's useful life
    r = client.get(
        f"/api/v1/participants/{world.participants['p1']}/reminders?from=2026-11-24&to=2026-11-24",
        headers=world.headers("coordinator_a"),
    )
    states = {(x["kind"], x["sequence"]): (x["state"], x["reason"]) for x in r.json["reminders"]}
    assert states[("dose", 0)] == ("dropped", "expired before it could be sent")
