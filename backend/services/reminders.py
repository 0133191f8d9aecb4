"""Reminder rows derived from the dosing calendar: planned ahead, re-derived on change, sent once.

Each reminder is a row keyed (participant, kind, local date, sequence): ``dose``/0 at the local
reminder time, ``dose``/1 the follow-up ``dose_followup_hours`` later, ``bp``/0 at the BP
reminder time. Instants are computed from (local date, local time, zone) with the domain's DST
policy, never with cron. A row is planned only while it is still useful (before its expiry: the
follow-up time for the first reminder, the make-up cut-off for the follow-up) and is re-checked
against the calendar and the diary when it falls due, so a confirmation, hold, dose change, time
zone change, discontinuation or diary entry changes the future reminders and never a past one.

Rows of other kinds (``plan``, ``missed_check``, ``cycle_check``) are processed-day markers the
scheduler uses so a replayed tick never repeats a daily check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, and_, case, select
from sqlalchemy.orm import Session

from backend.db import insert_for, new_id
from backend.domain.calendar import TreatmentPlan, bp_due_on, day_info
from backend.domain.diary import make_up_window
from backend.domain.localtime import day_bounds, local_date, local_instant, to_local
from backend.models import DoseLog, Participant, Reminder
from backend.services import travel
from backend.services.job_isolation import guarded
from backend.services.plans import LazyPlans, protocol_of

DOSE = "dose"
BP = "bp"
REMINDER_KINDS = (DOSE, BP)
ACTIVE_STATUSES = ("on_treatment",)
HORIZON_DAYS = 1  # plan local today and tomorrow; yesterday is re-checked for late follow-ups


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder the calendar asks for: key, due instant and expiry (both UTC)."""

    kind: str
    local_date: date
    sequence: int
    due_at: datetime
    expires_at: datetime

    @property
    def key(self) -> tuple[str, date, int]:
        """The unique key within a participant."""
        return (self.kind, self.local_date, self.sequence)


def expected_on(participant: Participant, plan: TreatmentPlan, d: date) -> list[PlannedReminder]:
    """The reminders the calendar asks for on local date ``d`` (ignoring the diary)."""
    protocol = protocol_of(participant)
    rules, tz = protocol.reminders, participant.timezone
    info = day_info(plan, d)
    planned: list[PlannedReminder] = []
    if info.is_prescribed:
        # never after the make-up cut-off: the next *scheduled* dose - 12 h, or the entry window
        moved = travel.dose_overrides(participant, plan, d)  # first days after a change of zone
        window = make_up_window(plan, d, participant.reminder_time, tz, protocol.entry, moved)
        first, cutoff = window.dose_at, window.cutoff_at
        followup = first + timedelta(hours=rules.dose_followup_hours)
        if first < cutoff:
            planned.append(PlannedReminder(DOSE, d, 0, first, min(followup, cutoff)))
        if followup < cutoff:
            planned.append(PlannedReminder(DOSE, d, 1, followup, cutoff))
    if bp_due_on(rules.bp_policy, info):
        due = local_instant(d, participant.bp_reminder_time, tz)
        end_of_day = day_bounds(d, tz)[1]
        expires = min(
            due + timedelta(hours=rules.dose_followup_hours), max(end_of_day, due + timedelta(minutes=30))
        )
        planned.append(PlannedReminder(BP, d, 0, due, expires))
    return planned


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
            status="done",
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["participant_id", "kind", "local_date", "sequence"])
        .returning(Reminder.__table__.c.id)
    )
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT DO NOTHING.
    return session.execute(stmt).first() is not None


def logged_dates(
    session: Session, participant_ids: Iterable[str], dates: Iterable[date]
) -> set[tuple[str, date]]:
    """(participant, date) pairs that have a diary entry (taken or not: the patient answered)."""
    ids, days = list(participant_ids), list(dates)
    if not ids or not days:
        return set()
    rows = session.execute(
        select(DoseLog.participant_id, DoseLog.local_date).where(
            DoseLog.participant_id.in_(ids), DoseLog.local_date.in_(days)
        )
    )
    return {(pid, d) for pid, d in rows}


