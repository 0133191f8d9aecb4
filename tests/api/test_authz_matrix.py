"""Authorization matrix: every endpoint x every role, the other site and the other patient.

401 without a valid token, 403 for a role (or token kind) that may not use the endpoint,
404 for ids outside the caller's scope, so existence never leaks. Rows for later features
live next to those features' tests and use :func:`check_matrix` from here.
"""

import itertools

import pytest

from tests.factories import PASSWORD
from tests.helpers import CALLERS, STAFF_READ, STAFF_WRITE, check_matrix

_counter = itertools.count()
P1: list[str] = []  # p1's id, for bodies that name it (set by the test below)


def uniq(prefix):
    return f"{prefix}{next(_counter)}"


ADMIN_ONLY_201 = {
    "anonymous": 401,
    "admin": 201,
    "monitor": 403,
    "coordinator_a": 403,
    "investigator_a": 403,
    "coordinator_b": 403,
    "investigator_b": 403,
    "p1": 403,
    "p3": 403,
}

ROWS = [
    ("GET", "/api/v1/sites", {**STAFF_READ, "admin": 200, "coordinator_b": 200, "investigator_b": 200}, None),
    (
        "POST",
        "/api/v1/sites",
        ADMIN_ONLY_201,
        lambda who: {"name": "N", "code": uniq("C"), "timezone": "UTC", "alert_emails": []},
    ),
    ("GET", "/api/v1/staff", {**ADMIN_ONLY_201, "admin": 200}, None),
    (
        "POST",
        "/api/v1/staff",
        ADMIN_ONLY_201,
        lambda who: {
            "email": f"{uniq('u')}@example.org",
            "name": "N",
            "role": "monitor",
            "password": "a long enough password",
        },
    ),
    ("GET", "/api/v1/participants", {**STAFF_READ, "coordinator_b": 200, "investigator_b": 200}, None),
    ("GET", "/api/v1/participants/{p1}", STAFF_READ, None),
    ("PATCH", "/api/v1/participants/{p1}", STAFF_WRITE, {"language": "en", "reason": "patient asked"}),
    (
        "POST",
        "/api/v1/participants/{p1}/activation-code",
        {**STAFF_WRITE, "coordinator_a": 201, "investigator_a": 201},
        None,
    ),
    ("GET", "/api/v1/participants/{p1}/devices", STAFF_WRITE, None),
    ("GET", "/api/v1/participants/{p1}/audit", STAFF_READ, None),
    (
        "GET",
        "/api/v1/me",
        {caller: 403 for caller in CALLERS} | {"anonymous": 401, "p1": 200, "p3": 200},
        None,
    ),
    # sign-off (issue 19): p1's cycle 1 is still running, so the one who may sign it gets 409
    ("GET", "/api/v1/participants/{p1}/cycles/1", STAFF_READ, None),
    ("GET", "/api/v1/participants/{p1}/cycles/1/signatures", STAFF_READ, None),
    (
        "POST",
        "/api/v1/participants/{p1}/cycles/1/signatures",
        {**STAFF_WRITE, "coordinator_a": 403, "investigator_a": 409},
        {"password": PASSWORD, "meaning": "reviewed"},
    ),
    (
        "POST",
        "/api/v1/signatures",
        {**STAFF_WRITE, "coordinator_a": 403, "investigator_a": 409},
        lambda who: {
            "password": PASSWORD,
            "meaning": "reviewed",
            "cycles": [{"participant_id": P1[0], "cycle": 1}],
        },
    ),
    ("GET", "/api/v1/signatures/to-sign", {**STAFF_READ, "coordinator_b": 200, "investigator_b": 200}, None),
    ("GET", "/api/v1/signatures/to-sign?participant_id={p1}", STAFF_READ, None),
    (
        "GET",
        "/api/v1/staff/me/signing",
        {caller: 200 for caller in CALLERS} | {"anonymous": 401, "p1": 403, "p3": 403},
        None,
    ),
    # data queries (issue 19)
    ("GET", "/api/v1/queries", {**STAFF_READ, "coordinator_b": 200, "investigator_b": 200}, None),
    ("GET", "/api/v1/queries?participant_id={p1}", STAFF_READ, None),
    ("GET", "/api/v1/queries/summary?site_id={site_a}", STAFF_READ, None),
    (
        "POST",
        "/api/v1/queries",
        {**STAFF_READ, "monitor": 201, "coordinator_a": 201, "investigator_a": 201},
        lambda who: {
            "participant_id": P1[0],
            "target_kind": "participant",
            "target_field": "timezone",
            "question": f"asked by {who}",
        },
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "expected", "body"), ROWS, ids=[f"{m} {p}" for m, p, _, _ in ROWS]
)
def test_authorization_matrix(client, world, method, path, expected, body):
    P1[:] = [world.participants["p1"]]
    check_matrix(client, world, method, path, expected, body)


def test_enrol_matrix(client, world):
    def body(who):
        return {
            "study_id": uniq("09-"),
            "site_id": world.sites["a"],
            "timezone": "Asia/Shanghai",
            "reminder_time": "08:00",
            "c1d1": "2026-11-20",
        }

    expected = {
        **STAFF_WRITE,
        "coordinator_a": 201,
        "investigator_a": 201,
        "coordinator_b": 422,
        "investigator_b": 422,
    }
    check_matrix(client, world, "POST", "/api/v1/participants", expected, body)


def test_lists_show_only_the_callers_site(client, world):
    def study_ids(who):
        return sorted(
            p["study_id"] for p in client.get("/api/v1/participants", headers=world.headers(who)).json
        )

    assert study_ids("coordinator_a") == ["01-001", "01-002"]
    assert study_ids("coordinator_b") == ["02-001"]
    assert study_ids("monitor") == ["01-001", "01-002", "02-001"]
    forged = client.get(
        f"/api/v1/participants?site_id={world.sites['a']}", headers=world.headers("coordinator_b")
    )
    assert forged.json == []


def test_device_sees_only_its_own_participant(client, world):
    assert client.get("/api/v1/me", headers=world.headers("p3")).json["study_id"] == "02-001"
    assert "site_id" not in client.get("/api/v1/me", headers=world.headers("p1")).json


def test_revoking_another_sites_device_is_404(client, world):
    pid = world.participants["p1"]
    devices = client.get(f"/api/v1/participants/{pid}/devices", headers=world.headers("coordinator_a")).json
    r = client.post(
        f"/api/v1/participants/{pid}/devices/{devices[0]['id']}/revoke",
        json={"reason": "lost phone"},
        headers=world.headers("coordinator_b"),
    )
    assert r.status_code == 404
