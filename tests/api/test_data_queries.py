"""Data queries over HTTP: a query's life, corrections through the owning services, roles, scope, counts."""

from __future__ import annotations

import pytest

from tests.helpers import CALLERS, check_matrix
from tests.support.signing import cycle_one_complete, sign, staff_post


def raise_query(client, world, pid, staff="monitor", **target):
    body = {"participant_id": pid, "question": target.pop("question", "Please check this value."), **target}
    return staff_post(client, world, staff, "/queries", **body)


def act(client, world, staff, query_id, step, **body):
    return staff_post(client, world, staff, f"/queries/{query_id}/{step}", **body)


def query_events(client, world, pid):
    events = client.get(f"/api/v1/participants/{pid}/audit", headers=world.headers("monitor")).json
    return [e for e in events if e["entity"] == "data_query"]


def readings(client, world, pid):
    return client.get(f"/api/v1/participants/{pid}/bp-readings", headers=world.headers("monitor")).json


@pytest.fixture
def pid(app, client, world):
    return cycle_one_complete(app, client, world)


def test_a_querys_whole_life_leaves_one_audit_event_per_step(client, world, pid):
    raised = raise_query(
        client,
        world,
        pid,
        target_kind="dose_day",
        target_date="2026-10-29",
        target_field="taken",
        question="The pill count says day 3 was taken: please check.",
    )
    assert raised.status_code == 201, raised.json
    query = raised.json
    assert (query["status"], query["raised_by_name"], query["raised_by_role"], query["study_id"]) == (
        "open",
        "monitor",
        "monitor",
        "T-t",
    )
    correction = {"taken": True, "source_detail": "pill count at visit"}
    answered = act(
        client,
        world,
        "coordinator_a",
        query["id"],
        "answer",
        answer="Pill count confirms it was taken.",
        correction=correction,
    )
    assert answered.status_code == 200, answered.json
    assert (answered.json["status"], answered.json["answered_by_name"]) == ("answered", "coordinator_a")
    fix = answered.json["correction"]
    assert (fix["action"], fix["entity"], fix["before"]["taken"], fix["after"]["taken"]) == (
        "dose_log.update",
        "dose_log",
        False,
        True,
    )
    assert fix["reason"] == f"data query {query['id']}: Pill count confirms it was taken."
    assert answered.json["correction_event_id"] == fix["id"]
    day = client.get(f"/api/v1/participants/{pid}/doses/2026-10-29", headers=world.headers("monitor")).json
    assert (day["taken"], day["version"], day["source_detail"]) == (True, 2, "pill count at visit")
    closed = act(client, world, "monitor", query["id"], "close", note="Verified against the pill count.")
    assert (closed.status_code, closed.json["status"], closed.json["closed_by_name"]) == (
        200,
        "closed",
        "monitor",
    )
    reopened = act(client, world, "monitor", query["id"], "reopen", note="The dose time is missing too.")
    assert (reopened.status_code, reopened.json["status"]) == (200, "open")
    steps = [e["action"] for e in query_events(client, world, pid)]
    assert steps == ["data_query.raise", "data_query.answer", "data_query.close", "data_query.reopen"]
    detail = client.get(f"/api/v1/queries/{query['id']}", headers=world.headers("coordinator_a")).json
    assert [h["action"] for h in detail["history"]] == steps
    assert detail["history"][1]["after"]["correction_event_id"] == fix["id"]


def test_retried_steps_record_nothing_twice(client, world, pid):
    body = {"target_kind": "participant", "target_field": "bp_reminder_time", "question": "Is 07:00 right?"}
    first = raise_query(client, world, pid, **body)
    again = raise_query(client, world, pid, **body)
    assert (first.status_code, again.status_code, again.json["id"]) == (201, 200, first.json["id"])
    qid = first.json["id"]
    assert act(client, world, "coordinator_a", qid, "answer", answer="Yes, confirmed.").status_code == 200
    assert act(client, world, "coordinator_a", qid, "answer", answer="Yes, confirmed.").status_code == 200
    assert act(client, world, "coordinator_a", qid, "answer", answer="Something else").status_code == 409
    assert act(client, world, "monitor", qid, "close").status_code == 200
    assert act(client, world, "monitor", qid, "close").status_code == 200
    late = act(
        client, world, "coordinator_a", qid, "answer", answer="late", correction={"bp_reminder_time": "08:00"}
    )
    assert late.status_code == 409
    steps = [e["action"] for e in query_events(client, world, pid)]
    assert steps == ["data_query.raise", "data_query.answer", "data_query.close"]


