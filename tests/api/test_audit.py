"""The audit trail: every write leaves an event; the database refuses to alter one."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backend.db import db


def _events(client, world, who="p1", staff="coordinator_a"):
    r = client.get(f"/api/v1/participants/{world.participants[who]}/audit", headers=world.headers(staff))
    assert r.status_code == 200
    return r.json


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET reason = 'tampered'",
        "DELETE FROM audit_events",
    ],
)
def test_database_refuses_to_alter_audit_events(app, world, statement):
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement))
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() > 0
            assert (
                conn.execute(text("SELECT count(*) FROM audit_events WHERE reason = 'tampered'")).scalar()
                == 0
            )


def test_patch_records_old_new_who_and_why(client, world):
    pid = world.participants["p1"]
    r = client.patch(
        f"/api/v1/participants/{pid}",
        json={"reminder_time": "07:30", "reason": "works early shift"},
        headers={**world.headers("coordinator_a"), "X-Request-ID": "req-123"},
    )
    assert r.status_code == 200, r.json
    event = _events(client, world)[-1]
    assert event["action"] == "participant.update"
    assert event["before"] == {"reminder_time": "08:00:00"}
    assert event["after"] == {"reminder_time": "07:30:00"}
    assert event["reason"] == "works early shift"
    assert event["actor_label"] == "coordinator_a@example.org"
    assert event["request_id"] == "req-123"


def test_patch_without_reason_is_422_and_changes_nothing(client, world):
    pid = world.participants["p1"]
    before = len(_events(client, world))
    r = client.patch(
        f"/api/v1/participants/{pid}", json={"language": "en"}, headers=world.headers("coordinator_a")
    )
    assert r.status_code == 422
    assert "reason" in r.json["errors"]["json"]
    assert len(_events(client, world)) == before
    assert (
        client.get(f"/api/v1/participants/{pid}", headers=world.headers("coordinator_a")).json["language"]
        == "zh-CN"
    )


def test_every_write_endpoint_leaves_an_event(client, world, app):
    """Each successful write through the API adds at least one audit event."""
    pid = world.participants["p1"]
    admin, coord = world.headers("admin"), world.headers("coordinator_a")

    def count():
        with app.app_context(), db.engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM audit_events")).scalar()

    writes = [
        lambda: client.post(
            "/api/v1/sites",
            json={"name": "C", "code": "SC", "timezone": "UTC", "alert_emails": ["c@example.org"]},
            headers=admin,
        ),
        lambda: client.post(
            "/api/v1/staff",
            json={
                "email": "new@example.org",
                "name": "N",
                "role": "monitor",
                "password": "a long enough password",
            },
            headers=admin,
        ),
        lambda: client.post(
            "/api/v1/participants",
            json={
                "study_id": "01-099",
                "site_id": world.sites["a"],
                "timezone": "Asia/Shanghai",
                "reminder_time": "08:00",
                "c1d1": "2026-11-20",
            },
            headers=coord,
        ),
        lambda: client.patch(
            f"/api/v1/participants/{pid}", json={"language": "en", "reason": "patient asked"}, headers=coord
        ),
        lambda: client.post(f"/api/v1/participants/{pid}/activation-code", headers=coord),
        lambda: client.post(
            "/api/v1/auth/login",
            json={"email": "monitor@example.org", "password": "correct horse battery staple"},
        ),
    ]
    for write in writes:
        before = count()
        response = write()
        assert response.status_code < 300, response.json
        assert count() > before, response.request.path


def test_enrolment_event_carries_the_new_record(client, world):
    events = _events(client, world)
    assert events[0]["action"] == "participant.enrol"
    assert events[0]["after"]["study_id"] == "01-001"
    assert any(e["action"] == "device.activate" for e in events)
