"""A seeded study for the export tests, built through the HTTP API at the instants it happened.

Site A (Asia/Shanghai): ``ex1`` from 2026-09-01 on a protocol version that allows 6 mg, with
everything the exports must show: cycle 2 confirmed three days late (planned 09-22, started
09-25), a hold 09-29..10-02, a dose change to 6 mg from 10-03, cycle 3 from 10-16, an on-time
diary, a dose with vomiting, a dose not taken, a late entry, a day never reported, a site
entry after 72 h, a break-day intake (deviation), BP sittings (one confirmed >= 160/100, which
raises a review alert), symptom reports (one with a skipped follow-up, one with fever that raises
an urgent alert, acknowledged and resolved). ``ex2`` (site A) and ``ex3`` (site B,
Europe/London) have a little data each. The world's p1, p2 (site A) and p3 (site B) start today.
Sign-off (issue 19): ex1's cycles 1 and 2 signed in one batch on 2026-11-02, and a monitor's query
on ex1's unreported day 2026-09-07 answered in words (nothing recorded changes).

The expected values in the tests are written out by hand from this story, not computed by the
product's code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from backend.domain import protocol as protocol_module
from tests.factories import PASSWORD
from tests.helpers import at, patient, put, site_put

C1 = date(2026, 9, 1)
C2 = date(2026, 9, 25)  # planned 09-22: a three-day delay
C3 = date(2026, 10, 16)
HOLD = (date(2026, 9, 29), date(2026, 10, 2))
SIX_MG_FROM = date(2026, 10, 3)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# Prescribed days of ex1 up to today (2026-11-24), by hand: cycle 1 days 1-14, cycle 2 days 1-14
# less the hold, cycle 3 days 1-14; nothing after 10-29 (cycle 4 never confirmed).
EX1_PRESCRIBED = (
    days(C1, date(2026, 9, 14))
    + days(C2, date(2026, 9, 28))
    + days(SIX_MG_FROM, date(2026, 10, 8))
    + days(C3, date(2026, 10, 29))
)
EX1_ON_TIME = [d for d in days(C1, date(2026, 9, 14)) if d.day not in (5, 6, 7, 8)]
EX1_ENTRIES = sorted(
    [*EX1_ON_TIME, date(2026, 9, 5), date(2026, 9, 6), date(2026, 9, 8), date(2026, 9, 16)]
    + days(C2, date(2026, 9, 28))
    + days(SIX_MG_FROM, date(2026, 10, 8))
    + [C3, C3 + timedelta(days=1)]
)


@pytest.fixture
def reduced_protocol(tmp_path, monkeypatch):
    """SKB264-ANLO v2 allowing 6 mg, known to every service next to the shipped protocols."""
    source = (protocol_module.PROTOCOL_DIR / "skb264-anlo.v1.toml").read_text(encoding="utf-8")
    v2 = source.replace("version = 1", "version = 2").replace(
        "allowed_dose_mg = [8]", "allowed_dose_mg = [8, 6]"
    )
    (tmp_path / "skb264-anlo.v2.toml").write_text(v2, encoding="utf-8")
    shipped = protocol_module._registry

    def registry(directory):
        return {**shipped(directory), **shipped(tmp_path)}

    monkeypatch.setattr(protocol_module, "_registry", registry)
    return "SKB264-ANLO@2"


@dataclass
class Study:
    """The world plus what the seed created that tests look up."""

    world: object
    alerts: dict[str, str]
    sign_off: dict[str, str] = field(default_factory=dict)


def _ok(response, *codes):
    assert response.status_code in (codes or (200, 201)), response.get_json()
    return response.get_json()


def _staff_post(client, world, who, path, staff, **body):
    pid = world.participants[who]
    return _ok(client.post(f"/api/v1/participants/{pid}/{path}", json=body, headers=world.headers(staff)))


def _bp(client, world, who, measured_at, systolic, diastolic, pulse=None, sitting=None):
    body = {
        "client_id": _uuid(f"{who}{measured_at}"),
        "measured_at": measured_at,
        "systolic": systolic,
        "diastolic": diastolic,
        "pulse": pulse,
        "sitting_id": sitting,
    }
    return _ok(client.post("/api/v1/me/bp-readings", json=body, headers=world.headers(who)))


def _symptoms(client, world, who, reported_at, answers, temperature=None):
    body = {
        "client_id": _uuid(f"{who}{reported_at}"),
        "reported_at": reported_at,
        "answers": answers,
        "temperature_c": temperature,
    }
    return _ok(client.post("/api/v1/me/symptom-reports", json=body, headers=world.headers(who)))


def _uuid(seed: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


def _diary_ex1(client, world) -> None:
    for d in EX1_ON_TIME:
        with at(f"{d.isoformat()}T12:00:00Z"):  # 20:00 in Shanghai, taken at 08:30
            _ok(
                put(
                    client,
                    world,
                    "ex1",
                    d.isoformat(),
                    taken=True,
                    taken_at=f"{d.isoformat()}T00:30:00Z",
                    vomited_after=d.day == 3,
                )
            )
    with at("2026-09-05T12:00:00Z"):
        _ok(put(client, world, "ex1", "2026-09-05", taken=False, missed_reason="forgot"))
    with at("2026-09-07T06:00:00Z"):  # 14:00 the next day: after the 12:00 window, late
        _ok(put(client, world, "ex1", "2026-09-06", taken=True))
    with at("2026-09-12T02:00:00Z"):  # more than 72 h after 09-08 ended: the site enters it
        _ok(
            site_put(
                client,
                world,
                "ex1",
                "coordinator_a",
                "2026-09-08",
                taken=True,
                reason="patient called the site",
                source_detail="phone call",
            )
        )
    with at("2026-09-16T12:00:00Z"):  # cycle day 16: a break day
        _ok(put(client, world, "ex1", "2026-09-16", taken=True))


def _treatment_ex1(client, world) -> None:
    with at("2026-09-25T01:00:00Z"):
        _staff_post(client, world, "ex1", "cycles", "coordinator_a", start_date=C2.isoformat())
    for d in days(C2, date(2026, 9, 28)):
        with at(f"{d.isoformat()}T12:00:00Z"):
            _ok(put(client, world, "ex1", d.isoformat(), taken=True))
    with at("2026-09-28T13:00:00Z"):
        _staff_post(
            client,
            world,
            "ex1",
            "holds",
            "investigator_a",
            start_date="2026-09-29",
            end_date="2026-10-02",
            reason="grade 2 hypertension",
        )
    with at("2026-10-02T02:00:00Z"):
        _staff_post(
            client,
            world,
            "ex1",
            "dose-changes",
            "investigator_a",
            effective_date=SIX_MG_FROM.isoformat(),
            dose_mg=6,
            reason="dose reduction after hold",
        )
    for d in days(SIX_MG_FROM, date(2026, 10, 8)):
        with at(f"{d.isoformat()}T12:00:00Z"):
            _ok(put(client, world, "ex1", d.isoformat(), taken=True))
    with at("2026-10-16T01:00:00Z"):
        _staff_post(client, world, "ex1", "cycles", "coordinator_a", start_date=C3.isoformat())
    for d in (C3, C3 + timedelta(days=1)):
        with at(f"{d.isoformat()}T12:00:00Z"):
            _ok(put(client, world, "ex1", d.isoformat(), taken=True))


def _reports_ex1(client, world) -> dict[str, str]:
    with at("2026-09-02T01:10:00Z"):
        _bp(client, world, "ex1", "2026-09-02T01:00:00Z", 150, 95, 72, sitting=_uuid("s1"))
        _bp(client, world, "ex1", "2026-09-02T01:06:00Z", 146, 92, 70, sitting=_uuid("s1"))
    with at("2026-09-10T01:01:00Z"):
        _bp(client, world, "ex1", "2026-09-10T01:00:00Z", 128, 82, 70)
    with at("2026-09-20T01:10:00Z"):
        _bp(client, world, "ex1", "2026-09-20T01:00:00Z", 165, 102, sitting=_uuid("s3"))
        review = _bp(client, world, "ex1", "2026-09-20T01:06:00Z", 162, 101, sitting=_uuid("s3"))
    with at("2026-09-20T02:00:00Z"):  # the investigator decides at once: continue (the alert stays open)
        decision = {"decision": "continue", "note": "rechecked by phone 142/90"}
        _ok(
            client.post(
                f"/api/v1/alerts/{review['alert']['id']}/decision",
                json=decision,
                headers=world.headers("investigator_a"),
            )
        )
    with at("2026-09-03T11:00:00Z"):
        _symptoms(
            client,
            world,
            "ex1",
            "2026-09-03T11:00:00Z",
            {"nausea_frequency": 2, "nausea_severity": 1, "cough_severity": 0},
            37.2,
        )
    with at("2026-09-12T11:00:00Z"):
        fever = _symptoms(
            client,
            world,
            "ex1",
            "2026-09-12T11:00:00Z",
            {"fever_chills_presence": 1, "fatigue_severity": 0},
            38.4,
        )
    with at("2026-10-05T11:00:00Z"):  # items the current questionnaire has and v1 did not
        _symptoms(
            client,
            world,
            "ex1",
            "2026-10-05T11:00:00Z",
            {
                "dry_eye_severity": 2,
                "dry_eye_interference": 1,
                "nosebleed_frequency": 1,
                "nosebleed_severity": 1,
            },
        )
    urgent = fever["alerts"][0]["id"]
    with at("2026-09-12T11:20:00Z"):
        _ok(
            client.post(
                f"/api/v1/alerts/{urgent}/acknowledge",
                json={"note": "calling"},
                headers=world.headers("coordinator_a"),
            )
        )
    with at("2026-09-12T13:00:00Z"):
        _ok(
            client.post(
                f"/api/v1/alerts/{urgent}/resolve",
                json={"note": "seen in clinic"},
                headers=world.headers("investigator_a"),
            )
        )
    return {"urgent": urgent, "review": review["alert"]["id"]}


def seed_study(app, client, world, protocol_ref: str) -> Study:
    """Build the story above; the clock is back at the test's instant afterwards."""
    with at("2026-08-31T02:00:00Z"):
        patient(app, world, "ex1", c1d1=C1, protocol_ref=protocol_ref)
        patient(app, world, "ex3", c1d1=date(2026, 10, 6), tz="Europe/London", site="b")
    with at("2026-11-01T02:00:00Z"):
        patient(app, world, "ex2", c1d1=date(2026, 11, 2))
    _diary_ex1(client, world)
    _treatment_ex1(client, world)
    alerts = _reports_ex1(client, world)
    with at("2026-11-02T12:00:00Z"):
        _ok(put(client, world, "ex2", "2026-11-02", taken=True))
    with at("2026-10-07T18:00:00Z"):
        for d in ("2026-10-06", "2026-10-07"):
            _ok(put(client, world, "ex3", d, taken=True))
        _bp(client, world, "ex3", "2026-10-07T17:00:00Z", 132, 84, 66)
        _symptoms(
            client, world, "ex3", "2026-10-07T17:30:00Z", {"headache_frequency": 1, "headache_severity": 1}
        )
    _pill_counts_ex3(client, world)
    _stored_v1_report(app, world)
    return Study(world=world, alerts=alerts, sign_off=_sign_off(client, world))


