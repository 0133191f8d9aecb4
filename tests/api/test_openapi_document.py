"""The OpenAPI document says what the server enforces (issue 12, finding 10).

Each documented limit is also exercised: the statuses listed are the ones the server answers,
and the constraints written down are the ones it applies.
"""

from __future__ import annotations

import re

import pytest

PUBLIC = {
    "/api/v1/auth/login",
    "/api/v1/device/activate",
    "/api/v1/push/vapid-public-key",
    "/api/v1/push/receipts",  # authenticated by the push subscription itself (endpoint + auth secret)
}


@pytest.fixture
def spec(client):  # type: ignore[no-untyped-def]
    return client.get("/api/openapi.json").get_json()


def _operations(spec):  # type: ignore[no-untyped-def]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method != "parameters":
                yield path, method, operation


def test_error_statuses_are_documented_where_they_occur(spec):
    operations = list(_operations(spec))
    assert len(operations) > 50
    for path, method, operation in operations:
        codes = set(operation["responses"])
        where = (method, path)
        assert "default" not in codes, where
        assert "422" in codes, where
        if path.startswith("/api/v1/") and path not in PUBLIC:
            assert {"401", "403"} <= codes, where
        if "{" in path and path.startswith("/api/v1/"):
            assert "404" in codes, where
        if "requestBody" in operation:
            assert {"400", "413"} <= codes, where
        authenticated = path.startswith("/api/v1/") and path not in PUBLIC
        if method in ("post", "put", "patch", "delete") and authenticated:
            assert "409" in codes, where
    for path, method in (("/api/v1/signatures", "post"), ("/api/v1/queries/summary", "get")):
        assert "404" in spec["paths"][path][method]["responses"]  # ids in the body or the query
    for path in ("/api/v1/auth/login", "/api/v1/device/activate"):
        assert "401" in spec["paths"][path]["post"]["responses"]  # wrong credentials
        limited = spec["paths"][path]["post"]["responses"]["429"]
        assert "Retry-After" in limited["headers"]


def test_field_constraints_match_the_server(spec, client, world):
    schemas = spec["components"]["schemas"]
    for name in ("PatientDoseIn", "SiteDoseIn", "DoseChangeIn", "ParticipantIn"):
        dose = schemas[name]["properties"]["dose_mg"]
        assert dose["minimum"] == 0 and dose["exclusiveMinimum"] is True, name
    pattern = schemas["ParticipantPatch"]["properties"]["reminder_time"]["pattern"]
    assert re.fullmatch(pattern, "07:05") and not re.fullmatch(pattern, "7:5")
    assert "64" in schemas["SymptomReportIn"]["properties"]["answers"]["description"]
    (date,) = [p for p in spec["paths"]["/api/v1/me/doses/{date}"]["parameters"] if p["name"] == "date"]
    assert date["schema"]["format"] == "date"
    assert not re.fullmatch(date["schema"]["pattern"], "20261130")
    calendar = spec["paths"]["/api/v1/me/calendar"]["get"]["parameters"]
    assert "400 days" in next(p for p in calendar if p["name"] == "to")["description"]
    # and the server agrees with each of these
    put = client.put(
        "/api/v1/me/doses/2026-11-24", json={"taken": True, "dose_mg": 0}, headers=world.headers("p1")
    )
    assert put.status_code == 422 and "dose_mg" in put.json["errors"]["json"]
    r = client.get("/api/v1/me/calendar?from=2025-01-01&to=2026-02-05", headers=world.headers("p1"))
    assert r.status_code == 422 and "to" in r.json["errors"]["query"]


def test_the_nul_ban_is_a_pattern_on_every_free_text_input(spec, client, world):
    schemas = spec["components"]["schemas"]
    note = schemas["PatientDoseIn"]["properties"]["note"]
    assert note["pattern"] == "^[^\x00]*$"
    for name, schema in schemas.items():
        if not name.endswith(("In", "Patch")):
            continue
        for field, prop in schema.get("properties", {}).items():
            if prop.get("type") == "string":
                assert {"pattern", "enum", "format"} & set(prop), (name, field)
    r = client.put(
        "/api/v1/me/doses/2026-11-24", json={"taken": True, "note": "a\x00b"}, headers=world.headers("p1")
    )
    assert r.status_code == 422
    assert "NUL" in spec["info"]["description"]
