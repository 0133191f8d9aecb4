"""Health probes, security headers, CORS and error bodies."""

from datetime import timedelta

from backend import clock
from backend.db import db
from backend.models import SchedulerHeartbeat


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json == {"status": "ok"}


def test_readyz_needs_a_recent_scheduler_heartbeat(client, app):
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json["checks"]["database"]["ok"] and r.json["checks"]["migrations"]["ok"]
    assert not r.json["checks"]["scheduler"]["ok"]
    with app.app_context():
        db.session.add(
            SchedulerHeartbeat(name="sweep", beat_at=clock.now() - timedelta(seconds=30), holder="t")
        )
        db.session.commit()
    r = client.get("/readyz")
    assert r.status_code == 200, r.json
    assert r.json["status"] == "ok"


def test_readyz_fails_when_heartbeat_is_stale(client, app):
    with app.app_context():
        db.session.add(
            SchedulerHeartbeat(name="sweep", beat_at=clock.now() - timedelta(minutes=3), holder="t")
        )
        db.session.commit()
    assert client.get("/readyz").status_code == 503


def test_security_headers_on_api_responses(client):
    r = client.get("/api/v1/sites")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Request-ID"]


def test_cors_only_for_configured_origins(database_url, tmp_path):
    from tests.conftest import make_app

    client = make_app(database_url, tmp_path / "cors", CORS_ORIGINS="https://app.example.org").test_client()
    allowed = client.get("/healthz", headers={"Origin": "https://app.example.org"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.org"
    other = client.get("/healthz", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_cors_preflight_lets_the_device_time_through(database_url, tmp_path):
    """The PWA sends X-Device-Time on every write; a browser on another origin must be allowed to."""
    from tests.conftest import make_app

    client = make_app(database_url, tmp_path / "cors", CORS_ORIGINS="https://app.example.org").test_client()
    preflight = client.options(
        "/api/v1/me/doses/2026-11-24",
        headers={
            "Origin": "https://app.example.org",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type, x-device-time",
        },
    )
    assert preflight.status_code < 400
    allowed = {name.strip().lower() for name in preflight.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "x-device-time"} <= allowed
    assert "PUT" in preflight.headers["Access-Control-Allow-Methods"]


def test_unknown_field_is_422_with_field_errors(client, world):
    r = client.post(
        "/api/v1/sites",
        json={"name": "X", "code": "X", "timezone": "Mars/Olympus", "alert_emails": [], "colour": "red"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 422
    assert set(r.json["errors"]["json"]) == {"timezone", "colour"}
    assert r.json["code"] == 422 and r.json["status"]


def test_malformed_json_is_4xx_not_500(client, world):
    r = client.post(
        "/api/v1/sites", data="{not json", content_type="application/json", headers=world.headers("admin")
    )
    assert 400 <= r.status_code < 500


def test_405_carries_allow_header(client):
    r = client.delete("/api/v1/sites")
    assert r.status_code == 405
    assert "GET" in r.headers["Allow"] and "POST" in r.headers["Allow"]


def test_duplicate_study_id_at_a_site_is_409(client, world):
    body = {
        "study_id": "01-001",
        "site_id": world.sites["a"],
        "timezone": "Asia/Shanghai",
        "reminder_time": "08:00",
        "c1d1": "2026-11-20",
    }
    r = client.post("/api/v1/participants", json=body, headers=world.headers("coordinator_a"))
    assert r.status_code == 409


def test_api_docs_are_served(client):
    assert client.get("/api/docs").status_code == 200
    spec = client.get("/api/openapi.json").json
    assert "/api/v1/participants/{participant_id}/activation-code" in spec["paths"]


def test_empty_site_id_for_a_monitor_is_422_not_500(client, world):
    r = client.post(
        "/api/v1/staff",
        json={
            "email": "m2@example.org",
            "name": "M",
            "role": "admin",
            "site_id": "",
            "password": "a long enough password",
        },
        headers=world.headers("admin"),
    )
    assert r.status_code == 422
    assert "site_id" in r.json["errors"]["json"]


def test_nul_characters_are_refused_with_422_naming_the_field(client, world):
    r = client.post(
        "/api/v1/sites",
        json={"name": "A\u0000B", "code": "NUL", "timezone": "UTC", "alert_emails": []},
        headers=world.headers("admin"),
    )
    assert r.status_code == 422
    assert r.json["errors"]["json"] == {"name": ["must not contain NUL characters"]}
    r = client.get("/api/v1/participants?status=on\u0000", headers=world.headers("coordinator_a"))
    assert r.status_code == 422
