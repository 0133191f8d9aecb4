"""Travel over HTTP: the phone's zone on every request, the prompt once per change, the answer."""

from datetime import date

from tests.helpers import at, patient, put

NY, BERLIN, TOKYO = "America/New_York", "Europe/Berlin", "Asia/Tokyo"


def today(client, world, zone, who="t"):
    r = client.get("/api/v1/me/today", headers={**world.headers(who), "X-Device-Timezone": zone})
    assert r.status_code == 200, r.json
    return r.json


def answer(client, world, policy, zone, who="t"):
    return client.post(
        "/api/v1/me/timezone",
        json={"policy": policy, "device_timezone": zone},
        headers={**world.headers(who), "X-Device-Timezone": zone},
    )


def test_prompt_appears_once_per_change_of_zone(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 11, 2), tz=NY)
    with at("2026-11-04T12:00:00Z"):  # 07:00 in New York, 13:00 in Berlin
        assert today(client, world, NY)["travel_prompt"] is None
        prompt = today(client, world, BERLIN)["travel_prompt"]
        assert prompt == {
            "device_timezone": BERLIN,
            "timezone": NY,
            "dose_time": "08:00",
            "dose_time_here": "14:00",
            "effective_date": "2026-11-05",
        }
        assert today(client, world, BERLIN)["travel_prompt"] == prompt  # until answered
        r = answer(client, world, "home", BERLIN)
        assert r.status_code == 200, r.json
        assert (r.json["policy"], r.json["to_timezone"], r.json["applied_at"]) == ("home", None, None)
        assert today(client, world, BERLIN)["travel_prompt"] is None  # answered for Berlin
        assert today(client, world, NY)["travel_prompt"] is None  # home again: nothing to ask
    with at("2026-11-04T13:00:00Z"):
        assert today(client, world, TOKYO)["travel_prompt"]["dose_time_here"] == "22:00"  # a new change
        assert answer(client, world, "home", TOKYO).status_code == 200
        assert today(client, world, TOKYO)["travel_prompt"] is None

    pid = world.participants["t"]
    site = client.get(f"/api/v1/participants/{pid}", headers=world.headers("coordinator_a")).json
    assert (site["timezone"], site["timezone_policy"], site["device_timezone"]) == (NY, "home", TOKYO)
    history = client.get(f"/api/v1/participants/{pid}/timezone-changes", headers=world.headers("monitor"))
    assert [(h["device_timezone"], h["policy"]) for h in history.json] == [(TOKYO, "home"), (BERLIN, "home")]
    events = client.get(f"/api/v1/participants/{pid}/audit", headers=world.headers("monitor")).json
    answers = [e for e in events if e["action"] == "participant.timezone_policy"]
    assert len(answers) == 2 and answers[0]["actor_type"] == "device"


def test_local_answer_moves_the_diary_from_tomorrow_and_entries_keep_the_phone_zone(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 11, 2), tz=NY)
    with at("2026-11-04T12:00:00Z"):
        r = answer(client, world, "local", BERLIN)
        assert r.status_code == 200, r.json
        # 11-05 begins in New York at 05:00Z; Berlin's 11-05 began earlier, so the switch waits
        assert (r.json["effective_date"], r.json["switch_at"]) == ("2026-11-05", "2026-11-05T05:00:00+00:00")
        assert today(client, world, BERLIN)["travel_prompt"] is None  # a change to Berlin is pending
        entry = put(client, world, "t", "2026-11-04", headers={"X-Device-Timezone": BERLIN}, taken=True)
        assert entry.status_code == 201 and entry.json["device_timezone"] == BERLIN
    with at("2026-11-05T04:59:00Z"):  # 23:59 on 11-04 in New York: still 11-04
        assert today(client, world, BERLIN)["date"] == "2026-11-04"
    with at("2026-11-05T05:00:00Z"):  # 06:00 in Berlin on 11-05
        body = today(client, world, BERLIN)
        assert body["date"] == "2026-11-05" and body["travel_prompt"] is None
        assert body["dose_due_at"] == "2026-11-05T07:00:00+00:00"  # 08:00 Berlin: 18 h after 08:00 NY
        assert body["dose_time_moved"] is False
    pid = world.participants["t"]
    site = client.get(f"/api/v1/participants/{pid}", headers=world.headers("coordinator_a")).json
    assert (site["timezone"], site["timezone_policy"]) == (BERLIN, "local")
    events = client.get(f"/api/v1/participants/{pid}/audit", headers=world.headers("monitor")).json
    [change] = [e for e in events if e["action"] == "participant.timezone_change"]
    assert (change["before"], change["after"]["timezone"], change["actor_type"]) == (
        {"timezone": NY}, BERLIN, "system",
    )  # fmt: skip


def test_a_change_never_puts_the_next_dose_under_12_hours_and_the_calendar_shows_it(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 11, 2), tz=NY)
    with at("2026-11-04T12:00:00Z"):
        assert answer(client, world, "local", TOKYO).status_code == 200
    with at("2026-11-04T20:00:00Z"):  # 15:00 New York: 11-04's dose made up late
        r = put(client, world, "t", "2026-11-04", taken=True, taken_at="2026-11-04T20:00:00Z")
        assert r.status_code == 201, r.json
    with at("2026-11-05T06:00:00Z"):
        r = client.get(
            "/api/v1/me/calendar?from=2026-11-04&to=2026-11-06",
            headers={**world.headers("t"), "X-Device-Timezone": TOKYO},
        )
    due = {d["date"]: d["dose_due_at"] for d in r.json["days"]}
    assert [d["dose_time_moved"] for d in r.json["days"]] == [False, True, False]
    assert due == {
        "2026-11-04": "2026-11-04T13:00:00+00:00",  # 08:00 New York
        "2026-11-05": "2026-11-05T08:00:00+00:00",  # taken 20:00Z + 12 h = 17:00 Tokyo, not 08:00
        "2026-11-06": "2026-11-05T23:00:00+00:00",  # 08:00 Tokyo again
    }


def test_bad_answers_are_422_and_staff_cannot_answer(app, client, world):
    assert answer(client, world, "away", BERLIN, who="p1").status_code == 422
    assert answer(client, world, "home", "Mars/Base", who="p1").status_code == 422
    assert answer(client, world, "home", BERLIN, who="coordinator_a").status_code == 403
    r = client.post("/api/v1/me/timezone", json={"policy": "nope"})
    assert r.status_code == 401
    other = client.get(
        f"/api/v1/participants/{world.participants['p3']}/timezone-changes",
        headers=world.headers("coordinator_a"),
    )
    assert other.status_code == 404
