"""``limit``/``cursor`` on the lists that grow: every row exactly once, in a stable order, even
while rows are added between pages; cursors are opaque, per list, and a bad one is a 422."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine

from backend import clock
from backend.db import db
from tests.factories import enrol
from tests.helpers import bp, fever


def pages(client, world, path, who="coordinator_a", limit=2):
    """Follow X-Next-Cursor to the end; returns the pages (lists of rows)."""
    found, cursor = [], None
    while True:
        separator = "&" if "?" in path else "?"
        url = f"{path}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        r = client.get(url, headers=world.headers(who))
        assert r.status_code == 200, r.json
        found.append(r.json)
        cursor = r.headers.get("X-Next-Cursor")
        if cursor is None:
            assert "Link" not in r.headers
            return found
        assert r.headers["Link"].endswith('>; rel="next"') and f"cursor={cursor}" in r.headers["Link"]
        assert len(found) < 50, "pagination does not end"


def enrol_many(app, world, count, start=10):
    with app.test_request_context():
        for n in range(start, start + count):
            enrol(world, f"x{n}", "a", study_id=f"01-{n:03d}")
        db.commit_request()


def test_participants_page_in_study_id_order_without_duplicates_or_gaps_while_rows_are_added(
    app, client, world
):
    enrol_many(app, world, 7)  # site A: 01-001, 01-002, 01-010 .. 01-016
    everything = client.get("/api/v1/participants", headers=world.headers("coordinator_a")).json
    assert len(everything) == 9
    first = client.get("/api/v1/participants?limit=4", headers=world.headers("coordinator_a"))
    assert [p["study_id"] for p in first.json] == ["01-001", "01-002", "01-010", "01-011"]
    # New participants arrive between pages: one sorting before the cursor, one after.
    with app.test_request_context():
        enrol(world, "early", "a", study_id="01-000")
        enrol(world, "late", "a", study_id="01-099")
        db.commit_request()
    rest, cursor = [], first.headers["X-Next-Cursor"]
    while cursor:
        r = client.get(
            f"/api/v1/participants?limit=4&cursor={cursor}", headers=world.headers("coordinator_a")
        )
        rest += r.json
        cursor = r.headers.get("X-Next-Cursor")
    seen = [p["study_id"] for p in first.json + rest]
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen[:4]) + sorted(seen[4:])
    # every participant that existed when paging began, plus the one added after the cursor
    assert set(seen) == {p["study_id"] for p in everything} | {"01-099"}


def test_alerts_page_in_queue_order_and_a_new_alert_does_not_repeat_or_hide_rows(client, world):
    made = []
    for minutes in range(5):
        with time_machine.travel(clock.now() + timedelta(minutes=minutes)):
            made.append(
                bp(client, world, 182 + minutes, 112, who="p2" if minutes % 2 else "p1")["alert"]["id"]
            )
    made = list(dict.fromkeys(made))  # one open alert per participant and rule
    with time_machine.travel(clock.now() + timedelta(minutes=10)):
        made.append(fever(client, world, who="p2")["id"])
    whole = client.get("/api/v1/alerts", headers=world.headers("coordinator_a")).json
    first = client.get("/api/v1/alerts?limit=1", headers=world.headers("coordinator_a"))
    with time_machine.travel(clock.now() + timedelta(minutes=20)):
        fever(client, world, who="p1")  # a new urgent alert, after the first page was read
    cursor, rest = first.headers["X-Next-Cursor"], []
    while cursor:
        r = client.get(f"/api/v1/alerts?limit=1&cursor={cursor}", headers=world.headers("coordinator_a"))
        rest += r.json
        cursor = r.headers.get("X-Next-Cursor")
    ids = [a["id"] for a in first.json + rest]
    assert len(ids) == len(set(ids))
    assert ids[: len(whole)] == [a["id"] for a in whole]


def test_audit_readings_and_reports_page_through_every_row_once(client, world):
    for minutes in range(5):
        body = {
            "client_id": str(uuid.uuid4()),
            "measured_at": (clock.now() - timedelta(minutes=60 - minutes * 10)).isoformat(),
            "systolic": 120 + minutes,
            "diastolic": 80,
        }
        assert (
            client.post("/api/v1/me/bp-readings", json=body, headers=world.headers("p1")).status_code == 201
        )
        report = {"client_id": str(uuid.uuid4()), "answers": {"fever_chills_presence": 0}}
        assert (
            client.post("/api/v1/me/symptom-reports", json=report, headers=world.headers("p1")).status_code
            == 201
        )
    pid = world.participants["p1"]
    for path in (
        f"/api/v1/participants/{pid}/bp-readings",
        f"/api/v1/participants/{pid}/symptom-reports",
        f"/api/v1/participants/{pid}/audit",
    ):
        whole = client.get(path, headers=world.headers("coordinator_a")).json
        paged = [row for page in pages(client, world, path, limit=2) for row in page]
        assert [row["id"] for row in paged] == [row["id"] for row in whole], path
        assert len(whole) >= 5


@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor", "e30", "WyJhbGVydHMiLFsxXV0"],  # junk, "{}", another list's cursor (alerts)
)
def test_a_bad_or_foreign_cursor_is_a_422_on_cursor(client, world, cursor):
    r = client.get(f"/api/v1/participants?limit=2&cursor={cursor}", headers=world.headers("coordinator_a"))
    assert r.status_code == 422
    assert "cursor" in str(r.json["errors"])


def test_limit_is_bounded_and_documented(client, world):
    assert client.get("/api/v1/alerts?limit=0", headers=world.headers("coordinator_a")).status_code == 422
    assert client.get("/api/v1/alerts?limit=501", headers=world.headers("coordinator_a")).status_code == 422
    spec = client.get("/api/openapi.json").json
    for path in (
        "/api/v1/participants",
        "/api/v1/alerts",
        "/api/v1/participants/{participant_id}/audit",
        "/api/v1/participants/{participant_id}/bp-readings",
        "/api/v1/participants/{participant_id}/symptom-reports",
    ):
        operation = spec["paths"][path]["get"]
        names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
        assert {"limit", "cursor"} <= names, path
        assert {"X-Next-Cursor", "Link"} <= set(operation["responses"]["200"].get("headers", {})), path
