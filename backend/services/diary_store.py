"""The diary's hot path: reading, locking and writing one day's entry (every PUT of a dose passes here).

Invariant: one row per (participant, local date), changed only under its row lock, and one audit
event per actual change, written in the same transaction. Simultaneous identical PUTs (a phone
retrying over a bad connection) converge on one row and one event: the first inserts with
``INSERT ... ON CONFLICT DO NOTHING``; a loser waits on the unique index until the winner
commits, then locks (``SELECT ... FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` already serializes
writers) and compares. A change is one statement on PostgreSQL (:func:`audit.update_with_event`
updates the row and appends the event together and patches the session's committed state).
The statements are built once: building a statement and its cache key costs more than running
it on this path (``bench/diary_load.py``). The rules (what may be written) are
:mod:`backend.services.diary`'s and :mod:`backend.domain.diary`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.db import insert_for, new_id
from backend.models import DoseLog, Participant
from backend.services import audit
from backend.services.actors import Actor

ENTRY_FIELDS = ("taken", "taken_at", "dose_mg", "vomited_after", "missed_reason", "note")

_ENTRY = select(DoseLog).where(
    DoseLog.participant_id == bindparam("participant_id"), DoseLog.local_date == bindparam("day")
)
_ENTRY_LOCKED = _ENTRY.with_for_update().execution_options(populate_existing=True)


def entry_on(session: Session, participant_id: str, d: date, *, lock: bool = False) -> DoseLog | None:
    """The day's entry; with ``lock``, locked for this transaction (SQLite locks the database)."""
    stmt = _ENTRY_LOCKED if lock else _ENTRY
    return session.scalars(stmt, {"participant_id": participant_id, "day": d}).one_or_none()


def same_entry(log: DoseLog, values: dict[str, Any]) -> bool:
    """True when the stored entry already says exactly this."""
    return all(getattr(log, name) == values[name] for name in ENTRY_FIELDS)


def lock_or_insert(
    session: Session, participant: Participant, d: date, stored: dict[str, Any]
) -> tuple[DoseLog, bool]:
    """The day's row, locked: the existing one, or one inserted with ``stored``; (row, created)."""
    log = entry_on(session, participant.id, d, lock=True)
    if log is not None:
        return log, False
    # No row yet: insert, or, if a concurrent request inserted it first, wait for its commit
    # (the unique index blocks us until then) and then lock and compare the row it wrote.
    insert = (
        insert_for(session)(DoseLog)
        .values(id=new_id(), participant_id=participant.id, local_date=d, version=1, **stored)
        .on_conflict_do_nothing(index_elements=["participant_id", "local_date"])
        .returning(DoseLog)
    )
    log = session.scalars(insert).one_or_none()
    if log is not None:
        return log, True
    log = entry_on(session, participant.id, d, lock=True)
    if log is None:  # pragma: no cover - the row exists once the conflicting insert committed
        raise RuntimeError("dose log vanished during upsert")
    return log, False


def write_entry(
    session: Session,
    participant: Participant,
    d: date,
    values: dict[str, Any],
    stored: dict[str, Any],
    *,
    actor: Actor,
    reason: str | None,
    create_reason: str | None,
    refuse_change: Callable[[], None],
    now: datetime,
) -> tuple[DoseLog, bool]:
    """Create or change the day's entry under its lock, with its audit event; (entry, created).

    An identical repeat changes nothing; a change without ``reason`` calls ``refuse_change``
    (which raises the caller's field error).
    """
    log, created = lock_or_insert(session, participant, d, stored)
    common: dict[str, Any] = {"participant_id": participant.id, "site_id": participant.site_id, "now": now}
    if created:
        audit.record(
            session,
            actor,
            "dose_log.create",
            "dose_log",
            log.id,
            after=audit.snapshot(log),
            reason=create_reason,
            **common,
        )
        return log, True
    if same_entry(log, values):
        return log, False
    if not reason:
        refuse_change()
    # always a change (the entry differs), so always an audit event; one statement on PostgreSQL
    audit.update_with_event(
        session,
        actor,
        "dose_log.update",
        "dose_log",
        log,
        {**stored, "version": log.version + 1},
        reason=reason,
        **common,
    )
    return log, False
