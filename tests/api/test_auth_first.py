"""Authentication before validation (issue 12, finding 7), on every endpoint that takes input.

An anonymous caller gets 401, a token of the wrong kind 403, a staff role that may never use
the endpoint 403 (404 for another site's participant: scope first), all before a 422 could
list the fields the endpoint takes.
"""

from __future__ import annotations

import pytest

PUBLIC = {
    "/api/v1/auth/login",
    "/api/v1/device/activate",
    "/api/v1/push/vapid-public-key",
    "/api/v1/push/receipts",  # authenticated by the push subscription itself (endpoint + auth secret)
}


def _operations(app, world):  # type: ignore[no-untyped-def]
    """(method, path, takes a body, takes query args) of every /api/v1 operation, ids filled in."""
    spec = app.test_client().get("/api/openapi.json").get_json()
    found = []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1/") or path in PUBLIC:
            continue
        for method, operation in operations.items():
            if method == "parameters":
                continue
            filled = (
                path.replace("{participant_id}", world.participants["p1"])
                .replace("{site_id}", world.sites["a"])
                .replace("{date}", "2026-11-24")
                .replace("{number}", "1")
                .replace("{domain}", "ec")
                .replace("{fmt}", "csv")
            )
            filled = filled.replace("{", "x").replace("}", "")
            query = any(p["in"] == "query" for p in operation.get("parameters", []))
            found.append((method.upper(), filled, "requestBody" in operation, query))
    return found


def _is_device(path: str) -> bool:
    return path == "/api/v1/me" or path.startswith("/api/v1/me/")


def _call(client, method, path, headers, has_query):  # type: ignore[no-untyped-def]
    if has_query:  # invalid values for any query argument
        path += "?from=not-a-date&to=x&status=nonsense&start_date=x&site_id=" + "x" * 100
    return client.open(path, method=method, json={}, headers=headers)


def test_anonymous_gets_401_before_any_validation(app, client, world):
    operations = _operations(app, world)
    assert sum(1 for op in operations if op[2]) >= 25
    for method, path, _body, has_query in operations:
        r = _call(client, method, path, {}, has_query)
        assert r.status_code == 401, (method, path, r.status_code, r.json)
        assert r.headers["WWW-Authenticate"] == "Bearer"
        r = client.open(path, method=method, json={}, headers={"Authorization": "Bearer st_forged"})
        assert r.status_code == 401, (method, path)


def test_a_token_of_the_wrong_kind_gets_403_before_any_validation(app, client, world):
    for method, path, _body, has_query in _operations(app, world):
        who = "coordinator_a" if _is_device(path) else "p1"
        r = _call(client, method, path, world.headers(who), has_query)
        assert r.status_code == 403, (method, path, who, r.status_code, r.json)


@pytest.mark.parametrize(
    ("who", "method", "path"),
    [
        ("monitor", "POST", "/api/v1/participants/{p1}/holds"),
        ("coordinator_a", "POST", "/api/v1/participants/{p1}/holds"),
        ("coordinator_a", "POST", "/api/v1/participants/{p1}/dose-changes"),
        ("coordinator_a", "POST", "/api/v1/participants/{p1}/discontinue"),
        ("coordinator_a", "POST", "/api/v1/participants/{p1}/cycles/1/signatures"),
        ("monitor", "POST", "/api/v1/participants/{p1}/cycles"),
        ("monitor", "PATCH", "/api/v1/participants/{p1}"),
        ("monitor", "PUT", "/api/v1/participants/{p1}/doses/2026-11-24"),
        ("admin", "POST", "/api/v1/participants"),
        ("coordinator_a", "POST", "/api/v1/staff"),
        ("investigator_a", "POST", "/api/v1/sites"),
        ("monitor", "POST", "/api/v1/alerts/whatever/acknowledge"),
        ("admin", "POST", "/api/v1/queries"),
        ("monitor", "POST", "/api/v1/queries/whatever/answer"),
    ],
)
def test_a_role_that_may_never_act_gets_403_before_422(client, world, who, method, path):
    r = client.open(path.format(**world.participants), method=method, json={}, headers=world.headers(who))
    assert r.status_code == 403, r.json


def test_another_sites_participant_stays_404_whatever_the_role(client, world):
    """A role that may not act still gets 404 for another site's participant (scope first), and
    every answer is the same for a real id of another site as for an id that does not exist."""
    hold = {"start_date": "2026-11-24", "reason": "a reason"}
    for who, body, status in (
        ("coordinator_b", {}, 404),
        ("investigator_b", hold, 404),
        ("investigator_b", {}, 422),
    ):
        answers = [
            client.post(f"/api/v1/participants/{pid}/holds", json=body, headers=world.headers(who))
            for pid in (world.participants["p1"], "0" * 32)
        ]
        assert [a.status_code for a in answers] == [status, status], who
        assert answers[0].json == answers[1].json


def test_the_right_caller_still_gets_field_errors(client, world):
    r = client.post("/api/v1/staff", json={}, headers=world.headers("admin"))
    assert r.status_code == 422 and "email" in r.json["errors"]["json"]
    r = client.post(
        f"/api/v1/participants/{world.participants['p1']}/holds",
        json={},
        headers=world.headers("investigator_a"),
    )
    assert r.status_code == 422 and "start_date" in r.json["errors"]["json"]
    assert client.post("/api/v1/auth/login", json={}).status_code == 422


def test_anonymous_hostile_bodies_get_401_not_their_parse_errors(client):
    r = client.post("/api/v1/staff", data="[" * 900, headers={"Content-Type": "application/json"})
    assert r.status_code == 401
    r = client.post("/api/v1/sites", data='{"name": "\\ud800"}', headers={"Content-Type": "application/json"})
    assert r.status_code == 401
