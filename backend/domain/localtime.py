"""The participant's wall clock: local dates and local times turned into UTC instants.

Instants are stored in UTC and each participant has an IANA zone; a diary day is a *local*
date. Everything here takes the zone by name and refuses naive datetimes, so a forgotten
``tzinfo`` fails loudly instead of silently meaning "the server's zone".

DST policy (shared by reminders, entry windows and make-up cut-offs):

- a local time that does not exist (spring-forward gap) moves forward by the size of the gap,
  e.g. 02:30 on 2026-03-08 in America/New_York is 03:30 EDT;
- a local time that happens twice (fall-back) means its first occurrence (``fold=0``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@cache
def zone(tz: str) -> ZoneInfo:
    """Return the :class:`ZoneInfo` for an IANA name; ValueError if the name is unknown."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz!r}") from None


def is_valid_zone(tz: str) -> bool:
    """True when ``tz`` is an IANA zone name this system knows."""
    try:
        zone(tz)
    except ValueError:
        return False
    return True


def require_aware(instant: datetime, name: str = "datetime") -> datetime:
    """Return ``instant`` unchanged, or raise ValueError when it has no UTC offset."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {instant.isoformat()}")
    return instant


def to_local(instant: datetime, tz: str) -> datetime:
    """The same instant as an aware datetime on the wall clock of ``tz``."""
    return require_aware(instant).astimezone(zone(tz))


def local_date(now_utc: datetime, tz: str) -> date:
    """The calendar date on the participant's wall clock at ``now_utc``."""
    return to_local(now_utc, tz).date()


def local_instant(d: date, t: time, tz: str) -> datetime:
    """The aware UTC instant of wall time ``t`` on local date ``d`` in zone ``tz``.

    A nonexistent time moves forward by the gap; an ambiguous one takes the first occurrence.
    """
    if t.tzinfo is not None:
        raise ValueError(f"local time must be naive wall-clock time, got {t.isoformat()}")
    # fold=0 gives exactly the documented policy: in a gap, zoneinfo applies the offset in force
    # *before* the transition (so the wall time lands one gap later); in an overlap, fold=0 is the
    # first occurrence.
    wall = datetime.combine(d, t.replace(fold=0), tzinfo=zone(tz))
    return wall.astimezone(UTC)


def day_bounds(d: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants ``[start, end)`` of local date ``d``: 23, 24 or 25 hours apart."""
    return local_instant(d, time(0, 0), tz), local_instant(d + timedelta(days=1), time(0, 0), tz)


def day_length(d: date, tz: str) -> timedelta:
    """How long local date ``d`` lasts in zone ``tz`` (shorter or longer on DST change days)."""
    start, end = day_bounds(d, tz)
    return end - start
