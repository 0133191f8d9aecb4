"""Wait for your study team (issue 14, item 1) through HTTP and the scheduler's tick.

CLINICAL.md, "Blood pressure": a confirmed >=160/100 sitting tells the patient not to take more
anlotinib until the team calls; from then on Today shows that instead of "take your dose", dose
reminders pause and the calendar marks the days, until the site records its decision on the
alert (continue: reminders resume; or an investigator's hold).

The participant is in Shanghai (UTC+8), dose and BP reminders at 08:00 local (00:00Z), follow-up
at 11:00 local. Cycle 1 starts Monday 2026-11-02. The issue's case: a confirmed 166/104 sitting at
22:00 on 11-04, after 11-05's 08:00 and 11:00 dose reminders were already planned.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from backend.models import AuditEvent, Reminder
from tests.helpers import at, patient, put
from tests.scheduler.conftest import rows, subscribe, tick

C1D1 = date(2026, 11, 2)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)



def sitting(client, world, who, when, *values):  # type: ignore[no-untyped-def]
    """Post readings (systolic, diastolic) one minute apart as one sitting; the last answer."""
    sitting_id, answer = str(uuid.uuid4()), None
    for minute, (systolic, diastolic) in enumerate(values):
        body = {
            "client_id": str(uuid.uuid4()),
            "measured_at": when.replace(minute=when.minute + minute).isoformat(),
            "systolic": systolic,
            "diastolic": diastolic,
            "sitting_id": sitting_id,
        }
        with at(when.replace(minute=when.minute + minute)):
            answer = client.post("/api/v1/me/bp-readings", json=body, headers=world.headers(who))
        assert answer.status_code == 201, answer.json
    return answer


def today(client, world, who, when):  # type: ignore[no-untyped-def]
    with at(when):
        r = client.get("/api/v1/me/today", headers=world.headers(who))
    assert r.status_code == 200, r.json
    return r.json


def dose_rows(app, pid, day):  # type: ignore[no-untyped-def]
    where = (Reminder.participant_id == pid, Reminder.kind == "dose", Reminder.local_date == day)
    return {row.sequence: row.status for row in rows(app, Reminder, *where)}


def dose_pushes(endpoint):  # type: ignore[no-untyped-def]
    return sorted(
        r.payload["due_at"]
        for r in endpoint.received
        if r.payload["kind"] in ("dose_reminder", "dose_followup")
    )


def high_sitting_on_11_04(app, client, world, push_endpoint):  # type: ignore[no-untyped-def]
    """Enrol "w", plan 11-05's reminders, then a confirmed 166/104 sitting at 22:00 on 11-04."""
    with at(utc(2026, 11, 1, 12)):
        pid = patient(app, world, "w", c1d1=C1D1)
        subscribe(client, world, "w", push_endpoint, "/push/w")
    tick(app, utc(2026, 11, 4, 13, 0))  # 21:00 on 11-04: 11-05's reminders are planned
    assert dose_rows(app, pid, date(2026, 11, 5)) == {0: "pending", 1: "pending"}
    answer = sitting(client, world, "w", utc(2026, 11, 4, 14, 0), (168, 106), (164, 102))
    assert answer.json["advice"]["code"] == "bp_contact_team_today"
    assert answer.json["alert"]["rule_id"] == "BP-CONFIRMED-160-100"
    return pid, answer.json["alert"]["id"]