def replan_participants(session: Session, participants: list[Participant], now: datetime) -> int:
    """Bring the pending reminders of ``participants`` in line with their calendar and diary.

    Plans local yesterday (late follow-ups), today and tomorrow: inserts missing rows that are
    still useful, moves pending rows whose instant changed (time zone or reminder time), cancels
    pending rows the calendar no longer asks for (or whose day is logged) and revives a cancelled
    row the calendar asks for again. Sent or dropped rows are never touched. Returns rows changed.
    """
    if not participants:
        return 0
    plans = LazyPlans(session, participants)
    windows = {p.id: _window(p, now) for p in participants}
    all_dates = {d for days in windows.values() for d in days}
    logged = logged_dates(session, windows, all_dates)
    existing: dict[str, dict[tuple[str, date, int], Reminder]] = {p.id: {} for p in participants}
    for row in session.scalars(
        select(Reminder).where(
            Reminder.participant_id.in_(list(windows)),
            Reminder.kind.in_(REMINDER_KINDS),
            Reminder.local_date.in_(all_dates),
        )
    ):
        existing[row.participant_id][(row.kind, row.local_date, row.sequence)] = row
    changed = 0
    new_rows: list[dict] = []
    for participant in participants:
        work = partial(_wanted, participant, plans, windows[participant.id], logged)
        wanted = guarded("plan_reminders", participant, work, now, session)
        if wanted is None:  # this participant's calendar cannot be worked out: reported, rows left alone
            continue
        rows = existing[participant.id]
        for key, row in rows.items():
            if row.status not in ("pending", "cancelled"):
                continue
            item = wanted.get(key)
            if item is not None and item.expires_at <= now:
                if row.status == "pending":  # the scheduler was down past its useful life
                    row.status, row.status_reason = "dropped", "expired before it could be sent"
                    changed += 1
            elif item is None:
                if row.status == "pending":
                    reason = (
                        "day logged" if (participant.id, key[1]) in logged else "no longer in the calendar"
                    )
                    row.status, row.status_reason = "cancelled", reason
                    changed += 1
            elif row.status == "cancelled" or row.due_at != item.due_at or row.expires_at != item.expires_at:
                row.status, row.status_reason = "pending", None
                row.due_at, row.expires_at = item.due_at, item.expires_at
                changed += 1
        for key, item in wanted.items():
            if key not in rows and item.expires_at > now:
                new_rows.append(
                    {
                        "id": new_id(),
                        "participant_id": participant.id,
                        "kind": item.kind,
                        "local_date": item.local_date,
                        "sequence": item.sequence,
                        "due_at": item.due_at,
                        "expires_at": item.expires_at,
                        "status": "pending",
                        "created_at": now,
                    }
                )
    if new_rows:
        stmt = insert_for(session)(Reminder.__table__).on_conflict_do_nothing(
            index_elements=["participant_id", "kind", "local_date", "sequence"]
        )
        session.execute(stmt, new_rows)
        changed += len(new_rows)
    session.flush()
    return changed


def _wanted(
    participant: Participant, plans: LazyPlans, window: list[date], logged: set[tuple[str, date]]
) -> dict[tuple[str, date, int], PlannedReminder]:
    """The reminders the calendar asks for in ``window`` (none once off treatment; none for logged doses)."""
    wanted: dict[tuple[str, date, int], PlannedReminder] = {}
    if participant.status not in ACTIVE_STATUSES:
        return wanted
    plan = plans[participant.id]
    for d in window:
        for item in expected_on(participant, plan, d):
            if item.kind == DOSE and (participant.id, d) in logged:
                continue
            wanted[item.key] = item
    return wanted


def replan_participant(session: Session, participant: Participant, now: datetime) -> int:
    """Re-derive one participant's future reminders now (call after any change to their plan)."""
    return replan_participants(session, [participant], now)


def _window(participant: Participant, now: datetime) -> list[date]:
    today = local_date(now, participant.timezone)
    return [today + timedelta(days=offset) for offset in range(-1, HORIZON_DAYS + 1)]


def local_date_case(zones: Iterable[str], now: datetime):  # type: ignore[no-untyped-def]
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

