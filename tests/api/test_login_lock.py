"""The per-account login lock (issue 12, finding 9): counted in the database, audited, unlockable.

Ten failed logins in a row lock the account's password login for 15 minutes (429 with
Retry-After, even for the right password); two app instances (as two API processes) share the
count because it lives in the database; an admin unlocks early with a reason.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from backend import clock
from backend.db import db
from backend.models import AuditEvent
from tests.conftest import make_app
from tests.factories import PASSWORD

COORD = "coordinator_a@example.org"
COLUMNS = ("entity_id", "actor_id", "before", "after", "reason")


def _login(client, password, email=COORD):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def _events(app, action):  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        return [SimpleNamespace(**{c: getattr(r, c) for c in COLUMNS}) for r in rows]


def test_ten_failures_lock_the_account_even_for_the_right_password(app, client, world, frozen_clock):
    statuses = [_login(client, "wrong password!").status_code for _ in range(10)]
    assert statuses == [401] * 9 + [429]
    r = _login(client, PASSWORD)
    assert r.status_code == 429
    assert 890 <= int(r.headers["Retry-After"]) <= 900
    assert "locked until" in r.json["message"]
    (event,) = _events(app, "staff.login_lock")
    assert event.entity_id == world.staff["coordinator_a"]
    assert event.after["failed_logins"] == 10
    # other accounts are not affected
    assert _login(client, PASSWORD, "investigator_a@example.org").status_code == 200
    frozen_clock.move_to(clock.now() + timedelta(minutes=15, seconds=5))
    assert _login(client, PASSWORD).status_code == 200
    assert _login(client, "wrong password!").status_code == 401  # a fresh count


def test_a_successful_login_resets_the_count(client, world):
    for _ in range(9):
        assert _login(client, "wrong password!").status_code == 401
    assert _login(client, PASSWORD).status_code == 200
    for _ in range(9):
        assert _login(client, "wrong password!").status_code == 401
    assert _login(client, PASSWORD).status_code == 200


def test_two_processes_share_the_count(database_url, tmp_path, app, world):
    """Two app instances, like two gunicorn workers with memory rate limits, one database."""
    first = app.test_client()
    second = make_app(database_url, tmp_path / "second").test_client()
    statuses = [_login(c, "wrong password!").status_code for _ in range(5) for c in (first, second)]
    assert statuses.count(401) == 9 and statuses[-1] == 429
    assert _login(first, PASSWORD).status_code == 429
    assert _login(second, PASSWORD).status_code == 429


def test_an_admin_unlocks_with_a_reason_and_it_is_audited(app, client, world):
    for _ in range(10):
        _login(client, "wrong password!")
    path = f"/api/v1/staff/{world.staff['coordinator_a']}/unlock"
    listed = {u["email"]: u for u in client.get("/api/v1/staff", headers=world.headers("admin")).json}
    assert listed[COORD]["login_locked_until"] is not None
    assert client.post(path, json={"reason": "called the site"}).status_code == 401
    assert client.post(path, json={}, headers=world.headers("coordinator_a")).status_code == 403
    assert client.post(path, json={}, headers=world.headers("monitor")).status_code == 403
    assert client.post(path, json={}, headers=world.headers("admin")).status_code == 422
    r = client.post(path, json={"reason": "verified by phone"}, headers=world.headers("admin"))
    assert r.status_code == 200 and r.json["login_locked_until"] is None
    (event,) = _events(app, "staff.login_unlock")
    assert event.actor_id == world.staff["admin"] and event.reason == "verified by phone"
    assert event.before["failed_logins"] == 10
    assert _login(client, PASSWORD).status_code == 200
    missing = client.post(
        "/api/v1/staff/nobody/unlock", json={"reason": "typo"}, headers=world.headers("admin")
    )
    assert missing.status_code == 404


def test_unknown_emails_are_not_counted_and_stay_401(client, world):
    assert [_login(client, "x", "nobody@example.org").status_code for _ in range(12)] == [401] * 12
