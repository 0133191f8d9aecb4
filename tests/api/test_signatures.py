"""Investigator sign-off over HTTP (21 CFR Part 11): signing, the manifest, invalidation, lockout, scope."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from sqlalchemy import event, select

from backend.db import db
from backend.models import AuditEvent
from tests.factories import staff_token
from tests.helpers import CALLERS, check_matrix
from tests.support.signing import PASSWORD, at, cycle_one_complete, sign, staff_post


def read_cycle(client, world, pid, cycle=1, staff="monitor"):
    r = client.get(f"/api/v1/participants/{pid}/cycles/{cycle}", headers=world.headers(staff))
    assert r.status_code == 200, r.json
    return r.json


def to_sign(client, world, staff="investigator_a", **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    r = client.get(f"/api/v1/signatures/to-sign?{query}", headers=world.headers(staff))
    assert r.status_code == 200, r.json
    return r.json


def audit_actions(client, world, pid, prefix="signature."):
    events = client.get(f"/api/v1/participants/{pid}/audit", headers=world.headers("monitor")).json
    return [e for e in events if e["action"].startswith(prefix)]


def staff_trail(app, world, staff="investigator_a"):
    """The signing events on the staff account's own audit trail: (action, after)."""
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.entity_id == world.staff[staff]).order_by(AuditEvent.id)
        return [(e.action, e.after) for e in db.session.scalars(stmt) if e.action.startswith("signature.")]


def signing_status(client, world, staff="investigator_a"):
    return client.get("/api/v1/staff/me/signing", headers=world.headers(staff)).json


# --- signing and the manifest ------------------------------------------------------------------


def test_investigator_signs_a_complete_cycle_and_the_manifest_shows_in_its_read(app, client, world):
    pid = cycle_one_complete(app, client, world)
    r = sign(client, world, pid, meaning="approved")
    assert r.status_code == 201, r.json
    signature = r.json
    assert "password" not in signature
    assert {
        k: signature[k] for k in ("cycle", "first_date", "last_date", "meaning", "status", "verified")
    } == {
        "cycle": 1,
        "first_date": "2026-10-27",
        "last_date": "2026-11-16",
        "meaning": "approved",
        "status": "valid",
        "verified": True,
    }
    assert (signature["signer_id"], signature["signer_name"]) == (
        world.staff["investigator_a"],
        "investigator_a",
    )
    assert signature["signed_at"].startswith("2026-11-24T06:00")
    cycle = read_cycle(client, world, pid)
    assert (cycle["complete"], cycle["state"]) == (True, "signed")
    assert [(s["id"], s["signer_name"], s["meaning"], s["verified"]) for s in cycle["signatures"]] == [
        (signature["id"], "investigator_a", "approved", True)
    ]
    # what was signed is in the read: the hash can be checked by anyone from it
    content = cycle["content"]
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert hashlib.sha256(canonical).hexdigest() == cycle["content_hash"] == signature["content_hash"]
    assert (content["participant_id"], content["cycle"], len(content["days"])) == (pid, 1, 21)
    day2 = next(d for d in content["days"] if d["date"] == "2026-10-28")
    assert (day2["phase"], day2["entry"]["taken"], day2["entry"]["version"]) == ("dosing", True, 1)
    assert [r["systolic"] for r in content["bp_readings"]] == [166, 164]
    assert len(content["symptom_reports"]) == 1 and content["alerts"][0]["rule_id"] == "BP-CONFIRMED-160-100"
    [event_] = audit_actions(client, world, pid)
    assert (event_["action"], event_["actor_id"], event_["after"]["content_hash"]) == (
        "signature.sign",
        world.staff["investigator_a"],
        signature["content_hash"],
    )
    assert not [c for c in to_sign(client, world)["cycles"] if c["participant_id"] == pid]


def test_the_same_signature_again_is_a_quiet_200_and_a_second_meaning_is_a_second_signature(
    app, client, world
):
    pid = cycle_one_complete(app, client, world)
    first = sign(client, world, pid)
    again = sign(client, world, pid)
    other = sign(client, world, pid, meaning="approved")
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json["id"] == first.json["id"] and other.json["id"] != first.json["id"]
    assert len(audit_actions(client, world, pid, "signature.sign")) == 2


def test_a_running_cycle_cannot_be_signed_and_an_unknown_one_is_404(app, client, world):
    pid = cycle_one_complete(app, client, world)
    running = sign(client, world, pid, 2)
    assert running.status_code == 409 and "running" in running.json["message"]
    assert sign(client, world, pid, 3).status_code == 404
    assert read_cycle(client, world, pid, 2)["state"] == "open"
    assert read_cycle(client, world, pid, 2)["content_hash"] is None


