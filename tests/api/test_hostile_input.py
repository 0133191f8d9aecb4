"""Hostile input never reaches a crash (issue 12, finding 5): every case answers 4xx, never 500.

The app under test does not propagate exceptions (as under gunicorn), so a crash shows up as the
500 a real client would see, and every request of the corpus is checked for it.
"""

from __future__ import annotations

import json

import pytest

from backend.api.guard import MAX_BODY_BYTES, MAX_DEPTH, json_depth

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def api(app, world):  # type: ignore[no-untyped-def]
    """A client of an app that answers 500 (rather than raising) when a view crashes."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()

    def call(method: str, path: str, who: str | None = None, *, raw: str | bytes | None = None, **kw):  # type: ignore[no-untyped-def]
        headers = {**(world.headers(who) if who else {}), **kw.pop("headers", {})}
        if raw is not None:
            kw["data"], headers["Content-Type"] = raw, "application/json"
        return client.open(path, method=method, headers=headers, **kw)

    return call


def _ops(app, world, with_body: bool = False) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """Every documented operation (or those taking a JSON body) with its path filled in, and a
    token that reaches it. Logout is left out: it would revoke the token of the next calls."""
    spec = app.test_client().get("/api/openapi.json").get_json()
    ids = {
        "participant_id": world.participants["p1"],
        "site_id": world.sites["a"],
        "date": "2026-11-24",
        "number": "1",
        "domain": "ec",
        "fmt": "csv",
    }
    found = []
    for path, operations in spec["paths"].items():
        for method in operations:
            if method == "parameters" or path.endswith("/logout"):
                continue
            if with_body and "requestBody" not in operations[method]:
                continue
            filled = path
            for name, value in ids.items():
                filled = filled.replace("{" + name + "}", value)
            filled = filled.replace("{", "").replace("}", "")  # other ids: unknown, 404 at worst
            who = "p1" if path.startswith(("/api/v1/me", "/api/v1/device")) else "admin"
            if path.startswith(
                ("/api/v1/participants", "/api/v1/alerts", "/api/v1/queries", "/api/v1/signatures")
            ):
                who = "investigator_a"
            found.append((method.upper(), filled, who))
    return found


def test_lone_surrogates_are_refused_naming_the_field(api):
    r = api("POST", LOGIN, raw='{"email":"a@b.co","password":"\\ud800"}')
    assert r.status_code == 422
    assert r.json["errors"]["json"] == {"password": ["must be valid Unicode text (no lone surrogates)"]}
    r = api("PUT", "/api/v1/me/doses/2026-11-24", "p1", raw='{"taken":true,"note":"ok \\udfff"}')
    assert r.status_code == 422 and "note" in r.json["errors"]["json"]
    r = api(
        "POST",
        "/api/v1/sites",
        "admin",
        raw='{"name":"x","code":"C","timezone":"UTC","alert_emails":["\\ud83d@x.org"]}',
    )
    assert r.status_code == 422 and "alert_emails.0" in r.json["errors"]["json"]
    r = api("POST", LOGIN, raw='{"\\ud800":"x"}')
    assert r.status_code == 422


def test_a_paired_surrogate_is_ordinary_text(api):
    r = api("POST", LOGIN, raw='{"email":"a@b.co","password":"\\ud83d\\ude00"}')
    assert r.status_code == 401


def test_depth_is_measured_without_parsing():
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    assert json_depth(b"[" * 100_000) == MAX_DEPTH + 1  # stops at the limit


def test_deep_json_on_every_route_is_4xx(app, world, api):
    deep = "[" * 900 + "]" * 900
    inside = '{"note": ' + "[" * 500 + "]" * 500 + "}"
    operations = _ops(app, world)
    assert len(operations) > 50
    assert ("GET", "/healthz", "admin") in operations
    for method, path, who in operations:
        for body in (deep, inside):
            r = api(method, path, who, raw=body)
            assert r.status_code == 422, (method, path, r.status_code, r.get_data(as_text=True)[:200])
            assert r.json["errors"]["json"] == {"_schema": ["nested too deep"]}
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert api("GET", "/healthz", raw=ok).status_code == 200


def test_integers_past_the_parser_limit_are_422(api):
    r = api("POST", LOGIN, raw='{"email":"a@b.co","password":' + "9" * 5000 + "}")
    assert r.status_code == 422
    r = api("POST", "/api/v1/me/bp-readings", "p1", raw='{"systolic":' + "1" * 4301 + "}")
    assert r.status_code == 422
    r = api("GET", "/api/v1/participants?status=" + "9" * 5000, "coordinator_a")
    assert r.status_code == 422


def test_unparsable_json_is_400(api):
    assert api("POST", LOGIN, raw='{"email": ').status_code == 400
    assert api("POST", LOGIN, raw=b'{"email": "\xff\xfe"}').status_code == 400


def test_request_size_is_limited_with_413(api):
    r = api("POST", LOGIN, raw='{"email":"a@b.co","password":"' + "x" * MAX_BODY_BYTES + '"}')
    assert r.status_code == 413
    r = api("POST", LOGIN, raw='{"email":"a@b.co","password":"x"}')
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("taken_at", "0001-01-01T00:00+14:00"),
        ("taken_at", "9999-12-31T23:59:59-14:00"),
        ("taken_at", "1999-12-31T23:59:59+00:00"),
    ],
)
def test_extreme_instants_in_a_body_are_422(api, field, value):
    r = api("PUT", "/api/v1/me/doses/2026-11-24", "p1", json={"taken": True, field: value})
    assert r.status_code == 422
    assert r.json["errors"]["json"] == {field: ["must be between 2000-01-01 and 2099-12-31"]}


def test_extreme_device_time_and_path_dates_are_422(api, world):
    r = api(
        "PUT",
        "/api/v1/me/doses/2026-11-24",
        "p1",
        json={"taken": True},
        headers={"X-Device-Time": "9999-12-31T23:59:59-14:00"},
    )
    assert r.status_code == 422 and "X-Device-Time" in r.json["errors"]["headers"]
    for day in ("0001-01-01", "9999-12-31", "20261130", "2026-W48-1", "2026-11-30T00:00"):
        r = api("PUT", f"/api/v1/me/doses/{day}", "p1", json={"taken": True})
        assert r.status_code == 422, day
        r = api("GET", f"/api/v1/participants/{world.participants['p1']}/doses/{day}", "coordinator_a")
        assert r.status_code == 422, day


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "20261130"])
def test_dates_in_queries_and_bodies_are_bounded_and_strict(api, world, day):
    pid = world.participants["p1"]
    assert api("GET", f"/api/v1/me/calendar?from={day}", "p1").status_code == 422
    assert api("GET", f"/api/v1/exports/odm.xml?to={day}", "coordinator_a").status_code == 422
    r = api(
        "POST",
        f"/api/v1/participants/{pid}/holds",
        "investigator_a",
        json={"start_date": day, "reason": "testing a bound"},
    )
    assert r.status_code == 422 and "start_date" in r.json["errors"]["json"]
    r = api(
        "POST",
        f"/api/v1/participants/{pid}/dose-changes",
        "investigator_a",
        json={"effective_date": day, "dose_mg": 6, "reason": "testing a bound"},
    )
    assert r.status_code == 422 and "effective_date" in r.json["errors"]["json"]


def test_staff_email_longer_than_254_is_422(api, world):
    email = "a" * 243 + "@example.org"  # 255 characters
    body = {"email": email, "name": "Long", "role": "monitor", "password": "a long enough password"}
    r = api("POST", "/api/v1/staff", "admin", json=body)
    assert r.status_code == 422
    assert "email" in r.json["errors"]["json"]
    r = api("POST", LOGIN, json={"email": email, "password": "x"})
    assert r.status_code == 422


@pytest.mark.parametrize("zone", ["Factory", "localtime", "posixrules", "Etc/GMT+5", "US/Eastern"])
def test_non_geographic_zones_are_not_patient_time_zones(api, world, zone):
    pid = world.participants["p1"]
    r = api(
        "PATCH", f"/api/v1/participants/{pid}", "coordinator_a", json={"timezone": zone, "reason": "moved"}
    )
    assert r.status_code == 422
    assert "timezone" in r.json["errors"]["json"]


def test_geographic_zones_and_utc_are_accepted(api, world):
    pid = world.participants["p1"]
    for zone in ("America/New_York", "UTC", "Asia/Shanghai"):
        r = api(
            "PATCH",
            f"/api/v1/participants/{pid}",
            "coordinator_a",
            json={"timezone": zone, "reason": "moved"},
        )
        assert r.status_code == 200, zone


@pytest.mark.parametrize("value", ["7:5", "07:5", "7:05", "24:00", "07:60", "0700", "07:00:00"])
def test_times_must_be_hh_mm(api, world, value):
    pid = world.participants["p1"]
    r = api(
        "PATCH",
        f"/api/v1/participants/{pid}",
        "coordinator_a",
        json={"reminder_time": value, "reason": "x" * 5},
    )
    assert r.status_code == 422
    assert r.json["errors"]["json"] == {"reminder_time": ["expected a time HH:MM (00:00 to 23:59)"]}


def test_an_ordinary_time_is_accepted(api, world):
    pid = world.participants["p1"]
    r = api(
        "PATCH",
        f"/api/v1/participants/{pid}",
        "coordinator_a",
        json={"reminder_time": "07:05", "reason": "later"},
    )
    assert r.status_code == 200 and r.json["reminder_time"] == "07:05"


def test_the_corpus_never_answers_500(app, world, api):
    """Every operation with a body gets every malformed value in every string position."""
    corpus = ["\ud800", "a\x00b", "x" * 70_000, "0001-01-01", "9999-12-31T23:59:59-14:00", 10**400, -1e308]
    operations = _ops(app, world, with_body=True)
    assert len(operations) > 20
    for method, path, who in operations:
        for value in corpus:
            body = json.dumps(
                {"note": value, "reason": value, "date": value, "email": value}, allow_nan=False
            )
            r = api(method, path, who, raw=body)
            assert 400 <= r.status_code < 500, (method, path, repr(value)[:30], r.status_code)
