"""Web Push over HTTP: the VAPID public key, and subscriptions of phones and staff browsers."""

from __future__ import annotations

import pytest

from backend.db import db
from backend.models import PushSubscription
from tests.helpers import check_matrix
from tests.support.push_endpoint import PushEndpoint


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    """A browser's subscription keys (no server needed to subscribe)."""
    return PushEndpoint()


def _subs(app):  # type: ignore[no-untyped-def]
    with app.app_context(), db.session_scope() as session:
        return list(session.query(PushSubscription))


def test_vapid_public_key_is_public_and_stable(client):
    first = client.get("/api/v1/push/vapid-public-key")
    assert first.status_code == 200
    key = first.json["public_key"]
    assert len(key) == 87  # 65-byte uncompressed P-256 point, base64url without padding
    assert client.get("/api/v1/push/vapid-public-key").json["public_key"] == key


def test_vapid_public_key_from_the_environment(tmp_path, database_url):
    from backend.notify.vapid import generate_keys
    from tests.conftest import make_app

    keys = generate_keys()
    app = make_app(database_url, tmp_path / "env-instance", VAPID_PRIVATE_KEY=keys.private_pem)
    assert app.test_client().get("/api/v1/push/vapid-public-key").json == {
        "public_key": keys.public_key_b64url
    }
    assert not (tmp_path / "env-instance" / "vapid_private.pem").exists()


def test_patient_subscribes_refreshes_and_unsubscribes(app, client, world, browser):
    body = browser.subscription("/push/p1")
    r = client.post("/api/v1/me/push-subscriptions", json=body, headers=world.headers("p1"))
    assert r.status_code == 201 and r.json["endpoint"] == body["endpoint"]
    again = client.post("/api/v1/me/push-subscriptions", json=body, headers=world.headers("p1"))
    assert again.status_code == 201 and again.json["id"] == r.json["id"]  # upsert by endpoint
    [sub] = _subs(app)
    assert sub.participant_id == world.participants["p1"] and sub.staff_user_id is None
    r = client.delete(
        "/api/v1/me/push-subscriptions", json={"endpoint": body["endpoint"]}, headers=world.headers("p1")
    )
    assert r.status_code == 204
    assert _subs(app)[0].disabled_at is not None
    # Subscribing again re-enables the endpoint.
    client.post("/api/v1/me/push-subscriptions", json=body, headers=world.headers("p1"))
    assert _subs(app)[0].disabled_at is None


def test_browser_subscription_json_with_expiration_time_is_accepted(client, world, browser):
    body = {**browser.subscription("/push/p1"), "expirationTime": None}
    assert (
        client.post("/api/v1/me/push-subscriptions", json=body, headers=world.headers("p1")).status_code
        == 201
    )


def test_staff_subscription_belongs_to_the_staff_user(app, client, world, browser):
    body = browser.subscription("/push/coord")
    r = client.post("/api/v1/staff/me/push-subscriptions", json=body, headers=world.headers("coordinator_a"))
    assert r.status_code == 201
    [sub] = _subs(app)
    assert sub.staff_user_id == world.staff["coordinator_a"] and sub.participant_id is None


@pytest.mark.parametrize(
    ("keys", "field"),
    [
        ({"p256dh": "bm90LWEta2V5", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}, "keys.p256dh"),
        (None, "keys.auth"),
    ],
)
def test_invalid_subscription_keys_are_rejected_with_422(client, world, browser, keys, field):
    body = browser.subscription("/push/p1")
    body["keys"] = keys or {"p256dh": body["keys"]["p256dh"], "auth": "c2hvcnQ"}
    r = client.post("/api/v1/me/push-subscriptions", json=body, headers=world.headers("p1"))
    assert r.status_code == 422
    assert field in r.json["errors"]["json"]


def test_missing_endpoint_or_unknown_fields_are_422(client, world, browser):
    body = browser.subscription("/push/p1")
    assert (
        client.post(
            "/api/v1/me/push-subscriptions", json={"keys": body["keys"]}, headers=world.headers("p1")
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/me/push-subscriptions", json={**body, "health": "x"}, headers=world.headers("p1")
        ).status_code
        == 422
    )


def test_one_cannot_delete_someone_elses_subscription(client, world, browser):
    body = browser.subscription("/push/p1")
    client.post("/api/v1/me/push-subscriptions", json=body, headers=world.headers("p1"))
    r = client.delete(
        "/api/v1/me/push-subscriptions", json={"endpoint": body["endpoint"]}, headers=world.headers("p3")
    )
    assert r.status_code == 404


def test_authorization_matrix_for_subscriptions(client, world, browser):
    patient_only = {
        "anonymous": 401,
        "admin": 403,
        "monitor": 403,
        "coordinator_a": 403,
        "investigator_a": 403,
        "coordinator_b": 403,
        "investigator_b": 403,
        "p1": 201,
        "p3": 201,
    }
    check_matrix(
        client,
        world,
        "POST",
        "/api/v1/me/push-subscriptions",
        patient_only,
        body=lambda caller: browser.subscription(f"/push/{caller}"),
    )
    staff_only = {**{k: 201 for k in patient_only}, "anonymous": 401, "p1": 403, "p3": 403}
    check_matrix(
        client,
        world,
        "POST",
        "/api/v1/staff/me/push-subscriptions",
        staff_only,
        body=lambda caller: browser.subscription(f"/push/staff-{caller}"),
    )
