"""Check-then-act under real concurrency (issue 12, findings 3 and 4): nothing is stored twice.

Each request runs in its own thread with its own test client (so its own session and database
connection) and a barrier releases them together, as in test_diary_concurrency.py. On
PostgreSQL (``TEST_DATABASE_URL``) these are real concurrent transactions under READ COMMITTED:
before the fix a single-use activation code gave 2 device tokens, an alert was acknowledged
twice, two identical holds were stored, one fever episode opened two alerts, and the losers of a
duplicate create answered 500. On SQLite the database's write lock serializes the transactions;
the same tests check that every loser gets the same clean answer there.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import func, select

from backend.db import db
from backend.models import Alert, AuditEvent, Device, Hold, Participant, Site, StaffUser
from tests.helpers import at, patient


def at_once(app, n: int, request: Callable) -> list:  # type: ignore[type-arg,no-untyped-def]
    """Call ``request(client, i)`` from ``n`` threads released together; the responses, in order."""
    barrier = threading.Barrier(n)

    def one(i: int):  # type: ignore[no-untyped-def]
        client = app.test_client()
        barrier.wait()
        return request(client, i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def count(app, model, *where) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_count(app, action: str) -> int:  # type: ignore[no-untyped-def]
    return count(app, AuditEvent, AuditEvent.action == action)


def statuses(responses) -> Counter:  # type: ignore[no-untyped-def]
    return Counter(r.status_code for r in responses)


# --- finding 3: races that stored what must be refused ------------------------------------


def test_twenty_activations_with_one_code_give_exactly_one_token(app, client, world):
    pid = world.participants["p1"]
    r = client.post(f"/api/v1/participants/{pid}/activation-code", headers=world.headers("coordinator_a"))
    code = r.json["code"]
    devices_before = count(app, Device, Device.participant_id == pid)
    activations_before = audit_count(app, "device.activate")

    answers = at_once(
        app,
        20,
        lambda c, i: c.post("/api/v1/device/activate", json={"code": code, "device_label": f"phone {i}"}),
    )

    assert statuses(answers) == Counter({201: 1, 401: 19}), [(a.status_code, a.get_json()) for a in answers]
    assert all("already used" in a.json["message"] for a in answers if a.status_code == 401)
    assert count(app, Device, Device.participant_id == pid) == devices_before + 1
    assert audit_count(app, "device.activate") == activations_before + 1


def _fever(client, world, who="p1"):  # type: ignore[no-untyped-def]
    body = {"client_id": str(uuid.uuid4()), "answers": {"fever_chills_presence": 1}, "temperature_c": 38.4}
    return client.post("/api/v1/me/symptom-reports", json=body, headers=world.headers(who))


def test_twenty_acknowledges_of_one_alert_give_one_200_and_one_audit_event(app, client, world):
    alert_id = _fever(client, world).json["alerts"][0]["id"]

    answers = at_once(
        app,
        20,
        lambda c, i: c.post(
            f"/api/v1/alerts/{alert_id}/acknowledge",
            json={"note": f"called the patient ({i})"},
            headers=world.headers("coordinator_a" if i % 2 else "investigator_a"),
        ),
    )

    assert statuses(answers) == Counter({200: 1, 409: 19}), [(a.status_code, a.get_json()) for a in answers]
    assert audit_count(app, "alert.acknowledge") == 1
    [winner] = [a for a in answers if a.status_code == 200]
    alert = client.get(f"/api/v1/alerts/{alert_id}", headers=world.headers("monitor")).json
    assert alert["status"] == "acknowledged" and alert["acknowledge_note"] == winner.json["acknowledge_note"]


def test_ten_identical_hold_orders_store_one_hold(app, world):
    pid = patient(app, world, "t", c1d1=date(2026, 10, 1))
    body = {"start_date": "2026-10-05", "end_date": "2026-10-08", "reason": "grade 3 hypertension"}
    with at("2026-10-05T03:00:00Z"):
        answers = at_once(
            app,
            10,
            lambda c, i: c.post(
                f"/api/v1/participants/{pid}/holds", json=body, headers=world.headers("investigator_a")
            ),
        )
    assert statuses(answers) == Counter({201: 1, 409: 9}), [(a.status_code, a.get_json()) for a in answers]
    assert count(app, Hold, Hold.participant_id == pid) == 1
    assert audit_count(app, "hold.create") == 1


def test_ten_fever_reports_at_once_open_one_alert_per_episode(app, client, world):
    """Three episodes, each ten simultaneous fever reports, resolved before the next episode."""
    pid = world.participants["p1"]
    for episode in range(1, 4):
        answers = at_once(app, 10, lambda c, i: _fever(c, world))

        assert statuses(answers) == Counter({201: 10}), [(a.status_code, a.get_json()) for a in answers]
        active = Alert.participant_id == pid, Alert.rule_id == "SYM-FEVER", Alert.status == "open"
        assert count(app, Alert, *active) == 1, f"episode {episode}"
        with app.app_context():
            alert = db.session.scalars(select(Alert).where(*active)).one()
            assert alert.occurrences == 10 and len(alert.evidence) == 10
            alert_id = alert.id
        assert {a.json["alerts"][0]["id"] for a in answers} == {alert_id}
        assert audit_count(app, "alert.open") == episode
        assert audit_count(app, "alert.append") == 9 * episode
        resolved = client.post(
            f"/api/v1/alerts/{alert_id}/resolve",
            json={"note": "paracetamol, afebrile"},
            headers=world.headers("coordinator_a"),
        )
        assert resolved.status_code == 200


# --- finding 4: concurrent duplicate creates answer 409 naming the field, never 500 ----------


def _conflicts_name(answers, field: str) -> bool:  # type: ignore[no-untyped-def]
    return all(field in a.json["errors"]["json"] for a in answers if a.status_code == 409)


def test_concurrent_identical_enrolments_make_one_participant(app, world):
    body = {
        "study_id": "01-777",
        "site_id": world.sites["a"],
        "timezone": "Asia/Shanghai",
        "reminder_time": "08:00",
        "c1d1": "2026-11-20",
    }
    enrolled_before = audit_count(app, "participant.enrol")
    for attempt in range(3):
        body["study_id"] = f"01-77{attempt}"
        answers = at_once(
            app,
            5,
            lambda c, i: c.post("/api/v1/participants", json=body, headers=world.headers("coordinator_a")),
        )
        assert statuses(answers) == Counter({201: 1, 409: 4}), [
            (a.status_code, a.get_json()) for a in answers
        ]
        assert _conflicts_name(answers, "study_id")
        assert count(app, Participant, Participant.study_id == body["study_id"]) == 1
    assert audit_count(app, "participant.enrol") == enrolled_before + 3


def test_concurrent_identical_sites_make_one_site(app, world):
    for attempt in range(3):
        body = {"name": "Site C", "code": f"C{attempt}", "timezone": "Asia/Shanghai", "alert_emails": []}
        answers = at_once(
            app, 5, lambda c, i, body=body: c.post("/api/v1/sites", json=body, headers=world.headers("admin"))
        )
        assert statuses(answers) == Counter({201: 1, 409: 4}), [
            (a.status_code, a.get_json()) for a in answers
        ]
        assert _conflicts_name(answers, "code")
        assert count(app, Site, Site.code == body["code"]) == 1


def test_concurrent_identical_staff_accounts_make_one_account(app, world):
    for attempt in range(3):
        body = {
            "email": f"new{attempt}@example.org",
            "name": "N",
            "role": "monitor",
            "password": "a long enough password",
        }
        answers = at_once(
            app, 5, lambda c, i, body=body: c.post("/api/v1/staff", json=body, headers=world.headers("admin"))
        )
        assert statuses(answers) == Counter({201: 1, 409: 4}), [
            (a.status_code, a.get_json()) for a in answers
        ]
        assert _conflicts_name(answers, "email")
        assert count(app, StaffUser, StaffUser.email == body["email"]) == 1


def test_concurrent_identical_cycle_confirmations_confirm_once(app, world):
    for attempt in range(3):
        pid = patient(app, world, f"t{attempt}", c1d1=date(2026, 10, 1))
        with at("2026-10-22T03:00:00Z"):
            answers = at_once(
                app,
                5,
                lambda c, i, pid=pid: c.post(
                    f"/api/v1/participants/{pid}/cycles",
                    json={"start_date": "2026-10-22"},
                    headers=world.headers("coordinator_a"),
                ),
            )
        assert statuses(answers) == Counter({201: 1, 409: 4}), [
            (a.status_code, a.get_json()) for a in answers
        ]
        assert _conflicts_name(answers, "start_date")
        listed = app.test_client().get(f"/api/v1/participants/{pid}/cycles", headers=world.headers("monitor"))
        assert [c["number"] for c in listed.json] == [1, 2]