def test_confirmed_high_sitting_pauses_dose_reminders_and_today_until_the_site_decides_to_continue(
    app, client, world, push_endpoint, transport
):
    pid, alert_id = high_sitting_on_11_04(app, client, world, push_endpoint)

    # After midnight Today says wait, not "take 8 mg before breakfast"
    body = today(client, world, "w", utc(2026, 11, 4, 16, 30))  # 00:30 on 11-05
    assert (body["phase"], body["instruction"]["state"]) == ("dosing", "wait_for_team")
    assert body["instruction"]["take_dose"] is False and body["instruction"]["dose_form"] == "anyway"
    assert body["instruction"]["headline"] == "Do not take anlotinib: wait for your study team"
    assert "Take" not in body["instruction"]["headline"] and body["advice"]["code"] == "wait_for_team"
    assert body["instruction"]["wait_since"] == "2026-11-04T14:01:00+00:00"

    # The already-queued reminders for 11-05 are cancelled; none is sent at 08:00 or 11:00
    tick(app, utc(2026, 11, 4, 16, 30))
    assert dose_rows(app, pid, date(2026, 11, 5)) == {0: "cancelled", 1: "cancelled"}
    for instant in (utc(2026, 11, 5, 0, 5), utc(2026, 11, 5, 3, 5), utc(2026, 11, 5, 16, 30)):
        tick(app, instant)
    assert dose_pushes(push_endpoint) == []
    assert dose_rows(app, pid, date(2026, 11, 6)) == {}  # nothing planned for 11-06 either

    # The calendar marks the waiting days; they are not missed doses
    with at(utc(2026, 11, 5, 16, 30)):
        days = client.get(
            "/api/v1/me/calendar?from=2026-11-04&to=2026-11-06", headers=world.headers("w")
        ).json
    marks = {d["date"]: (d["wait_for_team"], d["status"]) for d in days["days"]}
    assert marks == {
        "2026-11-04": (True, "none"),
        "2026-11-05": (True, "none"),
        "2026-11-06": (True, "none"),
    }

    # Closing the alert without a decision is refused: the patient would wait forever
    with at(utc(2026, 11, 5, 22, 0)):
        refused = client.post(
            f"/api/v1/alerts/{alert_id}/resolve",
            json={"note": "called"},
            headers=world.headers("coordinator_a"),
        )
        assert refused.status_code == 422
        assert "decision" in refused.json["errors"]["json"]
        listed = client.get(f"/api/v1/alerts/{alert_id}", headers=world.headers("coordinator_a")).json
        assert listed["holds_participant_waiting"] is True and listed["decision"] is None
        # 06:00 on 11-06: the investigator says continue
        decided = client.post(
            f"/api/v1/alerts/{alert_id}/acknowledge",
            json={"note": "repeat 138/88 by phone; continue 8 mg", "decision": "continue"},
            headers=world.headers("investigator_a"),
        )
    assert decided.status_code == 200, decided.json
    assert (decided.json["decision"], decided.json["holds_participant_waiting"]) == ("continue", False)
    assert decided.json["decided_at"] == "2026-11-05T22:00:00+00:00"

    body = today(client, world, "w", utc(2026, 11, 5, 22, 30))
    assert (body["instruction"]["state"], body["instruction"]["take_dose"]) == ("dosing", True)

    # Reminders resume: 11-06's 08:00 reminder goes out
    tick(app, utc(2026, 11, 5, 22, 30))
    tick(app, utc(2026, 11, 6, 0, 5))
    push_endpoint.wait_for(1)
    assert dose_pushes(push_endpoint) == ["2026-11-06T00:00:00Z"]
    with at(utc(2026, 11, 6, 1)):
        days = client.get(
            "/api/v1/me/calendar?from=2026-11-05&to=2026-11-06", headers=world.headers("w")
        ).json
    assert [(d["date"], d["wait_for_team"]) for d in days["days"]] == [
        ("2026-11-05", True),
        ("2026-11-06", False),
    ]

    actions = [e.action for e in rows(app, AuditEvent, AuditEvent.participant_id == pid)]
    assert "team_wait.open" in actions and "team_wait.end" in actions and "alert.decide" in actions


