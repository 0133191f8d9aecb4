"""Missed doses and unconfirmed cycles become alerts; alerts reach the site by e-mail and push, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from backend.db import db
from backend.domain.findings import make_finding
from backend.models import Alert, Notification, Participant
from backend.services.alerts import raise_finding
from tests.factories import build_world, enrol
from tests.scheduler.conftest import rows, subscribe, tick

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # p1, p2 start cycle 1 on 11-23 (Shanghai)
NOON_1124 = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 12:00 Shanghai on 11-24: 11-23's window closes


@pytest.fixture
def world(app):  # type: ignore[no-untyped-def]
    with time_machine.travel(T0, tick=False):
        return build_world(app)


def _alerts(app, rule=None):  # type: ignore[no-untyped-def]
    found = rows(app, Alert)
    return [a for a in found if rule is None or a.rule_id == rule]


def test_one_missed_day_opens_an_info_alert_two_consecutive_a_review_alert(
    app, client, world, transport, smtp_sink
):
    with time_machine.travel(T0, tick=False):
        client.put("/api/v1/me/doses/2026-11-23", json={"taken": True}, headers=world.headers("p2"))
    tick(app, NOON_1124 - timedelta(minutes=5))  # window still open: nothing yet
    assert _alerts(app) == []
    tick(app, NOON_1124)
    tick(app, NOON_1124)  # replayed: no double count
    tick(app, NOON_1124 + timedelta(minutes=5))
    [info] = _alerts(app)
    assert (info.rule_id, info.severity, info.participant_id) == (
        "DOSE-MISSED",
        "info",
        world.participants["p1"],
    )
    assert info.occurrences == 1
    tick(app, NOON_1124 + timedelta(days=1))
    tick(app, NOON_1124 + timedelta(days=1, minutes=5))
    review = _alerts(app, "DOSE-MISSED-2")
    assert [(a.participant_id, a.severity) for a in review] == [(world.participants["p1"], "review")]
    assert review[0].evidence[0]["dates"] == ["2026-11-23", "2026-11-24"]
    # p2 logged 11-23 and missed 11-24: one missed day, an info alert only.
    p2 = [a.rule_id for a in _alerts(app) if a.participant_id == world.participants["p2"]]
    assert p2 == ["DOSE-MISSED"]
    # The site got one e-mail per new alert (info, review, p2's info), nothing twice.
    mails = smtp_sink.wait_for(3)
    assert len(mails) == 3
    assert {m.rcpt_tos[0] for m in mails} == {"alerts-a@site.example.org"}
    subjects = sorted(m.subject for m in mails)
    assert "[Dosing Diary] review alert for participant 01-001" in subjects
    review_mail = next(m for m in mails if "review" in m.subject)
    assert f"http://127.0.0.1:5000/site/#alerts/{review[0].id}" in review_mail.body


def test_no_missed_dose_alert_on_break_or_unconfirmed_days(app, client, world, transport):
    with time_machine.travel(T0, tick=False):
        # p4 started cycle 1 on 10-01: days 15-21 are a break, then cycle 2 was never confirmed.
        with app.test_request_context():
            enrol(world, "p4", "a", study_id="01-004", c1d1=date(2026, 10, 1))
            db.commit_request()
    for day in range(3):
        tick(app, NOON_1124 + timedelta(days=day))
    assert [a.rule_id for a in _alerts(app) if a.participant_id == world.participants["p4"]] == [
        "CYCLE-UNCONFIRMED"
    ]


def test_cycle_not_confirmed_two_days_after_its_planned_start_alerts_once(
    app, client, world, transport, smtp_sink
):
    with time_machine.travel(T0, tick=False), app.test_request_context():
        enrol(world, "p4", "a", study_id="01-004", c1d1=date(2026, 11, 2))  # cycle 2 planned 11-23
        db.commit_request()
    tick(app, datetime(2026, 11, 24, 15, 55, tzinfo=UTC))  # 23:55 on 11-24 Shanghai: 1 day past
    assert _alerts(app, "CYCLE-UNCONFIRMED") == []
    start = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    for hours in range(0, 72, 6):
        tick(app, start + timedelta(hours=hours))
    [alert] = _alerts(app, "CYCLE-UNCONFIRMED")
    assert alert.evidence[0]["planned_start"] == "2026-11-23"
    assert alert.opened_at == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 00:00 on 11-25 local = +2 days


def _urgent_alert(app, world, now):  # type: ignore[no-untyped-def]
    finding = make_finding("BP-CRISIS", {"systolic": 186, "diastolic": 112}, "advice.bp_crisis")
    with time_machine.travel(now, tick=False), app.app_context(), db.session_scope() as session:
        participant = session.get(Participant, world.participants["p1"])
        alert, _ = raise_finding(session, participant, finding, evidence_item={}, advice_shown=[], now=now)
        return alert.id


def test_urgent_alert_reaches_site_staff_by_push_and_email_then_escalates_once(
    app, client, world, push_endpoint, transport, smtp_sink
):
    opened = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "coordinator_a", push_endpoint, "/push/coord-a", staff=True)
        subscribe(client, world, "investigator_b", push_endpoint, "/push/inv-b", staff=True)
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
    alert_id = _urgent_alert(app, world, opened)
    tick(app, opened)
    staff_pushes = [r for r in push_endpoint.wait_for(1) if r.path != "/push/p1"]
    assert [r.path for r in staff_pushes] == ["/push/coord-a"]  # not the other site's staff
    push = staff_pushes[0]
    assert push.vapid_ok and push.headers["urgency"] == "high"
    assert push.payload == {
        "kind": "alert",
        "id": alert_id,
        "title": "New urgent alert at your site",
        "body": "Open the site dashboard to review it.",
        "url": "/site/#alerts",
        "due_at": "2026-11-24T02:00:00Z",
    }
    assert "186" not in str(push.payload)  # no health data in a push
    [mail] = smtp_sink.wait_for(1)
    assert mail.subject == "[Dosing Diary] urgent alert for participant 01-001"
    assert mail.rcpt_tos == ["alerts-a@site.example.org"]
    tick(app, opened + timedelta(minutes=59))
    assert len([r for r in push_endpoint.received if r.path == "/push/coord-a"]) == 1
    tick(app, opened + timedelta(minutes=60))
    tick(app, opened + timedelta(minutes=60))
    tick(app, opened + timedelta(minutes=65))
    escalations = [r for r in push_endpoint.wait_for(2) if r.payload["kind"] == "escalation"]
    assert [r.path for r in escalations] == ["/push/coord-a"]
    assert escalations[0].headers["urgency"] == "high"
    mails = smtp_sink.wait_for(3)
    escalation_mails = [m for m in mails if "escalated" in m.subject]
    assert sorted(m.rcpt_tos[0] for m in escalation_mails) == [
        "alerts-a@site.example.org",
        "investigator_a@example.org",
    ]
    assert len(mails) == 3
    assert rows(app, Alert, Alert.id == alert_id)[0].escalated_at == opened + timedelta(minutes=60)


def test_acknowledged_urgent_alert_is_not_escalated(app, client, world, transport, smtp_sink):
    opened = T0 + timedelta(hours=2)  # staff tokens of the world live 12 h
    alert_id = _urgent_alert(app, world, opened)
    tick(app, opened)
    with time_machine.travel(opened + timedelta(minutes=20), tick=False):
        r = client.post(
            f"/api/v1/alerts/{alert_id}/acknowledge", json={}, headers=world.headers("coordinator_a")
        )
        assert r.status_code == 200, r.json
    tick(app, opened + timedelta(minutes=61))
    assert rows(app, Alert, Alert.id == alert_id)[0].escalated_at is None
    assert not [n for n in rows(app, Notification) if n.idempotency_key.startswith("escalation:")]


def test_reminder_times_at_half_past_midnight_and_half_past_eleven(
    app, client, world, push_endpoint, transport
):
    with time_machine.travel(T0, tick=False), app.test_request_context():
        enrol(world, "early", "a", study_id="01-010", c1d1=date(2026, 11, 23), reminder=time(0, 30))
        enrol(
            world,
            "late",
            "b",
            study_id="02-010",
            tz="Europe/London",
            c1d1=date(2026, 11, 23),
            reminder=time(23, 30),
        )
        db.commit_request()
    from sqlalchemy import select

    from backend.models import Reminder

    for minutes in range(0, 36 * 60, 30):
        tick(app, T0 + timedelta(minutes=minutes))
    with app.app_context(), db.session_scope() as session:
        got = {
            (r.participant_id, r.local_date.isoformat(), r.sequence): r.due_at
            for r in session.scalars(select(Reminder).where(Reminder.kind == "dose"))
        }
    early, late = world.participants["early"], world.participants["late"]
    assert got[(early, "2026-11-24", 0)] == datetime(2026, 11, 23, 16, 30, tzinfo=UTC)
    assert got[(early, "2026-11-24", 1)] == datetime(2026, 11, 23, 19, 30, tzinfo=UTC)
    assert got[(late, "2026-11-23", 0)] == datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert got[(late, "2026-11-23", 1)] == datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # next calendar day
