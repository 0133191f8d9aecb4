"""The patient's diary over HTTP: today, calendar, dose entries and their rules; site entry; scoping.

Scenario participants are enrolled in the past (time-machine moves ``clock.now()``) so that
whole cycles can be walked; staff tokens from the world fixture stay valid in the past.
"""

from datetime import date

from backend import clock
from backend.db import db
from backend.models import BpReading
from tests.helpers import at, me_calendar, patient, put, site_put


def audit_actions(client, world, who, action_prefix="dose_log"):
    pid = world.participants[who]
    events = client.get(f"/api/v1/participants/{pid}/audit", headers=world.headers("monitor")).json
    return [e for e in events if e["action"].startswith(action_prefix)]


# --- today ---------------------------------------------------------------------------------


def test_today_on_a_dosing_day_tells_what_to_take(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-03T00:30:00Z"):  # 08:30 in Shanghai, cycle 1 day 3
        r = client.get("/api/v1/me/today", headers=world.headers("t"))
    assert r.status_code == 200
    body = r.json
    assert {k: body[k] for k in ("date", "cycle", "cycle_day", "phase", "expected_dose_mg", "dose_log")} == {
        "date": "2026-10-03",
        "cycle": 1,
        "cycle_day": 3,
        "phase": "dosing",
        "expected_dose_mg": 8.0,
        "dose_log": None,
    }
    assert body["advice"]["code"] == "dosing"
    assert "8 mg anlotinib before breakfast" in body["advice"]["text"]
    assert body["bp_due"] is True
    # "dosing day 3 of 14": the app needs no /me/calendar round trip for the total
    assert body["cycle_dosing_days"] == 14
    # the answer changes at the make-up cut-off (12 h before tomorrow's 08:00 dose: 20:00 local)
    assert body["valid_until"] == "2026-10-03T12:00:00+00:00"


def test_today_counts_the_cycles_dosing_days_only_on_a_dosing_day(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-16T02:00:00Z"):  # day 16: break
        body = client.get("/api/v1/me/today", headers=world.headers("t")).json
    assert body["cycle_dosing_days"] is None
    assert body["valid_until"] == "2026-10-16T16:00:00+00:00"  # midnight in Shanghai


def test_today_advice_is_in_the_participants_language(app, client, world):
    patient(app, world, "zh", c1d1=date(2026, 10, 1), language="zh-CN")
    with at("2026-10-16T02:00:00Z"):  # day 16: break
        body = client.get("/api/v1/me/today", headers=world.headers("zh")).json
    assert body["phase"] == "break"
    assert body["advice"] == {"code": "break", "level": "info", "text": "停药周：今天不服用安罗替尼。"}


def test_today_shows_the_entry_and_advice_after_the_make_up_cutoff(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-02T12:30:00Z"):  # 20:30 local: fewer than 12 h before tomorrow's 08:00 dose
        body = client.get("/api/v1/me/today", headers=world.headers("t")).json
        assert body["advice"]["code"] == "dosing_after_cutoff"
        assert put(client, world, "t", "2026-10-02", taken=False, missed_reason="forgot").status_code == 201
        body = client.get("/api/v1/me/today", headers=world.headers("t")).json
    assert body["dose_log"]["taken"] is False
    # issue 14: "not taken" after the cut-off is no green "all right": do not make it up, next dose tomorrow
    assert body["advice"]["code"] == "not_taken_next_tomorrow"
    assert body["advice"]["level"] == "info"
    assert "do not take it now" in body["advice"]["text"]


def test_bp_is_due_daily_in_cycle_1_then_only_on_dosing_days(app, client, world):
    pid = patient(app, world, "t", c1d1=date(2026, 9, 1))
    confirm = client.post(
        f"/api/v1/participants/{pid}/cycles",
        json={"start_date": "2026-09-22"},
        headers=world.headers("coordinator_a"),
    )
    assert confirm.status_code == 201, confirm.json
    cases = [("2026-09-17T02:00:00Z", True), ("2026-09-23T02:00:00Z", True), ("2026-10-08T02:00:00Z", False)]
    for instant, due in cases:  # cycle 1 break day, cycle 2 dosing day, cycle 2 break day
        with at(instant):
            assert client.get("/api/v1/me/today", headers=world.headers("t")).json["bp_due"] is due, instant


def test_bp_is_not_due_once_measured_today(app, client, world):
    pid = patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-03T01:00:00Z"):
        with app.app_context():
            db.session.add(
                BpReading(
                    participant_id=pid,
                    client_id="c0ffee00-0000-4000-8000-000000000001",
                    sitting_id="s1",
                    measured_at=clock.now(),
                    systolic=128,
                    diastolic=82,
                    received_at=clock.now(),
                )
            )
            db.session.commit()
        assert client.get("/api/v1/me/today", headers=world.headers("t")).json["bp_due"] is False


def test_today_before_c1d1_is_awaiting_cycle(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 10))
    with at("2026-10-05T02:00:00Z"):
        body = client.get("/api/v1/me/today", headers=world.headers("t")).json
    assert (body["phase"], body["cycle"], body["bp_due"], body["advice"]["code"]) == (
        "awaiting_cycle",
        None,
        False,
        "awaiting_cycle",
    )


# --- entering a dose -----------------------------------------------------------------------


def test_first_entry_is_201_and_an_identical_repeat_is_a_quiet_200(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-02T01:00:00Z"):
        first = put(client, world, "t", "2026-10-02", taken=True, taken_at="2026-10-02T00:10:00Z", dose_mg=8)
        again = put(
            client, world, "t", "2026-10-02", taken=True, taken_at="2026-10-02T08:10:00+08:00", dose_mg=8
        )
    assert first.status_code == 201, first.json
    assert again.status_code == 200
    assert again.json["version"] == 1 == first.json["version"]
    assert again.json["id"] == first.json["id"]
    assert [e["action"] for e in audit_actions(client, world, "t")] == ["dose_log.create"]
    assert first.json["source"] == "patient"
    assert first.json["flags"] == [] and first.json["late"] is False


def test_a_change_needs_reason_for_change(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-02T01:00:00Z"):
        put(client, world, "t", "2026-10-02", taken=False, missed_reason="forgot")
        refused = put(client, world, "t", "2026-10-02", taken=True)
        changed = put(client, world, "t", "2026-10-02", taken=True, reason_for_change="found the pill box")
    assert refused.status_code == 422
    assert "reason_for_change" in refused.json["errors"]["json"]
    assert changed.status_code == 200
    assert changed.json["taken"] is True and changed.json["version"] == 2
    events = audit_actions(client, world, "t")
    assert [e["action"] for e in events] == ["dose_log.create", "dose_log.update"]
    assert events[1]["before"]["taken"] is False and events[1]["after"]["taken"] is True
    assert events[1]["reason"] == "found the pill box"


def test_a_change_and_its_event_are_stored_together_with_only_the_changed_fields(app, client, world):
    """The changing PUT writes the row and its event in one statement on PostgreSQL: both land."""
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-02T01:00:00Z"):
        put(client, world, "t", "2026-10-02", taken=True, note="with breakfast")
    with at("2026-10-02T02:00:00Z"):
        changed = put(
            client,
            world,
            "t",
            "2026-10-02",
            headers={"X-Request-ID": "req-change-1"},
            taken=True,
            note="with lunch",
            reason_for_change="typo",
        )
        listed = client.get("/api/v1/me/doses?from=2026-10-02&to=2026-10-02", headers=world.headers("t"))
    assert changed.status_code == 200 and changed.json["version"] == 2
    (stored,) = listed.json  # read back by a new request: the row itself changed, not a cached copy
    assert stored["note"] == "with lunch" and stored["version"] == 2
    assert stored["entered_at"] == "2026-10-02T02:00:00+00:00"
    update = audit_actions(client, world, "t")[-1]
    assert update["action"] == "dose_log.update" and update["entity_id"] == stored["id"]
    assert update["before"] == {
        "note": "with breakfast",
        "entered_at": "2026-10-02T01:00:00+00:00",
        "version": 1,
    }
    assert update["after"] == {"note": "with lunch", "entered_at": "2026-10-02T02:00:00+00:00", "version": 2}
    assert update["reason"] == "typo" and update["request_id"] == "req-change-1"
    assert update["actor_type"] == "device"


def test_reason_for_change_alone_does_not_make_a_repeat_a_change(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-02T01:00:00Z"):
        put(client, world, "t", "2026-10-02", taken=True)
        r = put(client, world, "t", "2026-10-02", taken=True, reason_for_change="pressed save twice")
    assert r.status_code == 200 and r.json["version"] == 1
    assert len(audit_actions(client, world, "t")) == 1


def test_future_date_is_422(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-02T15:59:00Z"):  # 23:59 on 10-02 in Shanghai
        r = put(client, world, "t", "2026-10-03", taken=True)
    assert r.status_code == 422
    assert "future" in r.json["errors"]["path"]["date"][0]


def test_date_before_c1d1_is_422(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-01T02:00:00Z"):
        r = put(client, world, "t", "2026-09-30", taken=True)
    assert r.status_code == 422
    assert "before cycle 1 day 1" in r.json["errors"]["path"]["date"][0]


def test_malformed_date_is_422(app, client, world):
    assert put(client, world, "p1", "yesterday", taken=True).status_code == 422


def test_entry_before_noon_next_day_is_on_time_and_at_noon_it_is_late(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-03T03:59:59Z"):  # 11:59:59 on 10-03 in Shanghai
        on_time = put(client, world, "t", "2026-10-02", taken=True)
    with at("2026-10-04T04:00:00Z"):  # 12:00 on 10-04: 10-03's window has just closed
        late = put(client, world, "t", "2026-10-03", taken=True)
    assert on_time.status_code == 201 and on_time.json["late"] is False
    assert late.status_code == 201 and late.json["late"] is True and "late" in late.json["flags"]


def test_after_72_hours_only_the_site_may_enter(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    # 10-02 ends at 10-02T16:00Z; 72 h later is 10-05T16:00Z
    with at("2026-10-05T15:59:00Z"):
        assert put(client, world, "t", "2026-10-02", taken=True).status_code == 201
    with at("2026-10-05T16:00:00Z"):
        refused = put(client, world, "t", "2026-10-01", taken=True)
        also = put(client, world, "t", "2026-10-02", taken=False, reason_for_change="mistake")
        retry = put(client, world, "t", "2026-10-02", taken=True)
    assert refused.status_code == 403
    assert "contact your study site" in refused.json["message"]
    assert also.status_code == 403
    assert retry.status_code == 200  # a retry of an entry already stored stays a harmless no-op


def test_site_enters_an_old_day_with_reason_and_source(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-20T02:00:00Z"):
        missing = site_put(client, world, "t", "coordinator_a", "2026-10-02", taken=True)
        r = site_put(
            client,
            world,
            "t",
            "coordinator_a",
            "2026-10-02",
            taken=True,
            reason="patient called",
            source_detail="phone call",
        )
        same = site_put(
            client,
            world,
            "t",
            "coordinator_a",
            "2026-10-02",
            taken=True,
            reason="patient called",
            source_detail="phone call",
        )
        fetched = client.get(
            f"/api/v1/participants/{world.participants['t']}/doses/2026-10-02",
            headers=world.headers("monitor"),
        )
        absent = client.get(
            f"/api/v1/participants/{world.participants['t']}/doses/2026-10-03",
            headers=world.headers("monitor"),
        )
    assert missing.status_code == 422
    assert {"reason", "source_detail"} <= set(missing.json["errors"]["json"])
    assert r.status_code == 201, r.json
    assert (r.json["source"], r.json["source_detail"], r.json["late"]) == ("site", "phone call", True)
    assert r.json["entered_by"] == world.staff["coordinator_a"]
    assert same.status_code == 200 and same.json["version"] == 1
    assert fetched.status_code == 200 and fetched.json["id"] == r.json["id"]
    assert absent.status_code == 404
    events = audit_actions(client, world, "t")
    assert len(events) == 1 and events[0]["reason"] == "patient called"


def test_site_change_of_a_patient_entry_is_audited(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-02T01:00:00Z"):
        put(client, world, "t", "2026-10-02", taken=True)
    with at("2026-10-09T01:00:00Z"):
        r = site_put(
            client,
            world,
            "t",
            "investigator_a",
            "2026-10-02",
            taken=False,
            missed_reason="pill count",
            reason="pill count at visit",
            source_detail="pill count",
        )
    assert r.status_code == 200 and r.json["version"] == 2 and r.json["source"] == "site"
    update = audit_actions(client, world, "t")[-1]
    assert update["action"] == "dose_log.update" and update["before"]["source"] == "patient"


def test_intake_on_break_hold_and_after_discontinuation_is_recorded_and_flagged(app, client, world):
    pid = patient(app, world, "t", c1d1=date(2026, 10, 1))
    inv = world.headers("investigator_a")
    with at("2026-10-16T02:00:00Z"):
        brk = put(client, world, "t", "2026-10-16", taken=True)
    with at("2026-10-22T02:00:00Z"):
        assert (
            client.post(
                f"/api/v1/participants/{pid}/cycles", json={"start_date": "2026-10-22"}, headers=inv
            ).status_code
            == 201
        )
        hold = {"start_date": "2026-10-22", "reason": "grade 3 hypertension"}
        assert client.post(f"/api/v1/participants/{pid}/holds", json=hold, headers=inv).status_code == 201
        held = put(client, world, "t", "2026-10-22", taken=True)
        stop = {"date": "2026-10-22", "reason": "progressive disease"}
        assert (
            client.post(f"/api/v1/participants/{pid}/discontinue", json=stop, headers=inv).status_code == 200
        )
    with at("2026-10-23T02:00:00Z"):
        off = put(client, world, "t", "2026-10-23", taken=True)
        skipped = put(
            client, world, "t", "2026-10-23", taken=False, reason_for_change="did not take it after all"
        )
    assert brk.status_code == 201 and brk.json["flags"] == ["break_day_intake"] and brk.json["deviation"]
    assert held.status_code == 201 and held.json["flags"] == ["hold_intake"]
    assert off.status_code == 201 and off.json["flags"] == ["off_treatment_intake"]
    assert skipped.status_code == 200 and skipped.json["flags"] == [] and skipped.json["deviation"] is False


def test_a_dose_other_than_prescribed_is_flagged(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-02T01:00:00Z"):
        r = put(client, world, "t", "2026-10-02", taken=True, dose_mg=12)
    assert r.status_code == 201 and r.json["flags"] == ["dose_mismatch"] and r.json["deviation"] is True


def test_taken_at_must_belong_to_the_diary_day(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-03T01:00:00Z"):
        other_day = put(client, world, "t", "2026-10-02", taken=True, taken_at="2026-10-02T16:30:00Z")
        future = put(client, world, "t", "2026-10-03", taken=True, taken_at="2026-10-03T01:30:00Z")
        naive = put(client, world, "t", "2026-10-03", taken=True, taken_at="2026-10-03T08:00:00")
        ok = put(client, world, "t", "2026-10-02", taken=True, taken_at="2026-10-02T15:59:00Z")
    assert (
        other_day.status_code == 422
        and "not on the diary day" in other_day.json["errors"]["json"]["taken_at"][0]
    )
    assert future.status_code == 422 and "future" in future.json["errors"]["json"]["taken_at"][0]
    assert naive.status_code == 422 and "taken_at" in naive.json["errors"]["json"]
    assert ok.status_code == 201


def test_not_taken_may_not_carry_intake_details(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-02T05:00:00Z"):
        r = put(client, world, "t", "2026-10-02", taken=False, taken_at="2026-10-02T01:00:00Z", dose_mg=8)
        v = put(client, world, "t", "2026-10-02", taken=False, vomited_after=True)
    assert r.status_code == 422 and {"taken_at", "dose_mg"} <= set(r.json["errors"]["json"])
    assert v.status_code == 422 and "vomited_after" in v.json["errors"]["json"]


def test_device_time_header_is_stored_and_entered_by_is_the_device(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-02T01:00:00Z"):
        bad = put(client, world, "t", "2026-10-02", headers={"X-Device-Time": "08:57"}, taken=True)
        r = put(
            client,
            world,
            "t",
            "2026-10-02",
            headers={"X-Device-Time": "2026-10-02T08:57:00+08:00"},
            taken=True,
        )
        device = client.get(
            f"/api/v1/participants/{world.participants['t']}/devices", headers=world.headers("coordinator_a")
        ).json[0]
    assert bad.status_code == 422
    assert r.status_code == 201
    assert r.json["device_time"] == "2026-10-02T00:57:00+00:00"
    assert r.json["entered_at"] == "2026-10-02T01:00:00+00:00"
    assert r.json["entered_by"] == device["id"]


def test_unknown_fields_are_rejected(client, world):
    assert put(client, world, "p1", "2026-11-24", taken=True, mood="fine").status_code == 422


# --- calendar and list ---------------------------------------------------------------------


def test_calendar_statuses(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-02T01:00:00Z"):
        put(client, world, "t", "2026-10-01", taken=True)
        put(client, world, "t", "2026-10-02", taken=False, missed_reason="side_effects")
    with at("2026-10-05T02:00:00Z"):  # 10:00 on 10-05: 10-04 still open, 10-03 closed
        days = me_calendar(client, world, "t", "2026-09-30", "2026-10-20")
    status = {d: v["status"] for d, v in days.items()}
    assert status["2026-09-30"] == "none"
    assert status["2026-10-01"] == "taken"
    assert status["2026-10-02"] == "not_taken"
    assert status["2026-10-03"] == "not_reported"
    assert status["2026-10-04"] == "pending"
    assert status["2026-10-05"] == "pending"
    assert status["2026-10-14"] == "pending"
    assert status["2026-10-15"] == "none" and days["2026-10-15"]["phase"] == "break"
    assert days["2026-10-01"]["dose_log"]["taken"] is True
    assert days["2026-10-14"]["cycle_day"] == 14 and days["2026-10-14"]["expected_dose_mg"] == 8.0


def test_calendar_range_is_limited(client, world):
    h = world.headers("p1")
    assert client.get("/api/v1/me/calendar?from=2026-01-01&to=2027-02-04", headers=h).status_code == 200
    too_long = client.get("/api/v1/me/calendar?from=2026-01-01&to=2027-02-05", headers=h)
    assert too_long.status_code == 422 and "to" in too_long.json["errors"]["query"]
    assert client.get("/api/v1/me/calendar?from=2026-02-01&to=2026-01-01", headers=h).status_code == 422
    assert client.get("/api/v1/me/calendar?from=someday", headers=h).status_code == 422


def test_calendar_defaults_to_four_weeks_back_and_two_ahead(client, world):
    body = client.get("/api/v1/me/calendar", headers=world.headers("p1")).json
    assert len(body["days"]) == 42


def test_me_doses_lists_the_range(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-03T01:00:00Z"):
        for day in ("2026-10-01", "2026-10-02", "2026-10-03"):
            put(client, world, "t", day, taken=True)
        r = client.get("/api/v1/me/doses?from=2026-10-02&to=2026-10-03", headers=world.headers("t"))
    assert [d["date"] for d in r.json] == ["2026-10-02", "2026-10-03"]


def test_site_calendar_shows_flags(app, client, world):
    pid = patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-16T02:00:00Z"):
        put(client, world, "t", "2026-10-16", taken=True)
        r = client.get(
            f"/api/v1/participants/{pid}/calendar?from=2026-10-16&to=2026-10-16",
            headers=world.headers("monitor"),
        )
    day = r.json["days"][0]
    assert day["phase"] == "break" and day["status"] == "taken"
    assert day["dose_log"]["flags"] == ["break_day_intake"]


# --- time zones ----------------------------------------------------------------------------


def test_midnight_in_new_york_moves_today(app, client, world):
    patient(app, world, "ny", c1d1=date(2026, 10, 1), tz="America/New_York")
    with at("2026-10-15T03:59:00Z"):  # 23:59 EDT on 10-14
        assert client.get("/api/v1/me/today", headers=world.headers("ny")).json["date"] == "2026-10-14"
        assert put(client, world, "ny", "2026-10-15", taken=True).status_code == 422
    with at("2026-10-15T04:00:00Z"):  # 00:00 EDT on 10-15
        today = client.get("/api/v1/me/today", headers=world.headers("ny")).json
        assert (today["date"], today["phase"]) == ("2026-10-15", "break")
        assert put(client, world, "ny", "2026-10-15", taken=False).status_code == 201


def test_entry_windows_across_the_fall_back_change_in_new_york(app, client, world):
    patient(app, world, "ny", c1d1=date(2026, 10, 20), tz="America/New_York")
    # 10-31's window closes at 12:00 EST on 11-01 (after the change at 02:00 EDT) = 17:00Z
    with at("2026-11-01T16:59:00Z"):
        assert put(client, world, "ny", "2026-10-31", taken=True).json["late"] is False
    with at("2026-11-01T17:00:00Z"):
        assert (
            put(client, world, "ny", "2026-10-31", taken=False, reason_for_change="x" * 3).json["late"]
            is True
        )
    # 11-01 lasts 25 hours and ends at 11-02T05:00Z; the patient may enter it for 72 h after that
    with at("2026-11-05T04:59:00Z"):
        assert put(client, world, "ny", "2026-11-01", taken=True).status_code == 201
    with at("2026-11-05T05:00:00Z"):
        changed = put(client, world, "ny", "2026-11-01", taken=False, reason_for_change="wrong day")
        assert changed.status_code == 403


# --- scoping -------------------------------------------------------------------------------


def test_a_patient_sees_only_their_own_diary(client, world):
    put(client, world, "p2", "2026-11-24", taken=True)
    r = client.get("/api/v1/me/doses?from=2026-11-01&to=2026-11-30", headers=world.headers("p1"))
    assert r.status_code == 200 and r.json == []
    p2 = world.participants["p2"]
    for path in (f"/api/v1/participants/{p2}/calendar", f"/api/v1/participants/{p2}/doses/2026-11-24"):
        assert client.get(path, headers=world.headers("p1")).status_code == 403


def test_staff_tokens_cannot_use_the_patient_endpoints(client, world):
    for path in ("/api/v1/me/today", "/api/v1/me/calendar", "/api/v1/me/doses"):
        assert client.get(path, headers=world.headers("coordinator_a")).status_code == 403
    assert put(client, world, "coordinator_a", "2026-11-24", taken=True).status_code == 403
    assert client.get("/api/v1/me/today").status_code == 401


def test_site_diary_endpoints_are_site_scoped(client, world):
    p1 = world.participants["p1"]
    body = {"taken": True, "reason": "phone call", "source_detail": "phone call"}
    for staff in ("coordinator_b", "investigator_b"):
        assert (
            client.get(f"/api/v1/participants/{p1}/calendar", headers=world.headers(staff)).status_code == 404
        )
        r = client.put(f"/api/v1/participants/{p1}/doses/2026-11-24", json=body, headers=world.headers(staff))
        assert r.status_code == 404
    assert (
        client.put(
            f"/api/v1/participants/{p1}/doses/2026-11-24", json=body, headers=world.headers("monitor")
        ).status_code
        == 403
    )
    assert (
        client.get(f"/api/v1/participants/{p1}/calendar", headers=world.headers("monitor")).status_code == 200
    )
    assert (
        client.get(f"/api/v1/participants/{p1}/calendar", headers=world.headers("admin")).status_code == 403
    )
