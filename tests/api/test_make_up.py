"""The make-up cut-off over HTTP: Today's advice and make-ups recorded after local midnight.

CLINICAL.md, "The treatment": a day's dose may be made up until the earlier of (next *scheduled*
dose - 12 h) and 12:00 local the next day; the advice after the cut-off names the next dose's
date and says "tomorrow" only when tomorrow is a dosing day. Participants are in Shanghai with
C1D1 = Thursday 2026-10-01 (dosing 10-01..10-14, day 14 a Wednesday).
"""

from __future__ import annotations

from datetime import date

from tests.helpers import at, patient, put

C1D1 = date(2026, 10, 1)


def today(client, world, who):  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/me/today", headers=world.headers(who))
    assert r.status_code == 200, r.json
    return r.json


def evening_dose(client, world, who):  # type: ignore[no-untyped-def]
    """The site moves the participant's dose time to 23:30 (an evening worker)."""
    r = client.patch(
        f"/api/v1/participants/{world.participants[who]}",
        json={"reminder_time": "23:30", "reason": "takes anlotinib before bed"},
        headers=world.headers("coordinator_a"),
    )
    assert r.status_code == 200, r.json


def test_after_the_cutoff_on_a_normal_day_the_advice_says_tomorrow_with_its_date(app, client, world):
    patient(app, world, "en", c1d1=C1D1)
    patient(app, world, "zh", c1d1=C1D1, language="zh-CN")
    with at("2026-10-02T11:59:00Z"):  # 19:59 local: a minute before 08:00 tomorrow - 12 h
        before = {who: today(client, world, who)["advice"] for who in ("en", "zh")}
    with at("2026-10-02T12:01:00Z"):  # 20:01 local
        after = {who: today(client, world, who)["advice"] for who in ("en", "zh")}
    assert {a["code"] for a in before.values()} == {"dosing"}
    assert {a["code"] for a in after.values()} == {"dosing_after_cutoff"}
    assert "take the next dose tomorrow, Saturday 3 October, at the usual time" in after["en"]["text"]
    assert "明天（10月3日星期六）按平时的时间服用下一次" in after["zh"]["text"]


def test_on_day_14_after_20_00_the_dose_may_still_be_made_up_and_nothing_says_tomorrow(app, client, world):
    patient(app, world, "en", c1d1=C1D1)
    patient(app, world, "zh", c1d1=C1D1, language="zh-CN")
    with at("2026-10-14T12:01:00Z"):  # day 14, 20:01 local; tomorrow is a break day
        advice = {who: today(client, world, who)["advice"] for who in ("en", "zh")}
    # the last dosing day for now (issue 14): still to be taken, until noon of the (break) next day
    assert {a["code"] for a in advice.values()} == {"dosing_last_day"}
    assert "tomorrow" not in advice["en"]["text"].lower() and "明天" not in advice["zh"]["text"]
    assert "until 12:00 on Thursday 15 October" in advice["en"]["text"]
    with at("2026-10-15T03:59:00Z"):  # 11:59 on day 15: a minute before the entry window closes
        assert today(client, world, "en")["phase"] == "break"
        made_up = put(client, world, "en", "2026-10-14", taken=True, taken_at="2026-10-15T03:58:00Z")
    assert made_up.status_code == 201, made_up.json
    assert made_up.json["flags"] == ["taken_after_midnight"] and made_up.json["deviation"] is False
    with at("2026-10-15T04:01:00Z"):  # 12:01: the day-14 make-up window has closed
        too_late = put(client, world, "zh", "2026-10-14", taken=True, taken_at="2026-10-15T04:00:00Z")
    assert too_late.status_code == 422
    assert "could be made up only until 2026-10-15 12:00" in too_late.json["errors"]["json"]["taken_at"][0]


def test_the_day_before_a_hold_keeps_the_make_up_window_until_noon(app, client, world):
    pid = patient(app, world, "en", c1d1=C1D1)
    with at("2026-10-05T01:00:00Z"):
        hold = client.post(
            f"/api/v1/participants/{pid}/holds",
            json={"start_date": "2026-10-06", "end_date": "2026-10-08", "reason": "grade 3 hypertension"},
            headers=world.headers("investigator_a"),
        )
    assert hold.status_code == 201, hold.json
    with at("2026-10-05T12:01:00Z"):  # 20:01 on the day before the hold
        advice = today(client, world, "en")["advice"]
    assert advice["code"] == "dosing_last_day" and "tomorrow" not in advice["text"].lower()
    assert "until 12:00 on Tuesday 6 October" in advice["text"]
    with at("2026-10-06T03:59:00Z"):
        ok = put(client, world, "en", "2026-10-05", taken=True, taken_at="2026-10-06T03:59:00Z")
    assert ok.status_code == 201, ok.json


def test_a_make_up_after_midnight_belongs_to_its_own_day_until_the_cutoff(app, client, world):
    patient(app, world, "t", c1d1=C1D1)
    evening_dose(client, world, "t")
    # 23:30 dose: day 10-02 may be made up until 10-03 11:30 local (03:30Z)
    with at("2026-10-02T17:00:00Z"):  # 01:00 on 10-03, after the 02:30 follow-up would go out
        first = put(client, world, "t", "2026-10-02", taken=True, taken_at="2026-10-02T16:50:00Z")
    assert first.status_code == 201, first.json
    assert (first.json["date"], first.json["late"], first.json["deviation"]) == ("2026-10-02", False, False)
    assert first.json["flags"] == ["taken_after_midnight"]
    with at("2026-10-04T03:29:30Z"):  # day 10-03: a minute before its cut-off (10-04 11:30 local)
        minute_before = put(client, world, "t", "2026-10-03", taken=True, taken_at="2026-10-04T03:29:00Z")
    with at("2026-10-05T03:32:00Z"):  # day 10-04: a minute after its cut-off (10-05 11:30 local)
        minute_after = put(client, world, "t", "2026-10-04", taken=True, taken_at="2026-10-05T03:31:00Z")
        other_day = put(client, world, "t", "2026-10-03", taken=True, taken_at="2026-10-05T01:00:00Z")
    assert minute_before.status_code == 201, minute_before.json
    assert minute_after.status_code == 422
    message = minute_after.json["errors"]["json"]["taken_at"][0]
    assert "could be made up only until 2026-10-05 11:30 local time" in message
    assert other_day.status_code == 422
    assert "not on the diary day 2026-10-03" in other_day.json["errors"]["json"]["taken_at"][0]


def test_a_make_up_after_midnight_is_refused_for_a_day_without_a_dose(app, client, world):
    patient(app, world, "t", c1d1=C1D1)
    evening_dose(client, world, "t")
    with at("2026-10-15T17:00:00Z"):  # 01:00 on day 16: day 15 was a break day, nothing to make up
        r = put(client, world, "t", "2026-10-15", taken=True, taken_at="2026-10-15T16:30:00Z")
    assert r.status_code == 422
    assert "not on the diary day 2026-10-15" in r.json["errors"]["json"]["taken_at"][0]