def test_an_intake_logged_while_waiting_is_recorded_for_the_team_and_flagged(
    app, client, world, push_endpoint, transport
):
    high_sitting_on_11_04(app, client, world, push_endpoint)
    with at(utc(2026, 11, 5, 1)):  # 09:00 on 11-05, still waiting
        r = put(client, world, "w", "2026-11-05", taken=True, taken_at="2026-11-05T00:30:00Z")
    assert r.status_code == 201, r.json
    assert r.json["deviation"] is True and "wait_for_team_intake" in r.json["flags"]
    body = today(client, world, "w", utc(2026, 11, 5, 1, 5))
    assert (body["instruction"]["state"], body["instruction"]["dose_form"]) == ("wait_for_team", "recorded")


def test_decision_hold_orders_an_investigators_hold_and_only_an_investigator_may(
    app, client, world, push_endpoint, transport
):
    pid, alert_id = high_sitting_on_11_04(app, client, world, push_endpoint)
    with at(utc(2026, 11, 5, 2)):  # 10:00 on 11-05
        coordinator = client.post(
            f"/api/v1/alerts/{alert_id}/resolve",
            json={"note": "hold anlotinib", "decision": "hold"},
            headers=world.headers("coordinator_a"),
        )
        assert coordinator.status_code == 403
        investigator = client.post(
            f"/api/v1/alerts/{alert_id}/resolve",
            json={"note": "grade 3 hypertension: hold anlotinib", "decision": "hold"},
            headers=world.headers("investigator_a"),
        )
        assert investigator.status_code == 200, investigator.json
        holds = client.get(f"/api/v1/participants/{pid}/holds", headers=world.headers("coordinator_a")).json
    assert [(h["start_date"], h["end_date"]) for h in holds] == [("2026-11-05", None)]
    body = today(client, world, "w", utc(2026, 11, 5, 3))
    assert (body["phase"], body["instruction"]["state"]) == ("hold", "hold")
    tick(app, utc(2026, 11, 6, 0, 5))
    assert dose_pushes(push_endpoint) == []


def test_a_new_high_sitting_after_continue_waits_again(app, client, world, push_endpoint, transport):
    _, alert_id = high_sitting_on_11_04(app, client, world, push_endpoint)
    with at(utc(2026, 11, 5, 2)):
        r = client.post(
            f"/api/v1/alerts/{alert_id}/acknowledge",
            json={"decision": "continue"},
            headers=world.headers("investigator_a"),
        )
    assert r.status_code == 200
    assert today(client, world, "w", utc(2026, 11, 5, 2, 5))["instruction"]["state"] == "dosing"
    again = sitting(client, world, "w", utc(2026, 11, 5, 10, 0), (170, 104), (166, 103))
    assert again.json["alert"]["id"] == alert_id  # the same episode, its decision cleared
    assert again.json["alert"]["decision"] is None
    assert today(client, world, "w", utc(2026, 11, 5, 10, 5))["instruction"]["state"] == "wait_for_team"


def test_a_decision_alone_ends_the_wait_and_leaves_the_alert_open(
    app, client, world, push_endpoint, transport
):
    _, alert_id = high_sitting_on_11_04(app, client, world, push_endpoint)
    with at(utc(2026, 11, 5, 1)):  # 09:00 on 11-05
        other_site = client.post(
            f"/api/v1/alerts/{alert_id}/decision",
            json={"decision": "continue"},
            headers=world.headers("coordinator_b"),
        )
        assert other_site.status_code == 404
        bad = client.post(
            f"/api/v1/alerts/{alert_id}/decision",
            json={"decision": "maybe"},
            headers=world.headers("coordinator_a"),
        )
        assert bad.status_code == 422 and "decision" in bad.json["errors"]["json"]
        r = client.post(
            f"/api/v1/alerts/{alert_id}/decision",
            json={"decision": "continue", "note": "rechecked 140/88"},
            headers=world.headers("coordinator_a"),
        )
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["decision"], r.json["holds_participant_waiting"]) == (
        "open",
        "continue",
        False,
    )
    assert today(client, world, "w", utc(2026, 11, 5, 1, 5))["instruction"]["state"] == "dosing"
