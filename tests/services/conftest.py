"""Services tested through plain values and a session (cosmicpython style): no Flask app, no HTTP.

A test gets a ``session`` on its own migrated database (PostgreSQL with ``TEST_DATABASE_URL``)
and a small ``trial``: one site, its coordinator and one enrolled participant, built through the
services themselves. Every service takes ``now`` as an argument, so these tests pass instants
explicitly and never move the clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy.orm import Session

from backend.db import Database
from backend.models import Participant
from backend.services import participants, plan_cache, sites
from backend.services.actors import Actor
from backend.services.auth import staff_actor

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # a Tuesday, 14:00 in Shanghai
C1D1 = date(2026, 11, 17)  # so NOW is cycle 1 day 8 (a dosing day) in Shanghai
SYSTEM = Actor(kind="system", id="tests", label="tests", role="admin")


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    """A session on this test's database (the caller commits, as a job or request would)."""
    plan_cache.register_listeners()  # as create_app does: sessions that write plan rows skip the cache
    database = Database()
    database.configure(database_url)
    session = database.new_session()
    try:
        yield session
    finally:
        session.rollback()
        session.close()
        assert database.engine is not None
        database.engine.dispose()


@dataclass
class Trial:
    """One site (Asia/Shanghai), its coordinator, and one participant with their device actor."""

    coordinator: Actor
    participant: Participant
    device: Actor


@pytest.fixture
def trial(session: Session) -> Trial:
    """Built through the services, committed: what a request would have left in the database."""
    site = sites.create_site(
        session,
        SYSTEM,
        name="Site A",
        code="SA",
        timezone="Asia/Shanghai",
        alert_emails=["alerts@site.example.org"],
        now=NOW,
    )
    user = sites.create_staff(
        session,
        SYSTEM,
        email="coordinator@example.org",
        name="Coordinator",
        role="coordinator",
        site_id=site.id,
        password="correct horse battery staple",
        now=NOW,
    )
    coordinator = staff_actor(user)
    participant = participants.enrol(
        session,
        coordinator,
        study_id="01-001",
        site_id=site.id,
        timezone="Asia/Shanghai",
        language="en",
        c1d1=C1D1,
        reminder_time=time(8, 0),
        now=NOW,
    )
    session.commit()
    device = Actor(kind="device", id="phone-1", label="test phone", participant_id=participant.id)
    return Trial(coordinator=coordinator, participant=participant, device=device)
