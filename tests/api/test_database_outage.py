"""A database outage answers 503 with Retry-After on every route that needs it, never 500."""

from __future__ import annotations

import pytest

from backend.db import db
from tests.helpers import UNREACHABLE


@pytest.fixture
def outage(app, world):  # type: ignore[no-untyped-def]
    """The world exists; then the database stops answering (connections are refused)."""
    good = app.config["DATABASE_URL"]
    db.configure(UNREACHABLE)
    yield
    db.configure(good)


@pytest.mark.parametrize(
    ("method", "path", "who", "body"),
    [
        ("get", "/api/v1/me", "p1", None),
        ("get", "/api/v1/me/today", "p1", None),
        ("put", "/api/v1/me/doses/2026-11-24", "p1", {"taken": True}),
        (
            "post",
            "/api/v1/me/symptom-reports",
            "p1",
            {"client_id": "6f1c1e2a-8f44-4c55-9a38-0b1d2a9f0c11", "answers": {"fever_chills_presence": 1}},
        ),
        ("get", "/api/v1/alerts", "coordinator_a", None),
        ("get", "/api/v1/participants", "coordinator_a", None),
        ("post", "/api/v1/auth/login", None, {"email": "coordinator_a@example.org", "password": "x" * 12}),
    ],
)
def test_outage_is_503_with_retry_after(client, world, outage, method, path, who, body):  # type: ignore[no-untyped-def]
    headers = world.headers(who) if who else {}
    r = getattr(client, method)(path, json=body, headers=headers)
    assert r.status_code == 503, r.get_data(as_text=True)
    assert r.headers["Retry-After"] == "5"
    assert r.json["code"] == 503 and "retry" in r.json["message"]
    assert r.headers["Cache-Control"] == "no-store"


def test_health_stays_up_and_readiness_says_why(client, outage):  # type: ignore[no-untyped-def]
    assert client.get("/healthz").status_code == 200
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json["checks"]["database"]["ok"] is False


def test_service_recovers_when_the_database_is_back(app, client, world):  # type: ignore[no-untyped-def]
    good = app.config["DATABASE_URL"]
    db.configure(UNREACHABLE)
    assert client.get("/api/v1/me", headers=world.headers("p1")).status_code == 503
    db.configure(good)
    assert client.get("/api/v1/me", headers=world.headers("p1")).status_code == 200
