"""A 422 names each field under where it was sent, as flask-smorest does (issue 15, item 5):
``json`` (the body), ``query``, ``path`` or ``headers``, whether the schema or a service refused it."""

from __future__ import annotations

import json

DOSE = "/api/v1/me/doses"


def test_a_body_field_is_reported_under_json(client, world):
    r = client.put(f"{DOSE}/2026-11-24", json={"taken": True, "dose_mg": 0}, headers=world.headers("p1"))
    assert r.status_code == 422
    assert set(r.json["errors"]) == {"json"} and "dose_mg" in r.json["errors"]["json"]


def test_a_body_field_refused_by_a_service_is_reported_under_json(client, world):
    pid = world.participants["p1"]
    r = client.post(
        f"/api/v1/participants/{pid}/holds",
        json={"start_date": "2099-12-31", "reason": "testing a bound"},
        headers=world.headers("investigator_a"),
    )
    assert r.status_code == 422
    assert set(r.json["errors"]) == {"json"} and "start_date" in r.json["errors"]["json"]


def test_a_query_argument_is_reported_under_query(client, world):
    r = client.get("/api/v1/me/calendar?from=someday", headers=world.headers("p1"))
    assert r.status_code == 422 and set(r.json["errors"]) == {"query"} and "from" in r.json["errors"]["query"]


def test_a_query_argument_refused_by_a_service_is_reported_under_query(client, world):
    r = client.get("/api/v1/me/calendar?from=2026-02-01&to=2026-01-01", headers=world.headers("p1"))
    assert r.status_code == 422
    assert r.json["errors"] == {"query": {"to": ["2026-01-01 is before from (2026-02-01)"]}}


def test_a_bad_cursor_is_reported_under_query(client, world):
    r = client.get("/api/v1/participants?cursor=not-ours", headers=world.headers("coordinator_a"))
    assert r.status_code == 422 and r.json["errors"] == {"query": {"cursor": ["not a cursor of this list"]}}


def test_a_path_date_is_reported_under_path(client, world):
    h = world.headers("p1")
    malformed = client.put(f"{DOSE}/20261130", json={"taken": True}, headers=h)
    assert malformed.status_code == 422
    assert malformed.json["errors"] == {"path": {"date": ["expected a date YYYY-MM-DD"]}}
    future = client.put(f"{DOSE}/2026-12-20", json={"taken": True}, headers=h)  # refused by the service
    assert future.status_code == 422 and set(future.json["errors"]) == {"path"}
    assert "in the future" in future.json["errors"]["path"]["date"][0]
    staff = client.get(
        f"/api/v1/participants/{world.participants['p1']}/doses/0001-01-01",
        headers=world.headers("coordinator_a"),
    )
    assert staff.status_code == 422 and set(staff.json["errors"]) == {"path"}


def test_a_request_header_is_reported_under_headers(client, world):
    r = client.put(
        f"{DOSE}/2026-11-24",
        json={"taken": True},
        headers={**world.headers("p1"), "X-Device-Time": "yesterday"},
    )
    assert r.status_code == 422
    assert r.json["errors"] == {"headers": {"X-Device-Time": ["expected an ISO 8601 instant with an offset"]}}


def test_nul_characters_are_reported_where_they_were_sent(client, world):
    r = client.get("/api/v1/me/calendar?from=2026-01-01%00", headers=world.headers("p1"))
    assert r.status_code == 422 and set(r.json["errors"]) == {"query"}
    r = client.put(f"{DOSE}/2026-11-24", json={"taken": True, "note": "a\x00b"}, headers=world.headers("p1"))
    assert r.status_code == 422 and set(r.json["errors"]) == {"json"}


def test_the_openapi_document_describes_the_error_locations(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["components"]["responses"]["DEFAULT_ERROR"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApiError"
    }
    description = spec["components"]["schemas"]["ApiError"]["properties"]["errors"]["description"]
    for location in ("`json`", "`query`", "`path`", "`headers`"):
        assert location in description
    # every documented error answer has the one error body (with ``reason``), never a bare one
    assert "#/components/schemas/Error\"" not in json.dumps(spec["paths"])
