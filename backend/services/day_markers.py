"""Processed-day markers: how a daily job knows it already did a participant's local day.

A marker is a :class:`~backend.models.Reminder` row of a kind that is never sent (``plan``,
``missed_check``, ``cycle_check``, ``cycle_alert``), keyed (participant, kind, local date,
sequence) like every reminder. It is inserted *before* the work with ``ON CONFLICT DO NOTHING``,
so only the caller whose insert went through owns the day's work: a replayed tick or a second
scheduler never repeats it. Finding who still lacks today's marker is an anti-join per zone,
skipped entirely for zones already known to be done for their local date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Case, Engine, and_, case, select
from sqlalchemy.orm import Session

from backend.db import insert_for, new_id
from backend.domain.localtime import local_date, to_local
from backend.models import Participant, Reminder, ReminderStatus

ACTIVE_STATUSES = ("on_treatment",)


def add_marker(
    session: Session, participant_id: str, kind: str, d: date, now: datetime, sequence: int = 0
) -> bool:
    """Insert a processed-day marker; True when this call inserted it (the caller owns the work)."""
    stmt = (
        insert_for(session)(Reminder.__table__)
        .values(
            id=new_id(),
            participant_id=participant_id,
            kind=kind,
            local_date=d,
            sequence=sequence,
            due_at=now,
            expires_at=now,
            status=ReminderStatus.DONE,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["participant_id", "kind", "local_date", "sequence"])
        .returning(Reminder.__table__.c.id)
    )
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING.
    return session.execute(stmt).first() is not None


def local_date_case(zones: Iterable[str], now: datetime) -> Case[Any]:
    """A SQL expression giving each participant's local date at ``now`` (one WHEN per zone)."""
    whens = [(Participant.timezone == tz, local_date(now, tz)) for tz in zones]
    return case(*whens, else_=None)


# Per process and database: which zones had every active participant marked for which local
# date, so most ticks skip the daily anti-join entirely. A participant who joins a zone later that
# day is planned through the change path (the audit trail), and checked from the next local day.
_MARKED: WeakKeyDictionary[Engine, dict[str, dict[str, date]]] = WeakKeyDictionary()
_ZONES: WeakKeyDictionary[Engine, tuple[datetime, list[str]]] = WeakKeyDictionary()
ZONES_REFRESH = timedelta(hours=1)


def active_zones(session: Session, now: datetime) -> list[str]:
    """The time zones of active participants (cached per database for up to an hour of ticks)."""
    engine = session.get_bind().engine
    cached = _ZONES.get(engine)
    if cached is not None and cached[0] <= now < cached[0] + ZONES_REFRESH:
        return cached[1]
    zones = sorted(
        tz
        for (tz,) in session.execute(
            select(Participant.timezone).where(Participant.status.in_(ACTIVE_STATUSES)).distinct()
        )
    )
    _ZONES[engine] = (now, zones)
    return zones


def participants_without_marker(
    session: Session, kind: str, now: datetime, limit: int, after_local_time: tuple[int, int] | None = None
) -> list[Participant]:
    """Active participants with no ``kind`` marker for their current local date (up to ``limit``).

    With ``after_local_time`` only zones whose wall clock is past that (hour, minute) count.
    """
    engine = session.get_bind().engine
    marked = _MARKED.setdefault(engine, {}).setdefault(kind, {})
    zones = active_zones(session, now)
    if after_local_time is not None:
        zones = [tz for tz in zones if _past(now, tz, after_local_time)]
    zones = [tz for tz in zones if marked.get(tz) != local_date(now, tz)]
    if not zones:
        return []
    today = local_date_case(zones, now)
    marker = select(Reminder.id).where(
        and_(Reminder.participant_id == Participant.id, Reminder.kind == kind, Reminder.local_date == today)
    )
    stmt = (
        select(Participant)
        .where(Participant.status.in_(ACTIVE_STATUSES), Participant.timezone.in_(zones), ~marker.exists())
        .limit(limit)
    )
    found = list(session.scalars(stmt))
    if not found:
        for tz in zones:
            marked[tz] = local_date(now, tz)
    return found


def _past(now: datetime, tz: str, hm: tuple[int, int]) -> bool:
    wall = to_local(now, tz)
    return (wall.hour, wall.minute) >= hm
