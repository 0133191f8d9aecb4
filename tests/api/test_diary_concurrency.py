"""Simultaneous PUTs for one diary day: one row, no 5xx, never a duplicated audit event, no lost update.

Each thread has its own test client (so its own app context and database session); a barrier
releases them together. PostgreSQL serializes them on the row lock, SQLite on the database's write
lock (every SQLite transaction begins IMMEDIATE, see ``backend.db.make_engine``): on both, every
change reads the row the previous one wrote, so the audit trail's before/after values chain.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from sqlalchemy import func, select

from backend.db import db
from backend.models import AuditEvent, DoseLog
from tests.helpers import at, patient

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
    # No change was written over a stale read: each update's "before" is the previous "after".
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.before, AuditEvent.after)
            .where(AuditEvent.participant_id == pid, AuditEvent.entity == "dose_log")
            .order_by(AuditEvent.id)
        ).all()
    note = events[0].after["note"]
    for before, after in events[1:]:
        assert before["note"] == note, (before, note)
        note = after["note"]


def test_twenty_identical_puts_make_one_record(app, world):
    identical_puts_make_one_record(app, world, 20)


def test_twenty_different_puts_serialize_without_a_lost_update(app, world):
    different_puts_serialize(app, world, 20)
