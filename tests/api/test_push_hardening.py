"""Push subscriptions cannot be taken over, and only push services can be endpoints (no SSRF).

Issue 12, findings 1 and 2: an endpoint registered to one account is never moved to another
(409 naming ``endpoint``), only its owner can unsubscribe it, and the server accepts only
``https`` endpoints of the push services on ``PUSH_SERVICE_HOSTS``; ``PUSH_ALLOW_LOOPBACK=1``
(set by tests/conftest.py for the local push services) adds ``http://127.0.0.1:PORT`` and
``http://[::1]:PORT`` and nothing else.
"""

from __future__ import annotations

import pytest

from backend.db import db
from backend.models import PushSubscription
from backend.notify.endpoints import DEFAULT_PUSH_SERVICE_HOSTS, EndpointPolicy
from tests.conftest import make_app
from tests.support.push_endpoint import PushEndpoint

DEVICE = "/api/v1/me/push-subscriptions"
STAFF = "/api/v1/staff/me/push-subscriptions"
FCM = "https://fcm.googleapis.com/fcm/send/dGVzdC1lbmRwb2ludA:APA91bF"


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    return PushEndpoint()


def _sub(app, endpoint: str) -> PushSubscription:  # type: ignore[no-untyped-def]
    with app.app_context(), db.session_scope() as session:
        sub = session.query(PushSubscription).filter_by(endpoint=endpoint).one()
        session.expunge(sub)
        return sub


def _body(browser, endpoint: str) -> dict:  # type: ignore[no-untyped-def]
    return {**browser.subscription("/x"), "endpoint": endpoint}


@pytest.mark.parametrize(
    ("owner", "owner_url", "thief", "thief_url"),
    [
        ("p1", DEVICE, "coordinator_b", STAFF),  # another site's coordinator takes a phone's endpoint
        ("coordinator_a", STAFF, "p1", DEVICE),  # a device takes a coordinator's endpoint
        ("p1", DEVICE, "p3", DEVICE),  # another patient
        ("coordinator_a", STAFF, "investigator_a", STAFF),  # a colleague at the same site
    ],
)
def test_an_endpoint_owned_by_someone_else_is_never_moved(
    app, client, world, browser, owner, owner_url, thief, thief_url
):
    body = browser.subscription(f"/push/{owner}")
    first = client.post(owner_url, json=body, headers=world.headers(owner))
    assert first.status_code == 201
    before = _sub(app, body["endpoint"])

    stolen = client.post(thief_url, json=body, headers=world.headers(thief))

    assert stolen.status_code == 409
    assert "endpoint" in stolen.json["errors"]["json"]
    after = _sub(app, body["endpoint"])
    assert (after.participant_id, after.staff_user_id, after.p256dh, after.auth) == (
        before.participant_id,
        before.staff_user_id,
        before.p256dh,
        before.auth,
    )
    # The thief cannot delete it either; the owner still can.
    assert (
        client.delete(
            thief_url, json={"endpoint": body["endpoint"]}, headers=world.headers(thief)
        ).status_code
        == 404
    )
    assert _sub(app, body["endpoint"]).disabled_at is None
    assert (
        client.delete(
            owner_url, json={"endpoint": body["endpoint"]}, headers=world.headers(owner)
        ).status_code
        == 204
    )


def test_a_disabled_endpoint_still_belongs_to_its_owner(app, client, world, browser):
    body = browser.subscription("/push/p1")
    assert client.post(DEVICE, json=body, headers=world.headers("p1")).status_code == 201
    assert (
        client.delete(DEVICE, json={"endpoint": body["endpoint"]}, headers=world.headers("p1")).status_code
        == 204
    )

    assert client.post(STAFF, json=body, headers=world.headers("coordinator_b")).status_code == 409
    assert _sub(app, body["endpoint"]).participant_id == world.participants["p1"]
    # The owner re-enables it on the same row.
    again = client.post(DEVICE, json=body, headers=world.headers("p1"))
    assert again.status_code == 201 and _sub(app, body["endpoint"]).disabled_at is None


