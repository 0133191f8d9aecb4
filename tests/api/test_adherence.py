"""Adherence over HTTP: per cycle and overall, for a site's dashboard, and who may see it."""

from datetime import date

from tests.helpers import STAFF_READ, at, check_matrix, patient, put, site_put


def adherence(client, world, who, staff="coordinator_a"):
    r = client.get(f"/api/v1/participants/{world.participants[who]}/adherence", headers=world.headers(staff))
    assert r.status_code == 200, r.json
    return r.json


def counts(row, *names):
    return tuple(row[n] for n in names)


COLUMNS = ("prescribed", "taken", "not_taken", "not_reported", "pending", "late", "deviations", "percent")


def log_days(client, world, who, days, **body):
    for day in days:
        r = put(client, world, who, day, **body)
        assert r.status_code == 201, (day, r.json)


def test_adherence_counts_taken_missed_unreported_pending_and_late(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-01T23:00:00Z"):
        log_days(client, world, "t", [f"2026-10-0{n}" for n in range(1, 3)], taken=True)
    with at("2026-10-08T01:00:00Z"):  # 09:00 on 10-08: days 1-7 prescribed, 10-07 still pending
        log_days(client, world, "t", ["2026-10-05"], taken=True)  # late
        log_days(client, world, "t", ["2026-10-06"], taken=False)  # late
        log_days(client, world, "t", ["2026-10-08"], taken=True)  # today: not prescribed yet
        body = adherence(client, world, "t")
    row = body["cycles"][0]
    assert row["cycle"] == 1
    # 10-03 and 10-04 have no entry and closed windows: not reported
    assert counts(row, *COLUMNS) == (7, 3, 1, 2, 1, 2, 0, 50.0)
    assert row["below_threshold"] is True
    assert body["overall"]["cycle"] is None and counts(body["overall"], *COLUMNS) == counts(row, *COLUMNS)


def test_adherence_with_a_delayed_cycle_and_a_hold_spanning_the_boundary(app, client, world):
    pid = patient(app, world, "t", c1d1=date(2026, 10, 1))
    inv = world.headers("investigator_a")
    for n in range(1, 12):  # each day logged the next morning
        with at(f"2026-10-{n:02d}T23:00:00Z"):
            log_days(client, world, "t", [f"2026-10-{n:02d}"], taken=True)
    with at("2026-10-12T01:00:00Z"):
        hold = client.post(
            f"/api/v1/participants/{pid}/holds",
            json={"start_date": "2026-10-12", "reason": "toxicity"},
            headers=inv,
        ).json
    with at("2026-10-24T01:00:00Z"):  # cycle 2 delayed by two days
        assert (
            client.post(
                f"/api/v1/participants/{pid}/cycles", json={"start_date": "2026-10-24"}, headers=inv
            ).status_code
            == 201
        )
        client.patch(
            f"/api/v1/participants/{pid}/holds/{hold['id']}", json={"end_date": "2026-10-25"}, headers=inv
        )
    with at("2026-10-28T05:00:00Z"):  # 13:00 on 10-28: days 3-4 of cycle 2 prescribed and closed
        log_days(client, world, "t", ["2026-10-26"], taken=True)
        body = adherence(client, world, "t")
    c1, c2 = body["cycles"]
    assert counts(c1, "prescribed", "taken", "percent", "below_threshold") == (11, 11, 100.0, False)
    assert counts(c2, "cycle", "prescribed", "taken", "not_reported", "percent") == (2, 2, 1, 1, 50.0)
    assert c2["below_threshold"] is True
    assert counts(body["overall"], "prescribed", "taken", "percent") == (13, 12, 92.3)


def test_adherence_stops_counting_at_discontinuation(app, client, world):
    pid = patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-05T01:00:00Z"):
        log_days(client, world, "t", ["2026-10-04", "2026-10-05"], taken=True)
        stop = {"date": "2026-10-05", "reason": "progressive disease"}
        assert (
            client.post(
                f"/api/v1/participants/{pid}/discontinue", json=stop, headers=world.headers("investigator_a")
            ).status_code
            == 200
        )
    with at("2026-10-20T01:00:00Z"):
        body = adherence(client, world, "t")
    row = body["cycles"][0]
    # the 10-05 dose was logged while it was still prescribed: not a deviation after the fact
    assert counts(row, "prescribed", "taken", "not_reported", "deviations") == (4, 1, 3, 0)


def test_break_day_intake_is_a_deviation_not_adherence(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-16T01:00:00Z"):
        log_days(client, world, "t", ["2026-10-15", "2026-10-16"], taken=True)
    with at("2026-10-21T05:00:00Z"):
        site_put(
            client,
            world,
            "t",
            "coordinator_a",
            "2026-10-01",
            taken=True,
            reason="pill count",
            source_detail="pill count",
        )
        row = adherence(client, world, "t", staff="monitor")["cycles"][0]
    assert counts(row, "prescribed", "taken", "deviations", "late") == (14, 1, 2, 1)


def test_site_adherence_has_one_row_per_participant(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-06T05:00:00Z"):  # 13:00 on 10-06: 10-01..10-05 closed
        log_days(client, world, "t", ["2026-10-04", "2026-10-05"], taken=True)
        r = client.get(f"/api/v1/sites/{world.sites['a']}/adherence", headers=world.headers("coordinator_a"))
    assert r.status_code == 200
    rows = {row["study_id"]: row for row in r.json}
    assert set(rows) == {"01-001", "01-002", "T-t"}
    row = rows["T-t"]
    assert row["participant_id"] == world.participants["t"]
    assert (row["status"], row["cycle"], row["percent"], row["not_reported"], row["late"]) == (
        "on_treatment",
        1,
        40.0,
        3,
        2,
    )
    assert row["below_threshold"] is True
    assert row["current_cycle"]["cycle"] == 1 and row["overall"]["cycle"] is None
    assert rows["01-001"]["cycle"] is None  # enrolled "today": in the past they await cycle 1


def test_site_adherence_scope(client, world):
    path = f"/api/v1/sites/{world.sites['a']}/adherence"
    assert client.get(path, headers=world.headers("coordinator_b")).status_code == 404
    assert client.get(path, headers=world.headers("monitor")).status_code == 200
    assert client.get(path, headers=world.headers("p1")).status_code == 403
    assert client.get(path, headers=world.headers("admin")).status_code == 403
    assert client.get(path).status_code == 401
    assert client.get("/api/v1/sites/nope/adherence", headers=world.headers("monitor")).status_code == 404


def test_participant_adherence_matrix(client, world):
    check_matrix(client, world, "GET", "/api/v1/participants/{p1}/adherence", STAFF_READ)
