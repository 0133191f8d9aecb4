"""Answers produced by the commit itself (a concurrent write's 409, an outage's 503) carry the
same security headers and request id as every other answer (issue 15, item 5)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from tests.helpers import UNREACHABLE

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _assert_headers(response, request_id: str) -> None:  # type: ignore[no-untyped-def]
    assert response.headers["X-Request-ID"] == request_id
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def _commit_fails_with(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    def commit(self: Session) -> None:
        raise error

    monkeypatch.setattr(Session, "commit", commit)


WRITES = [
    ("put", "/api/v1/me/doses/2026-11-24", "p1", {"taken": True}),
    ("post", "/api/v1/auth/login", None, {"email": "coordinator_a@example.org", "password": "x" * 12}),
]


@pytest.mark.parametrize(("method", "path", "who", "body"), WRITES)
def test_a_conflict_at_commit_is_409_with_headers_and_request_id(
    client, world, monkeypatch, method, path, who, body
):  # type: ignore[no-untyped-def]
    headers = {**(world.headers(who) if who else {}), "X-Request-ID": "req-conflict-1"}
    _commit_fails_with(monkeypatch, IntegrityError("INSERT ...", {}, Exception("duplicate key")))
    r = getattr(client, method)(path, json=body, headers=headers)
    assert r.status_code == 409 and r.json["message"] == "conflicting concurrent write; retry"
    _assert_headers(r, "req-conflict-1")


@pytest.mark.parametrize(("method", "path", "who", "body"), WRITES)
def test_an_outage_at_commit_is_503_with_headers_and_request_id(
    client, world, monkeypatch, method, path, who, body
):  # type: ignore[no-untyped-def]
    headers = {**(world.headers(who) if who else {}), "X-Request-ID": "req-outage-1"}
    _commit_fails_with(monkeypatch, OperationalError("COMMIT", {}, Exception("server closed the connection")))
    r = getattr(client, method)(path, json=body, headers=headers)
    assert r.status_code == 503 and r.headers["Retry-After"] == "5"
    _assert_headers(r, "req-outage-1")


def test_an_outage_during_the_request_is_503_with_headers_and_request_id(app, client, world):  # type: ignore[no-untyped-def]
    from backend.db import db

    good = app.config["DATABASE_URL"]
    db.configure(UNREACHABLE)
    try:
        r = client.put(
            "/api/v1/me/doses/2026-11-24",
            json={"taken": True},
            headers={**world.headers("p1"), "X-Request-ID": "req-outage-2"},
        )
    finally:
        db.configure(good)
    assert r.status_code == 503
    _assert_headers(r, "req-outage-2")


def test_a_generated_request_id_is_given_to_a_commit_time_conflict(client, world, monkeypatch):  # type: ignore[no-untyped-def]
    _commit_fails_with(monkeypatch, IntegrityError("INSERT ...", {}, Exception("duplicate key")))
    r = client.put("/api/v1/me/doses/2026-11-24", json={"taken": True}, headers=world.headers("p1"))
    assert r.status_code == 409 and len(r.headers["X-Request-ID"]) == 16
