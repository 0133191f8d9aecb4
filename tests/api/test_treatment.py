"""Site actions on treatment over HTTP: cycles, holds, dose changes, discontinuation; roles and scope."""

from datetime import date

import pytest

from tests.helpers import STAFF_READ, at, check_matrix, me_calendar, patient, post, put


def calendar(client, world, who, start, end, staff="coordinator_a"):
    pid = world.participants[who]
    r = client.get(f"/api/v1/participants/{pid}/calendar?from={start}&to={end}", headers=world.headers(staff))
    assert r.status_code == 200, r.json
    return {d["date"]: d for d in r.json["days"]}


def audit(client, world, who):
    pid = world.participants[who]
    return client.get(f"/api/v1/participants/{pid}/audit", headers=world.headers("monitor")).json


# --- cycles --------------------------------------------------------------------------------


def test_coordinator_confirms_the_next_cycle(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-22T03:00:00Z"):
        r = post(client, world, "t", "cycles", staff="coordinator_a", start_date="2026-10-22")
        days = calendar(client, world, "t", "2026-10-21", "2026-10-22")
    assert r.status_code == 201, r.json
    assert (r.json["number"], r.json["planned_start"], r.json["confirmed_start"]) == (
        2,
        "2026-10-22",
        "2026-10-22",
    )
    assert r.json["confirmed_by"] == world.staff["coordinator_a"]
    assert (days["2026-10-21"]["cycle"], days["2026-10-21"]["cycle_day"]) == (1, 21)
    assert (days["2026-10-22"]["cycle"], days["2026-10-22"]["cycle_day"], days["2026-10-22"]["phase"]) == (
        2,
        1,
        "dosing",
    )
    confirm = [e for e in audit(client, world, "t") if e["action"] == "cycle.confirm"]
    assert len(confirm) == 2 and confirm[-1]["after"]["number"] == 2
    listed = client.get(
        f"/api/v1/participants/{world.participants['t']}/cycles", headers=world.headers("monitor")
    )
    assert [c["number"] for c in listed.json] == [1, 2]


def test_delayed_cycle_leaves_days_awaiting_and_no_dose_expected(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-25T03:00:00Z"):
        before = me_calendar(client, world, "t", "2026-10-22", "2026-10-25")
        assert post(client, world, "t", "cycles", start_date="2026-10-25").status_code == 201
        after = me_calendar(client, world, "t", "2026-10-22", "2026-10-25")
    assert [d["phase"] for d in before.values()] == ["awaiting_cycle"] * 4
    assert all(d["expected_dose_mg"] is None and d["status"] == "none" for d in before.values())
    assert [d["phase"] for d in after.values()] == ["awaiting_cycle"] * 3 + ["dosing"]
    assert after["2026-10-25"]["cycle"] == 2


def test_a_cycle_earlier_than_planned_minus_the_window_is_422_and_a_repeat_is_409(app, client, world):
    """CLINICAL.md: a start earlier than the planned day minus the protocol's window (2 days) is refused."""
    patient(app, world, "t", c1d1=date(2026, 10, 1))  # cycle 2 planned 10-22: the earliest is 10-20
    with at("2026-10-20T03:00:00Z"):
        dosing = post(client, world, "t", "cycles", start_date="2026-10-14")
        day_16 = post(client, world, "t", "cycles", start_date="2026-10-16")
        day_19 = post(client, world, "t", "cycles", start_date="2026-10-19")
        ok = post(client, world, "t", "cycles", start_date="2026-10-20")
        again = post(client, world, "t", "cycles", start_date="2026-10-20")
    assert dosing.status_code == 422
    assert "doses until 2026-10-14" in dosing.json["errors"]["json"]["start_date"][0]
    for early in (day_16, day_19):
        message = early.json["errors"]["json"]["start_date"][0]
        assert early.status_code == 422
        assert "planned for 2026-10-22 and may start at most 2 day(s) earlier (from 2026-10-20)" in message
        assert "would cut cycle 1's break short" in message
    assert ok.status_code == 201 and ok.json["confirmed_late_days"] == []
    assert again.status_code == 409 and "already confirmed" in again.json["message"]


def test_a_confirmation_that_lost_a_race_is_409_not_500(app, client, world, monkeypatch):
    """Two confirmations read the same plan; the second insert meets the first's row."""
    from dataclasses import replace

    from backend.services import cycles

    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-22T03:00:00Z"):
        first = post(client, world, "t", "cycles", start_date="2026-10-22")
        real = cycles.load_plan

        def stale(session, participant):  # the plan as read before the first confirmation
            plan = real(session, participant)
            return replace(plan, cycles=plan.cycles[:1])

        monkeypatch.setattr(cycles, "load_plan", stale)
        second = post(client, world, "t", "cycles", start_date="2026-10-22")
    assert first.status_code == 201
    assert second.status_code == 409 and "confirmed meanwhile" in second.json["message"]
    pid = world.participants["t"]
    listed = client.get(f"/api/v1/participants/{pid}/cycles", headers=world.headers("monitor"))
    assert [c["number"] for c in listed.json] == [1, 2]


def test_cycle_start_in_the_future_or_before_c1d1_is_422(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-22T03:00:00Z"):
        future = post(client, world, "t", "cycles", start_date="2026-10-23")
        past = post(client, world, "t", "cycles", start_date="2026-09-01")
    assert future.status_code == 422 and "start_date" in future.json["errors"]["json"]
    assert past.status_code == 422


# --- holds ---------------------------------------------------------------------------------


def test_hold_spanning_a_cycle_boundary(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-12T03:00:00Z"):
        hold = post(client, world, "t", "holds", start_date="2026-10-12", reason="grade 3 hypertension")
    with at("2026-10-22T03:00:00Z"):
        assert post(client, world, "t", "cycles", start_date="2026-10-22").status_code == 201
        end = client.patch(
            f"/api/v1/participants/{world.participants['t']}/holds/{hold.json['id']}",
            json={"end_date": "2026-10-24", "reason": "BP controlled"},
            headers=world.headers("investigator_a"),
        )
        days = calendar(client, world, "t", "2026-10-11", "2026-10-25")
    assert hold.status_code == 201 and hold.json["end_date"] is None
    assert end.status_code == 200 and end.json["end_date"] == "2026-10-24"
    phases = {d: v["phase"] for d, v in days.items()}
    assert phases["2026-10-11"] == "dosing"
    assert {phases[f"2026-10-{n}"] for n in range(12, 25)} == {"hold"}
    assert phases["2026-10-25"] == "dosing" and days["2026-10-25"]["cycle_day"] == 4
    assert days["2026-10-23"]["cycle"] == 2 and days["2026-10-23"]["expected_dose_mg"] is None
    ended = [e for e in audit(client, world, "t") if e["action"] == "hold.end"]
    assert ended[0]["before"] == {"end_date": None} and ended[0]["reason"] == "BP controlled"


def test_hold_ending_before_it_starts_is_422(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-12T03:00:00Z"):
        bad = post(
            client, world, "t", "holds", start_date="2026-10-12", end_date="2026-10-11", reason="toxicity"
        )
        hold = post(client, world, "t", "holds", start_date="2026-10-12", reason="toxicity")
        patch = client.patch(
            f"/api/v1/participants/{world.participants['t']}/holds/{hold.json['id']}",
            json={"end_date": "2026-10-10"},
            headers=world.headers("investigator_a"),
        )
    assert bad.status_code == 422 and "end_date" in bad.json["errors"]["json"]
    assert patch.status_code == 422 and "before its start" in patch.json["message"]


def test_overlapping_holds_are_409(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-12T03:00:00Z"):
        first = post(
            client, world, "t", "holds", start_date="2026-10-05", end_date="2026-10-08", reason="toxicity"
        )
        overlap = post(client, world, "t", "holds", start_date="2026-10-08", reason="toxicity")
        before_c1d1 = post(
            client, world, "t", "holds", start_date="2026-09-20", end_date="2026-09-21", reason="x" * 5
        )
    assert first.status_code == 201
    assert overlap.status_code == 409 and "overlaps" in overlap.json["message"]
    assert before_c1d1.status_code == 422


def test_hold_of_another_participant_is_404(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    patient(app, world, "u", c1d1=date(2026, 10, 1))
    with at("2026-10-12T03:00:00Z"):
        hold = post(client, world, "t", "holds", start_date="2026-10-12", reason="toxicity")
        r = client.patch(
            f"/api/v1/participants/{world.participants['u']}/holds/{hold.json['id']}",
            json={"end_date": "2026-10-13"},
            headers=world.headers("investigator_a"),
        )
    assert r.status_code == 404


# --- dose changes --------------------------------------------------------------------------


def test_dose_reduction_mid_cycle(app, client, world, reduced_protocol):
    patient(app, world, "t", c1d1=date(2026, 10, 1), protocol_ref=reduced_protocol)
    with at("2026-10-08T03:00:00Z"):
        r = post(
            client,
            world,
            "t",
            "dose-changes",
            effective_date="2026-10-08",
            dose_mg=6,
            reason="grade 2 bleeding",
        )
        days = me_calendar(client, world, "t", "2026-10-07", "2026-10-08")
        today = client.get("/api/v1/me/today", headers=world.headers("t")).json
        old_dose = put(client, world, "t", "2026-10-08", taken=True, dose_mg=8)
    assert r.status_code == 201, r.json
    assert days["2026-10-07"]["expected_dose_mg"] == 8.0 and days["2026-10-08"]["expected_dose_mg"] == 6.0
    assert today["expected_dose_mg"] == 6.0 and "6 mg" in today["advice"]["text"]
    assert old_dose.json["flags"] == ["dose_mismatch"]
    assert [e["reason"] for e in audit(client, world, "t") if e["action"] == "dose_change.create"] == [
        "grade 2 bleeding"
    ]


def test_dose_not_in_the_allowed_levels_is_422(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-08T03:00:00Z"):
        r = post(
            client, world, "t", "dose-changes", effective_date="2026-10-08", dose_mg=6, reason="toxicity"
        )
        early = post(
            client, world, "t", "dose-changes", effective_date="2026-09-08", dose_mg=8, reason="toxicity"
        )
    assert r.status_code == 422 and "not an allowed dose level" in r.json["errors"]["json"]["dose_mg"][0]
    assert early.status_code == 422 and "effective_date" in early.json["errors"]["json"]


def test_two_dose_changes_on_one_day_are_409(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-08T03:00:00Z"):
        assert (
            post(
                client, world, "t", "dose-changes", effective_date="2026-10-08", dose_mg=8, reason="xyz"
            ).status_code
            == 201
        )
        assert (
            post(
                client, world, "t", "dose-changes", effective_date="2026-10-08", dose_mg=8, reason="xyz"
            ).status_code
            == 409
        )


# --- discontinuation -----------------------------------------------------------------------


def test_discontinuation_mid_cycle(app, client, world):
    pid = patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-09T03:00:00Z"):
        r = post(client, world, "t", "discontinue", date="2026-10-09", reason="progressive disease")
        today = client.get("/api/v1/me/today", headers=world.headers("t")).json
        days = me_calendar(client, world, "t", "2026-10-08", "2026-10-10")
        later = [
            post(client, world, "t", "cycles", start_date="2026-10-09"),
            post(client, world, "t", "holds", start_date="2026-10-09", reason="toxicity"),
            post(client, world, "t", "dose-changes", effective_date="2026-10-09", dose_mg=8, reason="xyz"),
            post(client, world, "t", "discontinue", date="2026-10-09", reason="again"),
        ]
        participant = client.get(f"/api/v1/participants/{pid}", headers=world.headers("monitor")).json
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["discontinued_on"]) == ("off_treatment", "2026-10-09")
    assert participant["status"] == "off_treatment"
    assert (today["phase"], today["expected_dose_mg"], today["bp_due"], today["advice"]["code"]) == (
        "off_treatment",
        None,
        False,
        "off_treatment",
    )
    assert [d["phase"] for d in days.values()] == ["dosing", "off_treatment", "off_treatment"]
    assert [x.status_code for x in later] == [409, 409, 409, 409]
    event = [e for e in audit(client, world, "t") if e["action"] == "participant.discontinue"][0]
    assert event["after"]["status"] == "off_treatment" and event["reason"] == "progressive disease"


def test_discontinuation_in_the_future_or_before_c1d1_is_422(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-09T03:00:00Z"):
        assert post(client, world, "t", "discontinue", date="2026-10-10", reason="planned").status_code == 422
        assert post(client, world, "t", "discontinue", date="2026-09-10", reason="typo").status_code == 422


# --- roles and scope -----------------------------------------------------------------------

INVESTIGATOR_ACTIONS = [
    ("holds", {"start_date": "2026-11-24", "reason": "toxicity"}),
    ("dose-changes", {"effective_date": "2026-11-24", "dose_mg": 8, "reason": "toxicity"}),
    ("discontinue", {"date": "2026-11-24", "reason": "withdrew consent"}),
]


@pytest.mark.now("2026-11-24T06:00:00Z", tick=False)  # the world (p1's C1D1) is built at this instant
@pytest.mark.parametrize(("path", "body"), INVESTIGATOR_ACTIONS, ids=[p for p, _ in INVESTIGATOR_ACTIONS])
def test_holds_dose_changes_and_discontinuation_need_an_investigator(client, world, path, body):
    for who, status in (
        ("coordinator_a", 403),
        ("monitor", 403),
        ("admin", 403),
        ("p1", 403),
        ("coordinator_b", 404),
        ("investigator_b", 404),
    ):
        assert post(client, world, "p1", path, staff=who, **body).status_code == status, who
    assert (
        client.post(f"/api/v1/participants/{world.participants['p1']}/{path}", json=body).status_code
        == 401
    )
    assert post(client, world, "p1", path, **body).status_code in (200, 201)


def test_confirming_a_cycle_is_for_coordinators_and_investigators(app, client, world):
    patient(app, world, "t", c1d1=date(2026, 10, 1))
    with at("2026-10-22T03:00:00Z"):
        for who, status in (("monitor", 403), ("p1", 403), ("coordinator_b", 404), ("admin", 403)):
            assert (
                post(client, world, "t", "cycles", staff=who, start_date="2026-10-22").status_code == status
            )
        assert (
            post(client, world, "t", "cycles", staff="investigator_a", start_date="2026-10-22").status_code
            == 201
        )


@pytest.mark.parametrize("path", ["cycles", "holds", "dose-changes", "calendar"])
def test_treatment_reads_matrix(client, world, path):
    check_matrix(client, world, "GET", f"/api/v1/participants/{{p1}}/{path}", STAFF_READ)