def _pill_counts_ex3(client, world) -> None:
    """ex3's supply: 28 dispensed at C1D1, 26 back at the next visit (2 logged taken: exact);
    ex2's first supply, not returned yet."""
    path = f"/api/v1/participants/{world.participants['ex3']}/dispensings"
    headers = world.headers("coordinator_b")
    with at("2026-10-27T10:00:00Z"):
        body = {"dispensed_on": "2026-10-06", "tablets_dispensed": 28, "reference": "KIT-0042"}
        made = _ok(client.post(path, json=body, headers=headers), 201)
        back = {"returned_on": "2026-10-27", "tablets_returned": 26}
        _ok(client.patch(f"{path}/{made['id']}", json=back, headers=headers), 200)
    with at("2026-11-02T12:00:00Z"):  # ex2's first supply, still out
        body = {"dispensed_on": "2026-11-02", "tablets_dispensed": 28}
        path = f"/api/v1/participants/{world.participants['ex2']}/dispensings"
        _ok(client.post(path, json=body, headers=world.headers("coordinator_a")), 201)


def _stored_v1_report(app, world) -> None:
    """A report ex2 sent under questionnaire v1 (nosebleed severity was its first nosebleed item)."""
    from datetime import UTC, datetime

    from backend.db import db
    from backend.models import SymptomReport

    at_ = datetime(2026, 11, 3, 11, 0, tzinfo=UTC)
    with app.app_context():
        db.session.add(
            SymptomReport(
                participant_id=world.participants["ex2"],
                client_id=_uuid("ex2-v1"),
                questionnaire="anlo-daily.v1",
                reported_at=at_,
                answers={"nosebleed_severity": 2},
                temperature_c=None,
                advice_shown=[],
                received_at=at_,
            )
        )
        db.session.commit()