def test_a_signature_is_bound_to_its_participant_and_cycle(app, client, world):
    """Two cycles with the same (empty) records hash differently: a signature cannot be moved."""
    one = cycle_one_complete(app, client, world, "one")
    two = cycle_one_complete(app, client, world, "two")
    a, b = sign(client, world, one).json, sign(client, world, two).json
    assert a["content_hash"] != b["content_hash"]
    assert read_cycle(client, world, one)["content"]["participant_id"] == one


# --- roles and scope ---------------------------------------------------------------------------


def test_only_an_investigator_of_the_participants_site_signs(app, client, world):
    pid = cycle_one_complete(app, client, world)
    for staff, status in [
        ("coordinator_a", 403),
        ("monitor", 403),
        ("investigator_b", 404),
        ("coordinator_b", 404),
    ]:
        r = sign(client, world, pid, staff=staff)
        assert r.status_code == status, (staff, r.json)
    assert read_cycle(client, world, pid)["signatures"] == []
    assert signing_status(client, world, "coordinator_a")["wrong_passwords"] == 0


def test_signature_endpoints_authorization_matrix(app, client, world):
    cycle_one_complete(app, client, world, "p1x")
    world.participants["p1"] = world.participants["p1x"]  # the matrix names site A's patient p1
    read = {"anonymous": 401, "admin": 403, "monitor": 200, "coordinator_a": 200, "investigator_a": 200}
    read |= {"coordinator_b": 404, "investigator_b": 404, "p1": 403, "p3": 403}
    check_matrix(client, world, "GET", "/api/v1/participants/{p1}/cycles/1", read)
    check_matrix(client, world, "GET", "/api/v1/participants/{p1}/cycles/1/signatures", read)
    write = {**read, "monitor": 403, "coordinator_a": 403, "investigator_a": 201}
    body = {"password": PASSWORD, "meaning": "reviewed"}
    check_matrix(client, world, "POST", "/api/v1/participants/{p1}/cycles/1/signatures", write, body)
    batch_body = {**body, "cycles": [{"participant_id": world.participants["p1"], "cycle": 1}]}
    check_matrix(client, world, "POST", "/api/v1/signatures", write, batch_body)
    lists = {caller: 403 for caller in CALLERS} | {"anonymous": 401, "monitor": 200}
    lists |= {"coordinator_a": 200, "investigator_a": 200, "coordinator_b": 200, "investigator_b": 200}
    check_matrix(client, world, "GET", "/api/v1/signatures/to-sign", lists)
    other_site = {**lists, "coordinator_b": 404, "investigator_b": 404}
    check_matrix(client, world, "GET", "/api/v1/signatures/to-sign?site_id={site_a}", other_site)
    mine = {caller: 200 for caller in CALLERS} | {"anonymous": 401, "p1": 403, "p3": 403}
    check_matrix(client, world, "GET", "/api/v1/staff/me/signing", mine)


# --- a later change invalidates ----------------------------------------------------------------


def _late_patient_entry(app, client, world, pid):
    with at("2026-11-18T02:00:00Z"):  # cycle 2 day 2: the patient still may enter cycle 1's last day
        r = client.put("/api/v1/me/doses/2026-11-16", json={"taken": False}, headers=world.headers("t"))
    assert r.status_code == 201, r.json
    return "dose_log.create"


def _site_correction(app, client, world, pid):
    body = {"taken": True, "reason": "pill count shows it was taken", "source_detail": "pill count"}
    r = client.put(
        f"/api/v1/participants/{pid}/doses/2026-10-29", json=body, headers=world.headers("coordinator_a")
    )
    assert r.status_code == 200, r.json
    return "dose_log.update"


def _late_bp_reading(app, client, world, pid):
    body = {
        "client_id": str(uuid.uuid4()),
        "measured_at": "2026-11-10T01:00:00+00:00",
        "systolic": 128,
        "diastolic": 82,
    }
    r = client.post("/api/v1/me/bp-readings", json=body, headers=world.headers("t"))
    assert r.status_code == 201, r.json
    return "bp_reading.create"


def _alert_acknowledged(app, client, world, pid):
    alerts = client.get(f"/api/v1/alerts?participant_id={pid}", headers=world.headers("coordinator_a")).json
    r = staff_post(
        client, world, "coordinator_a", f"/alerts/{alerts[0]['id']}/acknowledge", note="called the patient"
    )
    assert r.status_code == 200, r.json
    return "alert.acknowledge"


def _hold_back_dated(app, client, world, pid):
    r = staff_post(
        client,
        world,
        "investigator_a",
        f"/participants/{pid}/holds",
        start_date="2026-11-05",
        end_date="2026-11-08",
        reason="grade 3 hypertension",
    )
    assert r.status_code == 201, r.json
    return "hold.create"