REFUSED = [
    "http://127.0.0.1:5432/",
    "http://[::1]:6379/",
    "http://localhost:6379/x",
    "https://localhost/x",
    "https://127.0.0.1/x",
    "https://[::1]/x",
    "https://169.254.169.254/latest/meta-data",
    "https://2130706433/x",
    "https://0x7f000001/x",
    "https://10.0.0.8/push",
    "https://push.localhost/x",
    "https://evil.example.com/push",
    "https://fcm.googleapis.com.evil.example/x",
    "https://evilfcm.googleapis.com/x",
    "https://user:pw@fcm.googleapis.com/fcm/send/x",
    "https://fcm.googleapis.com:8443/fcm/send/x",
    "http://fcm.googleapis.com/fcm/send/x",
    "https://notify.windows.com/w/",
]
ACCEPTED = [
    FCM,
    "https://android.googleapis.com/gcm/send/abc",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABh",
    "https://web.push.apple.com/QGuQyavXutnMei",
    "https://wns2-by3p.notify.windows.com/w/?token=BQYAAAB",
    "https://FCM.googleapis.com./fcm/send/upper-case-and-trailing-dot",
]


@pytest.fixture
def strict_client(database_url, tmp_path):  # type: ignore[no-untyped-def]
    """The app as production runs it: PUSH_ALLOW_LOOPBACK unset, default push services."""
    return make_app(database_url, tmp_path / "strict", PUSH_ALLOW_LOOPBACK="").test_client()


@pytest.mark.parametrize("endpoint", REFUSED)
@pytest.mark.parametrize("url", [DEVICE, STAFF])
def test_endpoints_that_are_not_push_services_are_refused_with_422(
    app, strict_client, world, browser, endpoint, url
):
    who = "p1" if url == DEVICE else "coordinator_a"
    r = strict_client.post(url, json=_body(browser, endpoint), headers=world.headers(who))
    assert r.status_code == 422, r.json
    assert "endpoint" in r.json["errors"]["json"]
    with app.app_context(), db.session_scope() as session:
        assert session.query(PushSubscription).count() == 0


@pytest.mark.parametrize("endpoint", ACCEPTED)
def test_endpoints_of_the_default_push_services_are_accepted(strict_client, world, browser, endpoint):
    r = strict_client.post(DEVICE, json=_body(browser, endpoint), headers=world.headers("p1"))
    assert r.status_code == 201, r.json


def test_loopback_switch_allows_only_http_loopback_with_a_port(client, world, browser):
    """PUSH_ALLOW_LOOPBACK=1 (the test configuration) opens 127.0.0.1:PORT and [::1]:PORT only."""
    for endpoint in ("http://127.0.0.1:8089/push/a", "http://[::1]:8089/push/b"):
        assert (
            client.post(DEVICE, json=_body(browser, endpoint), headers=world.headers("p1")).status_code == 201
        )
    for endpoint in (
        "http://localhost:8089/push/c",
        "http://127.0.0.2:8089/push/d",
        "http://127.0.0.1/push/e",
        "http://10.1.2.3:8089/push/f",
        "http://[::ffff:127.0.0.1]:8089/push/g",
        "https://evil.example.com/push/h",
    ):
        r = client.post(DEVICE, json=_body(browser, endpoint), headers=world.headers("p1"))
        assert r.status_code == 422 and "endpoint" in r.json["errors"]["json"], endpoint


def test_push_service_hosts_replaces_the_default_list(database_url, tmp_path, world, browser):
    client = make_app(
        database_url,
        tmp_path / "hosts",
        PUSH_ALLOW_LOOPBACK="0",
        PUSH_SERVICE_HOSTS="push.example.org, .push.example.net",
    ).test_client()
    for endpoint, status in (
        ("https://push.example.org/a", 201),
        ("https://eu.push.example.net/b", 201),
        ("https://push.example.net/c", 422),  # a suffix entry matches hosts below it only
        ("https://x.push.example.org/d", 422),  # an exact entry matches that host only
        (FCM, 422),
    ):
        r = client.post(DEVICE, json=_body(browser, endpoint), headers=world.headers("p1"))
        assert r.status_code == status, endpoint


@pytest.mark.parametrize("hosts", ["127.0.0.1", "localhost", ".", "10.0.0.1,fcm.googleapis.com", "::1"])
def test_push_service_hosts_cannot_name_addresses(hosts):
    with pytest.raises(ValueError, match="PUSH_SERVICE_HOSTS"):
        EndpointPolicy.from_env({"PUSH_SERVICE_HOSTS": hosts})


def test_loopback_is_off_unless_set_exactly():
    assert EndpointPolicy.from_env({}) == EndpointPolicy(DEFAULT_PUSH_SERVICE_HOSTS, allow_loopback=False)
    assert not EndpointPolicy.from_env({"PUSH_ALLOW_LOOPBACK": "0"}).allow_loopback
    assert EndpointPolicy.from_env({"PUSH_ALLOW_LOOPBACK": "1"}).allow_loopback
