"""An alert raised by a patient's report queues the site's notices in the same transaction."""

import uuid

from sqlalchemy import select

from backend import clock
from backend.db import db
from backend.models import Notification


def _notices(app, alert_id):
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.alert_id == alert_id)).all()
        return [
            {"channel": n.channel, "recipient": n.recipient, "urgency": n.urgency, "payload": n.payload}
            for n in rows
        ]


def test_urgent_bp_queues_email_and_staff_push_before_any_tick(app, client, world):
    subscription = {
        "endpoint": "http://127.0.0.1:9/push/coordinator-a",
        "keys": {
            "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-"
            "Ts1XbjhazAkj7I99e8QcYP7DkM",
            "auth": "tBHItJI5svbpez7KI4CCXg",
        },
    }
    r = client.post(
        "/api/v1/staff/me/push-subscriptions", json=subscription, headers=world.headers("coordinator_a")
    )
    assert r.status_code in (200, 201), r.json
    reading = {
        "client_id": str(uuid.uuid4()),
        "measured_at": clock.now().isoformat(),
        "systolic": 185,
        "diastolic": 112,
    }
    r = client.post("/api/v1/me/bp-readings", json=reading, headers=world.headers("p1"))
    assert r.status_code == 201, r.json
    alert = r.json["alert"]
    assert alert["severity"] == "urgent"
    notices = _notices(app, alert["id"])
    channels = sorted((n["channel"], n["recipient"]) for n in notices)
    assert ("email", "alerts-a@site.example.org") in channels
    assert any(channel == "webpush" for channel, _ in channels)
    push = next(n for n in notices if n["channel"] == "webpush")
    assert push["urgency"] == "high"
    assert set(push["payload"]["message"]) == {"kind", "id", "title", "body", "url", "due_at"}
    # No health data in the push. Only the words are checked: ids and instants are hex and
    # digits that may contain "185" by chance (this test once failed at 18:50 UTC).
    message = push["payload"]["message"]
    for words in (message["title"], message["body"]):
        assert not any(value in words for value in ("185", "112", "mmHg", "blood pressure")), words


def test_a_repeat_in_the_open_episode_queues_nothing_new(app, client, world):
    def post(systolic):
        body = {
            "client_id": str(uuid.uuid4()),
            "measured_at": clock.now().isoformat(),
            "systolic": systolic,
            "diastolic": 112,
        }
        return client.post("/api/v1/me/bp-readings", json=body, headers=world.headers("p1")).json["alert"][
            "id"
        ]

    first = post(185)
    before = len(_notices(app, first))
    assert post(190) == first
    assert len(_notices(app, first)) == before
