"""Helpers shared by test modules: one place, so no test module imports another.

Calls of the API as a user would make them (``put`` a dose, report a ``fever``, ``act`` on an
alert), enrolment of a scenario participant (``patient``), the clock stood still ``at`` an
instant, and the authorization matrix's callers and expected statuses.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime, time

import time_machine

from backend import clock
from backend.db import db
from backend.domain.calendar import CycleStart, TreatmentPlan
from backend.domain.protocol import Treatment, get_protocol
from backend.models import StaffUser
from backend.services import participants
from backend.services.auth import staff_actor
from tests.factories import device_token

# --- the clock -----------------------------------------------------------------------------


def at(instant: str | datetime):  # type: ignore[no-untyped-def]
    """Freeze the clock at ``instant`` (ISO 8601 or an aware datetime) for a ``with`` block.

    The one meaning of ``at`` across the tests: a context manager that stands the clock still at
    an instant. A wall-clock time in a zone turned into an instant is ``local_instant`` (in the
    tests that need it), never ``at``.
    """
    return time_machine.travel(instant, tick=False)


# --- plans for the pure calendar rules (no app, no database) ---------------------------------

SKB = get_protocol().treatment
PLAN_C1D1 = date(2026, 1, 5)  # a Monday; cycle 1: 01-05..01-25, dosing 01-05..01-18


def make_plan(*starts: date, treatment: Treatment = SKB, **kwargs: object) -> TreatmentPlan:
    """A plan on ``treatment`` starting at ``PLAN_C1D1`` with further confirmed cycle starts."""
    cycles = tuple(CycleStart(n, s) for n, s in enumerate((PLAN_C1D1, *starts), start=1))
    return TreatmentPlan(treatment, PLAN_C1D1, treatment.default_dose_mg, cycles, **kwargs)  # type: ignore[arg-type]


# --- participants and the diary ------------------------------------------------------------


def patient(app, world, name, *, c1d1, tz="Asia/Shanghai", language="en", site="a", protocol_ref=None):
    """Enrol ``name`` with ``c1d1`` and a device token; returns the participant id."""
    with app.test_request_context():
        user = db.session.get(StaffUser, world.staff[f"coordinator_{site}"])
        row = participants.enrol(
            db.session,
            staff_actor(user),
            study_id=f"T-{name}",
            site_id=world.sites[site],
            timezone=tz,
            language=language,
            c1d1=c1d1,
            reminder_time=time(8, 0),
            protocol_ref=protocol_ref,
            now=clock.now(),
        )
        world.participants[name] = row.id
        world.tokens[name] = device_token(row.id, app.config["SETTINGS"].token_pepper)
        db.commit_request()
    return row.id


def put(client, world, who, day, headers=None, **body):
    return client.put(f"/api/v1/me/doses/{day}", json=body, headers={**world.headers(who), **(headers or {})})


def site_put(client, world, who, staff, day, **body):
    pid = world.participants[who]
    return client.put(f"/api/v1/participants/{pid}/doses/{day}", json=body, headers=world.headers(staff))


def me_calendar(client, world, who, start, end):
    r = client.get(f"/api/v1/me/calendar?from={start}&to={end}", headers=world.headers(who))
    assert r.status_code == 200, r.json
    return {d["date"]: d for d in r.json["days"]}


def post(client, world, who, path, staff="investigator_a", **body):
    return client.post(
        f"/api/v1/participants/{world.participants[who]}/{path}", json=body, headers=world.headers(staff)
    )


# --- reports that raise alerts, and acting on alerts -----------------------------------------


def fever(client, world, who="p1", temperature=38.3):
    body = {
        "client_id": str(uuid.uuid4()),
        "answers": {"fever_chills_presence": 1},
        "temperature_c": temperature,
    }
    r = client.post("/api/v1/me/symptom-reports", json=body, headers=world.headers(who))
    assert r.status_code == 201, r.json
    return r.json["alerts"][0]


def bp(client, world, systolic, diastolic, who="p2", measured_at=None):
    body = {
        "client_id": str(uuid.uuid4()),
        "measured_at": (measured_at or clock.now()).isoformat(),
        "systolic": systolic,
        "diastolic": diastolic,
    }
    r = client.post("/api/v1/me/bp-readings", json=body, headers=world.headers(who))
    assert r.status_code == 201, r.json
    return r.json


def act(client, world, alert_id, action, who="coordinator_a", note="called the patient"):
    body = {"note": note} if note is not None else {}
    return client.post(f"/api/v1/alerts/{alert_id}/{action}", json=body, headers=world.headers(who))


# --- the authorization matrix (every caller x an endpoint) ---------------------------------

CALLERS = [
    "anonymous",
    "admin",
    "monitor",
    "coordinator_a",
    "investigator_a",
    "coordinator_b",
    "investigator_b",
    "p1",
    "p3",
]

STAFF_READ = {
    "anonymous": 401,
    "admin": 403,
    "monitor": 200,
    "coordinator_a": 200,
    "investigator_a": 200,
    "coordinator_b": 404,
    "investigator_b": 404,
    "p1": 403,
    "p3": 403,
}

STAFF_WRITE = {**STAFF_READ, "monitor": 403}


def check_matrix(client, world, method, path, expected, body=None):
    """Call ``path`` as every caller and compare statuses with ``expected`` (caller -> status)."""
    missing = set(CALLERS) - set(expected)
    assert not missing, f"matrix row for {path} lacks {missing}"
    got = {}
    for caller in CALLERS:
        headers = {} if caller == "anonymous" else world.headers(caller)
        payload = body(caller) if callable(body) else body
        response = client.open(
            path.format(**world.participants, **{f"site_{k}": v for k, v in world.sites.items()}),
            method=method,
            json=payload,
            headers=headers,
        )
        got[caller] = response.status_code
        assert response.status_code < 500, (caller, path, response.json)
    assert got == expected


# --- exports and outages ---------------------------------------------------------------------

DATASETS = ("ec", "suppec", "vs", "suppvs", "qs", "alerts", "signatures", "queries", "da")

EX1 = "SKB264-ANLO-SA-T-ex1"


def get_csv(client, world, domain, who="monitor", query=""):
    r = client.get(f"/api/v1/exports/sdtm/{domain}.csv{query}", headers=world.headers(who))
    assert r.status_code == 200, r.get_json()
    assert r.is_streamed and r.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))


UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
