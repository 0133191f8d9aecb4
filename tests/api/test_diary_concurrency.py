"""Simultaneous PUTs for one diary day: one row, no 5xx, never a duplicated audit event.

Each thread has its own test client (so its own app context and database session); a barrier
releases them together. The full 20-thread run needs PostgreSQL's row locks; SQLite, which
serializes writers on the whole database, gets a smaller run of the same scenarios.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select

from backend.db import db
from backend.models import AuditEvent, DoseLog
from tests.api.test_diary import at, patient
from tests.conftest import IS_POSTGRES

NOW = "2026-10-02T01:00:00Z"  # 09:00 on 10-02 in Shanghai: on time for 10-02


def hammer(app, world, who, bodies):
    """PUT each body for 2026-10-02 from its own thread, all released at once; returns the responses."""
    barrier = threading.Barrier(len(bodies))
    headers = world.headers(who)

    def one(body):
        client = app.test_client()
        barrier.wait()
        r = client.put("/api/v1/me/doses/2026-10-02", json=body, headers=headers)
        return r.status_code, r.get_json()

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(one, bodies))


def stored(app, pid):
    with app.app_context():
        rows = db.session.scalar(
            select(func.count()).select_from(DoseLog).where(DoseLog.participant_id == pid)
        )
        actions = list(
            db.session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.participant_id == pid, AuditEvent.entity == "dose_log"
                )
            )
        )
        version = db.session.scalar(select(DoseLog.version).where(DoseLog.participant_id == pid))
    return rows, actions, version


def identical_puts_make_one_record(app, world, threads):
    pid = patient(app, world, "t", c1d1=date(2026, 10, 1))
    body = {"taken": True, "taken_at": "2026-10-02T00:30:00Z", "dose_mg": 8}
    with at(NOW):
        results = hammer(app, world, "t", [body] * threads)
        retry = app.test_client().put("/api/v1/me/doses/2026-10-02", json=body, headers=world.headers("t"))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (threads - 1) + [201], results
    assert len({answer["id"] for _, answer in results}) == 1
    assert retry.status_code == 200
    assert stored(app, pid) == (1, ["dose_log.create"], 1)


def different_puts_serialize(app, world, threads):
    pid = patient(app, world, "t", c1d1=date(2026, 10, 1))
    bodies = [
        {"taken": True, "note": f"note {n}", "reason_for_change": "corrected note"} for n in range(threads)
    ]
    with at(NOW):
        results = hammer(app, world, "t", bodies)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (threads - 1) + [201], results
    rows, actions, version = stored(app, pid)
    assert rows == 1
    assert actions == ["dose_log.create"] + ["dose_log.update"] * (threads - 1)
    assert version == threads


@pytest.mark.skipif(
    not IS_POSTGRES, reason="20 concurrent writers need PostgreSQL row locks (TEST_DATABASE_URL)"
)
def test_twenty_identical_puts_make_one_record_on_postgres(app, world):
    identical_puts_make_one_record(app, world, 20)


@pytest.mark.skipif(
    not IS_POSTGRES, reason="20 concurrent writers need PostgreSQL row locks (TEST_DATABASE_URL)"
)
def test_twenty_different_puts_serialize_on_the_row_on_postgres(app, world):
    different_puts_serialize(app, world, 20)


def test_concurrent_identical_puts_make_one_record(app, world):
    identical_puts_make_one_record(app, world, 5)


def test_concurrent_different_puts_serialize(app, world):
    different_puts_serialize(app, world, 5)
