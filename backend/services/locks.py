"""Check-then-act without races: the participant lock and unique inserts that answer 409.

Two requests that both check "no hold yet" (or "no open fever alert", "study id free") and then
both write would each pass their check on PostgreSQL under READ COMMITTED. Work that decides
from a participant's current rows first takes ``lock_participant``: ``SELECT ... FOR NO KEY
UPDATE`` on the participant row, re-read from the database (``populate_existing``), so
concurrent decisions about one participant run one after the other and each sees what the
previous one committed. ``NO KEY`` on purpose: it does not conflict with the ``KEY SHARE`` lock
that inserting a row referencing the participant takes, so a request that inserted (say) a
report and then takes the lock cannot deadlock with another doing the same. SQLite needs none of
this (every write transaction begins IMMEDIATE and holds the database's write lock, see
``backend.db``), and the statement compiles to a plain SELECT there.

``add_unique`` covers creates whose uniqueness is a database key (a site code, a staff e-mail,
a study id at a site): the insert runs in a savepoint and a unique-key violation becomes a 409
naming the field, never a 500.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import Participant
from backend.services.errors import Conflict, NotFound


def lock_participant(session: Session, participant_id: str) -> Participant:
    """The participant row, locked for this transaction and refreshed from the database."""
    stmt = (
        select(Participant)
        .where(Participant.id == participant_id)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE on PostgreSQL
        .execution_options(populate_existing=True)
    )
    participant = session.scalars(stmt).one_or_none()
    if participant is None:
        raise NotFound("participant not found")
    return participant


def conflict(field: str, message: str) -> Conflict:
    """A 409 whose body names the field, like a 422's field errors."""
    return Conflict(message, {field: [message]})


def add_unique(session: Session, *rows: Any, field: str, message: str) -> None:
    """Insert ``rows`` in a savepoint; a unique-key violation is a 409 naming ``field``."""
    try:
        with session.begin_nested():
            session.add_all(rows)
    except IntegrityError:
        raise conflict(field, message) from None
