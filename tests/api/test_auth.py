"""Staff sign-in, tokens and their expiry."""

from datetime import timedelta

import time_machine

from backend import clock
from tests.factories import PASSWORD


def login(client, email, password=PASSWORD):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_login_returns_token_that_works(client, world):
    r = login(client, "coordinator_a@example.org")
    assert r.status_code == 200, r.json
    assert r.json["user"]["role"] == "coordinator"
    token = r.json["access_token"]
    sites = client.get("/api/v1/sites", headers={"Authorization": f"Bearer {token}"})
    assert sites.status_code == 200
    assert [s["code"] for s in sites.json] == ["SA"]


def test_wrong_password_and_unknown_email_are_both_401(client, world):
    assert login(client, "coordinator_a@example.org", "wrong password!").status_code == 401
    assert login(client, "nobody@example.org").status_code == 401


def test_login_with_malformed_email_is_422_naming_the_field(client, world):
    r = client.post("/api/v1/auth/login", json={"email": "not-an-email", "password": "x"})
    assert r.status_code == 422
    assert "email" in r.json["errors"]["json"]


def test_logout_revokes_the_token(client, world):
    token = login(client, "investigator_a@example.org").json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/sites", headers=headers).status_code == 401


def test_token_expires_after_its_lifetime(client, world):
    token = login(client, "monitor@example.org").json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/sites", headers=headers).status_code == 200
    with time_machine.travel(clock.now() + timedelta(hours=12, minutes=1)):
        assert client.get("/api/v1/sites", headers=headers).status_code == 401


def test_tokens_are_stored_hashed(client, world, app):
    from sqlalchemy import select

    from backend.db import db
    from backend.models import Device, StaffToken

    token = login(client, "admin@example.org").json["access_token"]
    with app.app_context():
        hashes = db.session.scalars(select(StaffToken.token_hash)).all()
        device_hashes = db.session.scalars(select(Device.token_hash)).all()
    assert token not in hashes and all(len(h) == 64 for h in hashes)
    assert world.tokens["p1"] not in device_hashes


def test_missing_or_garbage_token_is_401(client, world):
    assert client.get("/api/v1/sites").status_code == 401
    assert client.get("/api/v1/sites", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