def _sign_off(client, world) -> dict[str, str]:
    """Issue 19: ex1's complete cycles 1 and 2 signed in one batch by site A's investigator on
    2026-11-02 10:00 Shanghai, and a monitor's query on ex1's day 2026-09-07 (never reported),
    answered in words the next day. Nothing recorded changes, so every other dataset is as above."""
    ex1 = world.participants["ex1"]
    cycles = [{"participant_id": ex1, "cycle": 1}, {"participant_id": ex1, "cycle": 2}]
    with at("2026-11-02T02:00:00Z"):
        body = {"password": PASSWORD, "meaning": "reviewed", "cycles": cycles}
        signed = _ok(client.post("/api/v1/signatures", json=body, headers=world.headers("investigator_a")))
    with at("2026-11-02T03:00:00Z"):
        body = {
            "participant_id": ex1,
            "target_kind": "dose_day",
            "target_date": "2026-09-07",
            "question": "Day 7 has no entry: was the dose taken?",
        }
        query = _ok(client.post("/api/v1/queries", json=body, headers=world.headers("monitor")))
    with at("2026-11-03T01:00:00Z"):
        answer = {"answer": "The patient cannot remember; left as not reported."}
        _ok(
            client.post(
                f"/api/v1/queries/{query['id']}/answer", json=answer, headers=world.headers("coordinator_a")
            )
        )
    return {"query": query["id"], **{f"cycle{s['cycle']}": s["id"] for s in signed["signatures"]}}
