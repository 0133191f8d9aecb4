"""The site overview through HTTP: 40 participants with today's status, cycle day, alerts, BP,
adherence and lateness; searched, sorted and paged on the server, scoped to the caller's site."""

from __future__ import annotations

import uuid
from datetime import timedelta

from backend import clock
from tests.support.overview_site import build_overview_site


def overview(client, world, query="", who="coordinator_a", site="a"):
    r = client.get(f"/api/v1/sites/{world.sites[site]}/overview{query}", headers=world.headers(who))
    assert r.status_code == 200, r.json
    return r


def all_rows(client, world, query="?limit=25"):
    rows, r = [], overview(client, world, query)
    rows += r.json["rows"]
    while r.json["next_cursor"]:
        r = overview(client, world, f"{query}&cursor={r.json['next_cursor']}")
        rows += r.json["rows"]
    return rows


def test_forty_participants_over_two_pages_with_todays_status(app, client, world):
    with app.test_request_context():
        expected = build_overview_site(world)
    first = overview(client, world, "?limit=25")
    assert first.json["total"] == 40 and len(first.json["rows"]) == 25
    assert first.headers["X-Next-Cursor"] == first.json["next_cursor"]
    second = overview(client, world, f"?limit=25&cursor={first.json['next_cursor']}")
    assert len(second.json["rows"]) == 15 and second.json["next_cursor"] is None
    rows = first.json["rows"] + second.json["rows"]
    assert [r["study_id"] for r in rows] == sorted(expected)
    assert {r["study_id"]: r["today"]["status"] for r in rows} == expected
    by_id = {r["study_id"]: r for r in rows}
    assert by_id["01-101"]["today"] | {"date": None} == {
        "date": None,
        "phase": "dosing",
        "status": "taken",
        "yesterday_status": "not_reported",
        "cycle": 1,
        "cycle_day": 4,
    }
    assert by_id["01-117"]["today"]["yesterday_status"] == "not_reported"  # the "missed" group
    assert by_id["01-125"]["today"]["phase"] == "break" and by_id["01-125"]["today"]["cycle_day"] == 17
    # adherence: the "taken" group logged today only; yesterday and before were not reported
    taken = by_id["01-101"]
    assert taken["cycle_below_threshold"] is True and taken["overall_percent"] is not None
    assert taken["last_entry_at"] is not None and by_id["01-001"]["last_entry_at"] is None


def test_alerts_bp_sitting_and_late_rate_columns(app, client, world):
    body = {"client_id": str(uuid.uuid4()), "answers": {"fever_chills_presence": 1}, "temperature_c": 38.4}
    assert (
        client.post("/api/v1/me/symptom-reports", json=body, headers=world.headers("p1")).status_code == 201
    )
    sitting = str(uuid.uuid4())
    for systolic, diastolic in ((166, 101), (162, 99)):
        reading = {
            "client_id": str(uuid.uuid4()),
            "measured_at": clock.now().isoformat(),
            "systolic": systolic,
            "diastolic": diastolic,
            "sitting_id": sitting,
        }
        assert (
            client.post("/api/v1/me/bp-readings", json=reading, headers=world.headers("p2")).status_code
            == 201
        )
    rows = {r["study_id"]: r for r in overview(client, world).json["rows"]}
    assert rows["01-001"]["alerts"] == {"urgent": 1, "review": 0, "info": 0}
    assert rows["01-002"]["bp"] | {"measured_at": None} == {
        "measured_at": None,
        "readings": 2,
        "mean_systolic": 164,
        "mean_diastolic": 100,
        "grade": 3,
    }
    assert rows["01-002"]["alerts"]["review"] == 1
    assert rows["01-001"]["bp"] is None and rows["01-001"]["late_rate"] is None


def test_search_sort_and_scope(app, client, world):
    with app.test_request_context():
        build_overview_site(world)
    found = overview(client, world, "?q=01-11").json
    assert found["total"] == 10 and {r["study_id"] for r in found["rows"]} == {
        f"01-{n}" for n in range(110, 120)
    }
    by_status = all_rows(client, world, "?limit=7&sort=today")
    statuses = [r["today"]["status"] for r in by_status]
    assert statuses == sorted(statuses) and len(by_status) == 40
    descending = all_rows(client, world, "?limit=9&sort=-study_id")
    assert [r["study_id"] for r in descending] == sorted((r["study_id"] for r in by_status), reverse=True)
    other_site = client.get(
        f"/api/v1/sites/{world.sites['b']}/overview", headers=world.headers("coordinator_a")
    )
    assert other_site.status_code == 404
    assert overview(client, world, who="monitor").json["total"] == 40
    cursor = overview(client, world, "?limit=5").json["next_cursor"]
    wrong_cursor = client.get(
        f"/api/v1/sites/{world.sites['a']}/overview?sort=cycle&cursor={cursor}",
        headers=world.headers("monitor"),
    )
    assert wrong_cursor.status_code == 422  # a cursor belongs to one sort order
    assert (
        client.get(
            f"/api/v1/sites/{world.sites['a']}/overview?sort=name", headers=world.headers("monitor")
        ).status_code
        == 422
    )


def test_a_patient_waiting_for_the_team_after_a_high_sitting_shows_so(client, world):
    import time_machine

    sitting = str(uuid.uuid4())
    for systolic, diastolic in ((166, 101), (162, 99)):
        reading = {
            "client_id": str(uuid.uuid4()),
            "measured_at": clock.now().isoformat(),
            "systolic": systolic,
            "diastolic": diastolic,
            "sitting_id": sitting,
        }
        assert (
            client.post("/api/v1/me/bp-readings", json=reading, headers=world.headers("p2")).status_code
            == 201
        )
    with time_machine.travel(clock.now() + timedelta(hours=11)):  # 01:00 the next day in Shanghai
        rows = {r["study_id"]: r for r in overview(client, world).json["rows"]}
    assert rows["01-002"]["today"]["status"] == "wait_for_team"
    assert rows["01-001"]["today"]["status"] == "pending"