def _time_zone_moves_a_record(app, client, world, pid):
    """A reading at 04:00 on cycle 2's day 1 in Shanghai is 10:00 the day before in Honolulu:
    moving the participant's zone moves it into signed cycle 1."""
    body = {
        "client_id": str(uuid.uuid4()),
        "measured_at": "2026-11-16T20:00:00+00:00",
        "systolic": 128,
        "diastolic": 82,
    }
    assert client.post("/api/v1/me/bp-readings", json=body, headers=world.headers("t")).status_code == 201
    assert read_cycle(client, world, pid)["state"] == "signed"  # dated in cycle 2 so far
    body = {"timezone": "Pacific/Honolulu", "reason": "moved to Hawaii"}
    r = client.patch(f"/api/v1/participants/{pid}", json=body, headers=world.headers("coordinator_a"))
    assert r.status_code == 200, r.json
    return "participant.update"


@pytest.mark.parametrize(
    "change",
    [
        _late_patient_entry,
        _site_correction,
        _late_bp_reading,
        _alert_acknowledged,
        _hold_back_dated,
        _time_zone_moves_a_record,
    ],
)
def test_any_change_to_a_signed_record_invalidates_the_signature(app, client, world, change):
    pid = cycle_one_complete(app, client, world)
    signed = sign(client, world, pid).json
    action = change(app, client, world, pid)
    cycle = read_cycle(client, world, pid)
    [signature] = cycle["signatures"]
    assert (signature["status"], signature["verified"], cycle["state"]) == (
        "invalidated",
        False,
        "invalidated",
    )
    assert cycle["content_hash"] != signed["content_hash"] == signature["content_hash"]
    assert signature["invalidated_by"]["action"] == action
    [waiting] = [c for c in to_sign(client, world)["cycles"] if c["participant_id"] == pid]
    assert (waiting["cycle"], waiting["state"], waiting["invalidated_by"]["action"]) == (
        1,
        "invalidated",
        action,
    )
    [invalidation] = audit_actions(client, world, pid, "signature.invalidate")
    assert invalidation["after"]["invalidated_by_event_id"] == signature["invalidated_by"]["id"]
    again = sign(client, world, pid)
    assert again.status_code == 201 and again.json["content_hash"] == cycle["content_hash"]


def test_changes_outside_the_signed_cycle_leave_the_signature_valid(app, client, world):
    pid = cycle_one_complete(app, client, world)
    sign(client, world, pid)
    r = client.put("/api/v1/me/doses/2026-11-24", json={"taken": True}, headers=world.headers("t"))
    assert r.status_code == 201
    body = {"reminder_time": "09:00", "reason": "works later"}
    assert (
        client.patch(
            f"/api/v1/participants/{pid}", json=body, headers=world.headers("coordinator_a")
        ).status_code
        == 200
    )
    [signature] = read_cycle(client, world, pid)["signatures"]
    assert (signature["status"], signature["verified"]) == ("valid", True)


def test_todays_diary_entry_does_not_look_for_signatures(app, client, world):
    """The diary's hot path pays nothing for sign-off: no statement touches the signatures table."""
    pid = cycle_one_complete(app, client, world)
    sign(client, world, pid)
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        r = client.put("/api/v1/me/doses/2026-11-24", json={"taken": True}, headers=world.headers("t"))
        r2 = client.put(
            "/api/v1/me/doses/2026-11-24",
            json={"taken": False, "reason_for_change": "spat it out"},
            headers=world.headers("t"),
        )
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert (r.status_code, r2.status_code) == (201, 200)
    assert statements and not [s for s in statements if "signatures" in s]


# --- the password and the lock -----------------------------------------------------------------


def test_a_wrong_password_is_refused_counted_and_audited(app, client, world):
    pid = cycle_one_complete(app, client, world)
    r = sign(client, world, pid, password="not my password")
    assert r.status_code == 422
    assert "4 more wrong" in r.json["errors"]["json"]["password"][0]
    assert read_cycle(client, world, pid)["signatures"] == []
    assert signing_status(client, world) | {} == {
        "locked": False,
        "locked_until": None,
        "wrong_passwords": 1,
        "tries_left": 4,
        "max_wrong_passwords": 5,
        "lock_minutes": 15,
    }
    assert staff_trail(app, world) == [("signature.wrong_password", {"signing_wrong_passwords": 1})]
    assert sign(client, world, pid).status_code == 201
    assert signing_status(client, world)["wrong_passwords"] == 0