def test_a_monitor_raises_and_closes_but_cannot_answer_or_correct(client, world, pid):
    qid = raise_query(client, world, pid, target_kind="dose_day", target_date="2026-10-29").json["id"]
    for body in (
        {"answer": "It was taken."},
        {"answer": "It was taken.", "correction": {"taken": True, "source_detail": "pill count"}},
    ):
        r = act(client, world, "monitor", qid, "answer", **body)
        assert r.status_code == 403, r.json
    day = client.get(f"/api/v1/participants/{pid}/doses/2026-10-29", headers=world.headers("monitor")).json
    assert (day["taken"], day["version"]) == (False, 1)
    assert act(client, world, "monitor", qid, "close", note="raised in error").json["status"] == "closed"


def test_the_site_settles_its_own_queries_but_never_a_monitors(client, world, pid):
    monitors = raise_query(client, world, pid, target_kind="dose_day", target_date="2026-10-28").json["id"]
    assert act(client, world, "coordinator_a", monitors, "close").status_code == 403
    own = raise_query(
        client, world, pid, staff="investigator_a", target_kind="participant", target_field="timezone"
    ).json
    assert own["raised_by_role"] == "investigator"
    act(client, world, "coordinator_a", own["id"], "answer", answer="Checked with the patient.")
    assert act(client, world, "coordinator_a", own["id"], "close").json["status"] == "closed"
    assert (
        act(client, world, "investigator_a", own["id"], "reopen", note="asked again").json["status"] == "open"
    )


def test_a_bp_correction_goes_through_the_reading_and_regrades_its_sitting(client, world, pid):
    first, second = sorted(readings(client, world, pid), key=lambda r: r["measured_at"])
    assert (first["grade"], second["grade"]) == (3, 3)
    qid = raise_query(
        client, world, pid, target_kind="bp_reading", target_id=first["id"], target_field="systolic"
    ).json["id"]
    correction = {"systolic": 146, "diastolic": 92, "source_detail": "BP monitor memory"}
    r = act(
        client,
        world,
        "investigator_a",
        qid,
        "answer",
        answer="Mistyped: the monitor shows 146/92.",
        correction=correction,
    )
    assert r.status_code == 200, r.json
    assert (r.json["correction"]["action"], r.json["correction"]["after"]) == (
        "bp_reading.correct",
        {"systolic": 146, "diastolic": 92, "version": 2},
    )
    assert "BP monitor memory" in r.json["correction"]["reason"]
    first, second = sorted(readings(client, world, pid), key=lambda r: r["measured_at"])
    assert (first["systolic"], first["grade"], second["grade"]) == (146, 2, 2)  # second: mean 155/96, grade 2
    alerts = client.get(f"/api/v1/alerts?participant_id={pid}", headers=world.headers("monitor")).json
    assert [a["status"] for a in alerts] == ["open"]  # what was raised then stays


def test_symptom_answers_are_the_patients_but_the_temperature_can_be_corrected(client, world, pid):
    report = client.get(f"/api/v1/participants/{pid}/symptom-reports", headers=world.headers("monitor")).json[
        0
    ]
    qid = raise_query(
        client, world, pid, target_kind="symptom_report", target_id=report["id"], target_field="temperature_c"
    ).json["id"]
    refused = act(
        client,
        world,
        "coordinator_a",
        qid,
        "answer",
        answer="Changing it.",
        correction={"answers": {"nausea_frequency": 0}, "temperature_c": 36.8},
    )
    assert refused.status_code == 422 and "answers" in refused.json["errors"]["json"]
    fixed = act(
        client,
        world,
        "coordinator_a",
        qid,
        "answer",
        answer="Thermometer shows 37.4.",
        correction={"temperature_c": 37.4},
    )
    assert fixed.status_code == 200, fixed.json
    assert fixed.json["correction"]["after"] == {"temperature_c": 37.4, "version": 2}


