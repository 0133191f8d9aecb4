"""Instants are stored in UTC and come back aware on both databases; naive values are refused."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from backend.db import db
from backend.models import SchedulerHeartbeat


def test_instants_round_trip_as_aware_utc(app):
    shanghai = timezone(timedelta(hours=8))
    with app.app_context():
        db.session.add(
            SchedulerHeartbeat(name="x", beat_at=datetime(2026, 3, 8, 10, 30, tzinfo=shanghai), holder="t")
        )
        db.session.commit()
        db.session.expunge_all()
        beat = db.session.scalar(select(SchedulerHeartbeat.beat_at))
    assert beat.tzinfo is not None and beat.utcoffset() == timedelta(0)
    assert beat == datetime(2026, 3, 8, 2, 30, tzinfo=UTC)


def test_naive_datetimes_are_refused(app):
    with app.app_context():
        db.session.add(SchedulerHeartbeat(name="y", beat_at=datetime(2026, 3, 8, 10, 30), holder="t"))
        with pytest.raises(StatementError, match="naive datetime"):
            db.session.commit()
        db.session.rollback()


def test_foreign_keys_are_enforced(app):
    """PostgreSQL always enforces them; SQLite only with the PRAGMA our engine sets."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    with app.app_context(), db.engine.connect() as conn:
        with pytest.raises(IntegrityError):
            conn.execute(
                text(
                    "INSERT INTO devices (id, participant_id, token_hash, created_at) "
                    "VALUES ('d', 'no-such-participant', 'h', '2026-01-01 00:00:00')"
                )
            )