@pytest.mark.now("2026-11-24T06:00:00Z", tick=False)
def test_five_wrong_passwords_lock_signing_for_15_minutes_and_every_session_is_told(app, client, world):
    pid = cycle_one_complete(app, client, world)
    for attempt in range(4):
        assert sign(client, world, pid, password=f"guess {attempt}").status_code == 422
    fifth = sign(client, world, pid, password="guess 4")
    assert fifth.status_code == 423 and fifth.headers["Retry-After"] == "900"
    assert "locked" in fifth.json["message"]
    right = sign(client, world, pid)  # not even checked while locked
    assert right.status_code == 423 and int(right.headers["Retry-After"]) <= 900
    with app.app_context():  # another session of the same account
        other = staff_token(world.staff["investigator_a"], app.config["SETTINGS"].token_pepper)
        db.commit_request()
    answer = client.get("/api/v1/participants", headers={"Authorization": f"Bearer {other}"})
    assert answer.headers["X-Signing-Locked-Until"].startswith("2026-11-24T06:15")
    status = client.get("/api/v1/staff/me/signing", headers={"Authorization": f"Bearer {other}"}).json
    assert (status["locked"], status["tries_left"], status["locked_until"][:16]) == (
        True,
        0,
        "2026-11-24T06:15",
    )
    assert (
        "X-Signing-Locked-Until"
        not in client.get("/api/v1/participants", headers=world.headers("coordinator_a")).headers
    )
    with at("2026-11-24T06:15:00Z"):
        after = sign(client, world, pid)
        assert after.status_code == 201, after.json
        assert (
            "X-Signing-Locked-Until"
            not in client.get("/api/v1/participants", headers={"Authorization": f"Bearer {other}"}).headers
        )
    with app.app_context():
        from backend.models import AuditEvent

        trail = (
            db.session.query(AuditEvent).filter(AuditEvent.entity_id == world.staff["investigator_a"]).all()
        )
        actions = [e.action for e in trail if e.action.startswith("signature.")]
    assert actions == ["signature.wrong_password"] * 5 + ["signature.lock"]


# --- batches and the to-sign list --------------------------------------------------------------


def test_two_cycles_are_signed_in_one_batch_with_one_password(app, client, world):
    one = cycle_one_complete(app, client, world, "one")
    two = cycle_one_complete(app, client, world, "two")
    listed = to_sign(client, world)
    assert [
        (c["participant_id"], c["cycle"], c["state"])
        for c in listed["cycles"]
        if c["participant_id"] in (one, two)
    ] == [
        (one, 1, "unsigned"),
        (two, 1, "unsigned"),
    ]
    body = {
        "password": PASSWORD,
        "meaning": "reviewed",
        "cycles": [{"participant_id": one, "cycle": 1}, {"participant_id": two, "cycle": 1}],
    }
    r = staff_post(client, world, "investigator_a", "/signatures", **body)
    assert r.status_code == 201, r.json
    [a, b] = r.json["signatures"]
    assert (a["participant_id"], b["participant_id"]) == (one, two) and a["batch_id"] == b["batch_id"]
    assert a["content_hash"] != b["content_hash"]
    assert not [c for c in to_sign(client, world)["cycles"] if c["participant_id"] in (one, two)]


def test_a_batch_is_all_or_nothing(app, client, world):
    one = cycle_one_complete(app, client, world, "one")
    running = cycle_one_complete(app, client, world, "running", confirm=False)
    body = {
        "password": PASSWORD,
        "meaning": "approved",
        "cycles": [{"participant_id": one, "cycle": 1}, {"participant_id": running, "cycle": 1}],
    }
    r = staff_post(client, world, "investigator_a", "/signatures", **body)
    assert r.status_code == 409, r.json
    assert read_cycle(client, world, one)["signatures"] == []
    wrong = staff_post(client, world, "investigator_a", "/signatures", **{**body, "password": "nope"})
    assert wrong.status_code == 422
    foreign = cycle_one_complete(app, client, world, "foreign", site="b")
    body["cycles"][1] = {"participant_id": foreign, "cycle": 1}
    assert staff_post(client, world, "investigator_a", "/signatures", **body).status_code == 404
    assert read_cycle(client, world, one)["signatures"] == []
    assert signing_status(client, world)["wrong_passwords"] == 1


def test_the_to_sign_list_is_scoped_to_the_callers_site(app, client, world):
    a = cycle_one_complete(app, client, world, "at_a")
    b = cycle_one_complete(app, client, world, "at_b", site="b")
    assert {c["participant_id"] for c in to_sign(client, world)["cycles"]} == {a}
    assert {c["participant_id"] for c in to_sign(client, world, "investigator_b")["cycles"]} == {b}
    assert {c["participant_id"] for c in to_sign(client, world, "monitor")["cycles"]} == {a, b}
    assert {
        c["participant_id"] for c in to_sign(client, world, "monitor", site_id=world.sites["b"])["cycles"]
    } == {b}
    r = client.get(f"/api/v1/signatures/to-sign?participant_id={b}", headers=world.headers("investigator_a"))
    assert r.status_code == 404