def test_a_participant_field_is_corrected_through_the_participant_service(client, world, pid):
    qid = raise_query(client, world, pid, target_kind="participant", target_field="bp_reminder_time").json[
        "id"
    ]
    bad = act(
        client,
        world,
        "coordinator_a",
        qid,
        "answer",
        answer="Fixed.",
        correction={"bp_reminder_time": "25:00"},
    )
    assert bad.status_code == 422 and "correction.bp_reminder_time" in bad.json["errors"]["json"]
    r = act(
        client,
        world,
        "coordinator_a",
        qid,
        "answer",
        answer="Patient measures at 20:00.",
        correction={"bp_reminder_time": "20:00"},
    )
    assert r.status_code == 200, r.json
    assert (r.json["correction"]["action"], r.json["correction"]["after"]) == (
        "participant.update",
        {"bp_reminder_time": "20:00:00"},
    )
    assert (
        client.get(f"/api/v1/participants/{pid}", headers=world.headers("monitor")).json["bp_reminder_time"]
        == "20:00"
    )
    study = raise_query(client, world, pid, target_kind="participant", target_field="study_id").json["id"]
    r = act(
        client, world, "coordinator_a", study, "answer", answer="It is right.", correction={"study_id": "X"}
    )
    assert r.status_code == 422 and "cannot be corrected here" in r.json["message"]


def test_a_correction_invalidates_the_signature_over_the_corrected_record(client, world, pid):
    signature = sign(client, world, pid).json
    qid = raise_query(client, world, pid, target_kind="dose_day", target_date="2026-10-29").json["id"]
    answer = act(
        client,
        world,
        "coordinator_a",
        qid,
        "answer",
        answer="It was taken.",
        correction={"taken": True, "source_detail": "pill count"},
    ).json
    [after] = client.get(
        f"/api/v1/participants/{pid}/cycles/1/signatures", headers=world.headers("monitor")
    ).json
    assert (after["id"], after["status"], after["invalidated_by"]["id"]) == (
        signature["id"],
        "invalidated",
        answer["correction_event_id"],
    )


@pytest.mark.parametrize(
    ("target", "field"),
    [
        ({"target_kind": "dose_day", "target_date": "2026-11-25"}, "target_date"),  # tomorrow
        ({"target_kind": "dose_day", "target_date": "2026-10-26"}, "target_date"),  # before C1D1
        ({"target_kind": "dose_day"}, "target_date"),
        ({"target_kind": "bp_reading", "target_id": "0" * 32}, "target_id"),
        ({"target_kind": "symptom_report"}, "target_id"),
        ({"target_kind": "participant"}, "target_field"),
        ({"target_kind": "participant", "target_field": "password_hash"}, "target_field"),
        ({"target_kind": "dose_day", "target_date": "2026-10-29", "target_field": "grade"}, "target_field"),
        ({"target_kind": "anything"}, "target_kind"),
    ],
)
def test_a_query_names_a_record_of_its_participant(client, world, pid, target, field):
    r = raise_query(client, world, pid, **target)
    assert r.status_code == 422 and field in r.json["errors"]["json"], r.json


def test_another_participants_reading_cannot_be_queried_through_this_one(client, world, pid, app):
    other = cycle_one_complete(app, client, world, "other")
    reading = readings(client, world, other)[0]
    r = raise_query(client, world, pid, target_kind="bp_reading", target_id=reading["id"])
    assert r.status_code == 422 and "target_id" in r.json["errors"]["json"]


