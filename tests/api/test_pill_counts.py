"""Pill counts over HTTP: dispense, return, reconcile with the diary, one alert, corrections, scope."""

from datetime import date, timedelta

from tests.helpers import STAFF_READ, STAFF_WRITE, at, check_matrix, patient, put

C1D1 = date(2026, 10, 1)


def url(world, who, suffix=""):
    return f"/api/v1/participants/{world.participants[who]}/dispensings{suffix}"


def dispense(client, world, who="t", staff="coordinator_a", **body):
    body = {"dispensed_on": "2026-10-01", "tablets_dispensed": 28, **body}
    return client.post(url(world, who), json=body, headers=world.headers(staff))


def patch(client, world, dispensing_id, who="t", staff="coordinator_a", **body):
    return client.patch(url(world, who, f"/{dispensing_id}"), json=body, headers=world.headers(staff))


def log_cycle_1(client, world, skip=()):
    """The patient logs days 1-14 of cycle 1 as taken (each within its entry window)."""
    for n in range(14):
        day = C1D1 + timedelta(days=n)
        if n in skip:
            continue
        with at(f"{day.isoformat()}T02:00:00Z"):  # 10:00 in Shanghai
            r = put(client, world, "t", day.isoformat(), taken=True)
            assert r.status_code in (200, 201), r.json


def pill_alerts(client, world):
    r = client.get("/api/v1/alerts", headers=world.headers("coordinator_a"))
    assert r.status_code == 200, r.json
    items = r.json["items"] if isinstance(r.json, dict) else r.json
    return [a for a in items if a["rule_id"] == "PILL-COUNT-DISCREPANCY"]


def test_exact_count_reconciles_without_an_alert(app, client, world):
    patient(app, world, "t", c1d1=C1D1)
    log_cycle_1(client, world)
    with at("2026-10-22T03:00:00Z"):
        made = dispense(client, world)
        assert made.status_code == 201, made.json
        assert made.json["reconciliation"] is None and made.json["strength_mg"] == 8
        r = patch(client, world, made.json["id"], returned_on="2026-10-22", tablets_returned=14)
        assert r.status_code == 200, r.json
        listed = client.get(url(world, "t"), headers=world.headers("monitor")).json
    counts = r.json["reconciliation"]
    assert (counts["expected_taken"], counts["counted_taken"], counts["direction"]) == (14, 14, "exact")
    assert counts["is_discrepancy"] is False
    assert listed[0]["reconciliation"] == counts
    assert pill_alerts(client, world) == []


def test_discrepancy_opens_one_alert_with_both_counts(app, client, world):
    patient(app, world, "t", c1d1=C1D1)
    log_cycle_1(client, world)  # the diary says 14 taken
    with at("2026-10-22T03:00:00Z"):
        made = dispense(client, world).json
        first = patch(client, world, made["id"], returned_on="2026-10-22", tablets_returned=19)
        again = patch(client, world, made["id"], returned_on="2026-10-22", tablets_returned=19)
    assert first.status_code == 200 and again.status_code == 200
    assert first.json["reconciliation"]["direction"] == "under"
    [alert] = pill_alerts(client, world)
    assert (alert["severity"], alert["status"], alert["occurrences"], alert["kind"]) == (
        "review", "open", 1, "pill_count",
    )  # fmt: skip
    [evidence] = alert["evidence"]
    assert (evidence["tablets_dispensed"], evidence["tablets_returned"]) == (28, 19)
    assert (evidence["counted_taken"], evidence["expected_taken"], evidence["difference"]) == (9, 14, 5)
    assert evidence["dispensing_id"] == made["id"]

    # A correction with a reason replaces that count's evidence; still one alert.
    with at("2026-10-22T04:00:00Z"):
        refused = patch(client, world, made["id"], tablets_returned=18)
        fixed = patch(client, world, made["id"], tablets_returned=18, reason="recounted the bottle")
    assert refused.status_code == 422 and "reason" in refused.json["errors"]["json"]
    assert fixed.status_code == 200 and fixed.json["version"] == 3
    [alert] = pill_alerts(client, world)
    assert [e["tablets_returned"] for e in alert["evidence"]] == [18]
    audit = client.get(
        f"/api/v1/participants/{world.participants['t']}/audit", headers=world.headers("monitor")
    )
    events = [e for e in audit.json if e["entity"] == "dispensing"]
    assert [e["action"] for e in events] == ["dispensing.create", "dispensing.return", "dispensing.correct"]
    assert (events[2]["before"]["tablets_returned"], events[2]["after"]["tablets_returned"]) == (19, 18)
    assert events[2]["reason"] == "recounted the bottle"


def test_field_and_state_errors(app, client, world):
    patient(app, world, "t", c1d1=C1D1)
    with at("2026-10-22T03:00:00Z"):
        assert dispense(client, world, strength_mg=10).status_code == 422
        assert dispense(client, world, dispensed_on="2026-11-30").status_code == 422
        assert dispense(client, world, tablets_dispensed=0).status_code == 422
        made = dispense(client, world).json
        second = dispense(client, world, dispensed_on="2026-10-22")
        too_many = patch(client, world, made["id"], returned_on="2026-10-22", tablets_returned=29)
        too_early = patch(client, world, made["id"], returned_on="2026-09-30", tablets_returned=1)
        half = patch(client, world, made["id"], tablets_returned=1)
        unknown = patch(client, world, "nope", returned_on="2026-10-22", tablets_returned=1)
    assert second.status_code == 409
    assert too_many.status_code == 422 and "tablets_returned" in too_many.json["errors"]["json"]
    assert too_early.status_code == 422 and "returned_on" in too_early.json["errors"]["json"]
    assert half.status_code == 422
    assert unknown.status_code == 404


def test_roles_and_scope(app, client, world):
    check_matrix(client, world, "GET", "/api/v1/participants/{p1}/dispensings", STAFF_READ)
    body = {"dispensed_on": "2026-11-24", "tablets_dispensed": 28}  # p1 started today
    expected = {**STAFF_WRITE, "coordinator_a": 201, "investigator_a": 409}  # the second: not returned yet
    check_matrix(client, world, "POST", "/api/v1/participants/{p1}/dispensings", expected, body)


def test_dates_are_written_in_full_and_plausible(app, client, world):
    """A visit date is exactly YYYY-MM-DD within 2000-2099, like every other date of the API."""
    patient(app, world, "t", c1d1=C1D1)
    with at("2026-10-22T03:00:00Z"):
        for written in ("20261020", "0001-01-01", "9999-12-31"):
            r = dispense(client, world, dispensed_on=written)
            assert r.status_code == 422 and "dispensed_on" in r.json["errors"]["json"], (written, r.json)
        made = dispense(client, world).json
        r = patch(client, world, made["id"], returned_on="99991231", tablets_returned=1)
        assert r.status_code == 422 and "returned_on" in r.json["errors"]["json"]
