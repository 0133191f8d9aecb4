"""Travel across time zones: which zone a diary day lives in, and when each day's dose is due.

A participant has one zone at a time (their ``timezone``). When the phone reports another zone,
the participant chooses (``timezone_policy``):

- ``home``: keep the dose time on the current zone's clock ("08:00 at home is 02:00 here").
  Nothing moves: diary days, dose instants and reminders stay as they were.
- ``local``: move to the local clock *from tomorrow*: a :class:`ZoneChange` whose first diary
  day in the new zone is ``effective_date`` (S).

Rules that make a change safe (issue 20; the anlotinib label's 12 hours, CLINICAL.md):

1. **No diary day twice, none lost.** The switch happens at the instant
   :func:`switch_instant` = the later of "S begins on the old clock" and "S begins on the new
   clock". Before it every instant belongs to the old zone's dates, after it to the new zone's.
   Going east the old zone's S-1 ends and S begins on the new clock (S is short); going west S
   begins on the old clock and carries on on the new clock (S is long). Either way the dates run
   on without a gap or a repeat.
2. **No two doses less than 12 h apart.** A day's dose is due at the dose time on its own zone's
   clock, but never earlier than ``min_gap`` after the previous day's dose (taken, or due if not
   taken) and never before the day itself has begun: :func:`dose_instants` chains the days, so
   S (and, after a jump of more than 12 zones, S+1) gets its dose at the time that respects the
   interval.
3. A local time in a DST gap or overlap follows :mod:`backend.domain.localtime`'s policy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from backend.domain.localtime import local_date, local_instant, to_local

HOME, LOCAL = "home", "local"
POLICIES = (HOME, LOCAL)


@dataclass(frozen=True)
class ZoneChange:
    """From diary date ``effective_date`` on, the participant's days are in ``to_zone``."""

    from_zone: str
    to_zone: str
    effective_date: date

    @property
    def switch_at(self) -> datetime:
        """The UTC instant the change takes effect (:func:`switch_instant`)."""
        return switch_instant(self.from_zone, self.to_zone, self.effective_date)


def switch_instant(from_zone: str, to_zone: str, effective_date: date) -> datetime:
    """The instant diary date ``effective_date`` starts under a change of zone (rule 1)."""
    return max(
        local_instant(effective_date, time(0, 0), from_zone),
        local_instant(effective_date, time(0, 0), to_zone),
    )


def effective_date_for(now: datetime, zone: str) -> date:
    """A change decided at ``now`` moves the clock from tomorrow (the current zone's tomorrow)."""
    return local_date(now, zone) + timedelta(days=1)


@dataclass(frozen=True)
class ZoneTimeline:
    """The participant's zone over time: a first zone and the changes made since, in order."""

    first_zone: str
    changes: tuple[ZoneChange, ...] = ()

    def zone_at(self, instant: datetime) -> str:
        """The zone in force at ``instant``."""
        zone = self.first_zone
        for change in self.changes:
            if instant >= change.switch_at:
                zone = change.to_zone
        return zone

    def zone_on(self, d: date) -> str:
        """The zone whose clock diary date ``d`` follows."""
        zone = self.first_zone
        for change in self.changes:
            if d >= change.effective_date:
                zone = change.to_zone
        return zone

    def starts(self) -> dict[date, datetime]:
        """The first diary day of each change and the instant it begins (:func:`switch_instant`)."""
        return {change.effective_date: change.switch_at for change in self.changes}

    def diary_date(self, instant: datetime) -> date:
        """The diary date ``instant`` belongs to."""
        return local_date(instant, self.zone_at(instant))


def dose_instants(
    days: Sequence[date],
    dose_time: time,
    zone_on: Callable[[date], str],
    *,
    taken_at: Mapping[date, datetime] | None = None,
    previous_at: datetime | None = None,
    starts: Mapping[date, datetime] | None = None,
    min_gap: timedelta = timedelta(hours=12),
) -> dict[date, datetime]:
    """When each dosing day's dose is due: its dose time on its own clock, never less than
    ``min_gap`` after the previous dose (rule 2).

    ``days`` are the prescribed days in order; ``taken_at`` the instants doses were actually
    taken (a later intake pushes the next dose on, an earlier one does not pull it forward);
    ``previous_at`` the dose before the first day, if any; ``starts`` the instants days that
    begin with a change of zone begin (:meth:`ZoneTimeline.starts`): a dose is never due before
    its own diary day has begun (a jump of more than 12 zones east would otherwise put the first
    dose on the new clock into the old clock's previous day).
    """
    taken = taken_at or {}
    begins = starts or {}
    due: dict[date, datetime] = {}
    previous = previous_at
    for d in days:
        at = local_instant(d, dose_time, zone_on(d))
        if previous is not None and at < previous + min_gap:
            at = previous + min_gap
        if d in begins and at < begins[d]:
            at = begins[d]
        due[d] = at
        actual = taken.get(d)
        previous = max(at, actual) if actual is not None else at
    return due


def local_label(instant: datetime, zone: str) -> str:
    """``HH:MM`` of ``instant`` on the clock of ``zone`` (for "08:00 at home is 02:00 here")."""
    return to_local(instant, zone).strftime("%H:%M")


def diary_dates(instants: Iterable[datetime], timeline: ZoneTimeline) -> list[date]:
    """The diary date of each instant (a helper for checking that dates run on without gaps)."""
    return [timeline.diary_date(instant) for instant in instants]