def test_queries_are_listed_and_counted_per_site_and_participant(app, client, world, pid):
    at_b = cycle_one_complete(app, client, world, "at_b", site="b")
    q1 = raise_query(client, world, pid, target_kind="dose_day", target_date="2026-10-28").json["id"]
    raise_query(client, world, pid, target_kind="participant", target_field="timezone")
    raise_query(client, world, at_b, target_kind="dose_day", target_date="2026-10-28")
    act(client, world, "coordinator_a", q1, "answer", answer="Checked.")

    def listed(staff, query=""):
        r = client.get(f"/api/v1/queries{query}", headers=world.headers(staff))
        assert r.status_code == 200, r.json
        return r.json

    assert {q["participant_id"] for q in listed("coordinator_a")} == {pid}
    assert {q["participant_id"] for q in listed("investigator_b")} == {at_b}
    assert len(listed("monitor")) == 3
    assert [q["id"] for q in listed("monitor", f"?participant_id={pid}&status=answered")] == [q1]
    assert (
        client.get(
            f"/api/v1/queries?participant_id={at_b}", headers=world.headers("coordinator_a")
        ).status_code
        == 404
    )
    summary = client.get(
        f"/api/v1/queries/summary?site_id={world.sites['a']}", headers=world.headers("monitor")
    ).json
    assert {k: summary[k] for k in ("open", "answered", "closed")} == {"open": 1, "answered": 1, "closed": 0}
    assert summary["participants"] == [
        {
            "participant_id": pid,
            "study_id": "T-t",
            "site_id": world.sites["a"],
            "open": 1,
            "answered": 1,
            "closed": 0,
        }
    ]
    everyone = client.get("/api/v1/queries/summary", headers=world.headers("monitor")).json
    assert (everyone["open"], len(everyone["participants"])) == (2, 2)
    assert client.get(f"/api/v1/queries/{q1}", headers=world.headers("coordinator_b")).status_code == 404
    assert act(client, world, "investigator_b", q1, "answer", answer="Not mine.").status_code == 404
    assert (
        raise_query(
            client, world, pid, staff="coordinator_b", target_kind="dose_day", target_date="2026-10-28"
        ).status_code
        == 404
    )


def test_query_endpoints_authorization_matrix(app, client, world, pid):
    world.participants["p1"] = pid
    read = {"anonymous": 401, "admin": 403, "monitor": 200, "coordinator_a": 200, "investigator_a": 200}
    read |= {"coordinator_b": 200, "investigator_b": 200, "p1": 403, "p3": 403}
    check_matrix(client, world, "GET", "/api/v1/queries", read)
    check_matrix(client, world, "GET", "/api/v1/queries/summary", read)
    check_matrix(
        client,
        world,
        "GET",
        "/api/v1/queries?participant_id={p1}",
        {**read, "coordinator_b": 404, "investigator_b": 404},
    )
    raise_ = {
        **read,
        "monitor": 201,
        "coordinator_a": 201,
        "investigator_a": 201,
        "coordinator_b": 404,
        "investigator_b": 404,
    }
    check_matrix(
        client,
        world,
        "POST",
        "/api/v1/queries",
        raise_,
        lambda who: {
            "participant_id": pid,
            "target_kind": "dose_day",
            "target_date": "2026-10-28",
            "question": f"asked by {who}",
        },
    )
    qid = raise_query(client, world, pid, target_kind="participant", target_field="timezone").json["id"]
    one = {**read, "coordinator_b": 404, "investigator_b": 404}
    check_matrix(client, world, "GET", f"/api/v1/queries/{qid}", one)
    answer = {**one, "monitor": 403}  # the first site answer moves it on; the second repeats it
    check_matrix(
        client,
        world,
        "POST",
        f"/api/v1/queries/{qid}/answer",
        answer,
        {"answer": "Checked with the patient."},
    )
    settle = {**one, "coordinator_a": 403, "investigator_a": 403}  # a monitor's query
    check_matrix(client, world, "POST", f"/api/v1/queries/{qid}/close", settle, {"note": "fine"})
    check_matrix(client, world, "POST", f"/api/v1/queries/{qid}/reopen", settle, {"note": "one more thing"})
    assert set(CALLERS) >= set(one)
