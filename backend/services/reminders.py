"""Reminder rows derived from the dosing calendar: planned ahead, re-derived on change, sent once.

Each reminder is a row keyed (participant, kind, local date, sequence): ``dose``/0 at the local
reminder time, ``dose``/1 the follow-up ``dose_followup_hours`` later, ``bp``/0 at the BP
reminder time. Instants are computed from (local date, local time, zone) with the domain's DST
policy, never with cron. A row is planned only while it is still useful (before its expiry: the
follow-up time for the first reminder, the make-up cut-off for the follow-up) and is re-checked
against the calendar and the diary when it falls due, so a confirmation, hold, dose change, time
zone change, discontinuation or diary entry changes the future reminders and never a past one.

The rule "is this reminder still wanted" is :func:`wanted_on`, applied by both the planner
(:func:`plan_reminders`, here) and the sender (:mod:`backend.services.reminder_sending`). Rows of
other kinds (``plan``, ``missed_check``, ``cycle_check``) are processed-day markers
(:mod:`backend.services.day_markers`) so a replayed tick never repeats a daily check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, bindparam, select, update
from sqlalchemy.orm import Session

from backend.db import UTCDateTime, after_commit, insert_for, new_id
from backend.domain.calendar import TreatmentPlan, bp_due_on, day_info
from backend.domain.diary import make_up_window
from backend.domain.localtime import day_bounds, local_date, local_instant
from backend.models import AuditEvent, DoseLog, Participant, Reminder, ReminderStatus, SchedulerHeartbeat
from backend.services import day_markers, travel
from backend.services.day_markers import ACTIVE_STATUSES
from backend.services.job_isolation import guarded
from backend.services.ops import holder
from backend.services.plans import LazyPlans, protocol_of

DOSE = "dose"
BP = "bp"
REMINDER_KINDS = (DOSE, BP)
HORIZON_DAYS = 1  # plan local today and tomorrow; yesterday is re-checked for late follow-ups
BATCH = 2000  # participants planned per tick by the daily pass; the rest wait for the next tick
PLANNER_WATERMARK = "planner"
CHANGE_OVERLAP = timedelta(minutes=5)  # late-committing requests: re-plan a little more than needed
EXPIRED = "expired before it could be sent"
_WATERMARKS: WeakKeyDictionary[Engine, datetime] = WeakKeyDictionary()


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


def wanted_on(participant: Participant, plans: LazyPlans, d: date, is_logged: bool) -> list[PlannedReminder]:
    """The reminders still wanted on local date ``d``: the one rule of the planner and the sender.

    None once the participant is off treatment; no dose reminder for a day the patient answered
    (taken or not); otherwise what the calendar asks for (:func:`expected_on`).
    """
    if participant.status not in ACTIVE_STATUSES:
        return []
    items = expected_on(participant, plans[participant.id], d)
    return [item for item in items if not (item.kind == DOSE and is_logged)]


def unwanted_reason(kind: str, is_logged: bool) -> str:
    """Why a pending row :func:`wanted_on` no longer asks for is cancelled (shown in the ledger)."""
    return "day logged" if kind == DOSE and is_logged else "no longer in the calendar"


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
    logged = logged_dates(session, windows, {d for days in windows.values() for d in days})
    existing = _existing_rows(session, windows)
    changed = 0
    new_rows: list[dict[str, Any]] = []
    for participant in participants:
        work = partial(_wanted, participant, plans, windows[participant.id], logged)
        wanted = guarded("plan_reminders", participant, work, now, session)
        if wanted is None:  # this participant's calendar cannot be worked out: reported, rows left alone
            continue
        rows = existing[participant.id]
        for key, row in rows.items():
            changed += _reconcile(row, wanted.get(key), (participant.id, key[1]) in logged, now)
        new_rows += [
            _new_row(participant.id, item, now)
            for key, item in wanted.items()
            if key not in rows and item.expires_at > now
        ]
    if new_rows:
        stmt = insert_for(session)(Reminder.__table__).on_conflict_do_nothing(
            index_elements=["participant_id", "kind", "local_date", "sequence"]
        )
        session.execute(stmt, new_rows)
        changed += len(new_rows)
    session.flush()
    return changed


def _existing_rows(
    session: Session, windows: dict[str, list[date]]
) -> dict[str, dict[tuple[str, date, int], Reminder]]:
    """Each participant's reminder rows in their planning window, by key."""
    existing: dict[str, dict[tuple[str, date, int], Reminder]] = {pid: {} for pid in windows}
    for row in session.scalars(
        select(Reminder).where(
            Reminder.participant_id.in_(list(windows)),
            Reminder.kind.in_(REMINDER_KINDS),
            Reminder.local_date.in_({d for days in windows.values() for d in days}),
        )
    ):
        existing[row.participant_id][(row.kind, row.local_date, row.sequence)] = row
    return existing


def _reconcile(row: Reminder, item: PlannedReminder | None, is_logged: bool, now: datetime) -> bool:
    """Bring one pending or cancelled row in line with what is wanted; True when it changed."""
    if row.status not in ("pending", "cancelled"):
        return False
    if item is not None and item.expires_at <= now:
        if row.status != ReminderStatus.PENDING:
            return False
        row.status, row.status_reason = (
            ReminderStatus.DROPPED,
            EXPIRED,
        )  # the scheduler was down past its useful life
        return True
    if item is None:
        if row.status != ReminderStatus.PENDING:
            return False
        row.status, row.status_reason = ReminderStatus.CANCELLED, unwanted_reason(row.kind, is_logged)
        return True
    if (
        row.status == ReminderStatus.CANCELLED
        or row.due_at != item.due_at
        or row.expires_at != item.expires_at
    ):
        row.status, row.status_reason = ReminderStatus.PENDING, None
        row.due_at, row.expires_at = item.due_at, item.expires_at
        return True
    return False


def _new_row(participant_id: str, item: PlannedReminder, now: datetime) -> dict[str, Any]:
    """The values of a newly planned reminder row."""
    return {
        "id": new_id(),
        "participant_id": participant_id,
        "kind": item.kind,
        "local_date": item.local_date,
        "sequence": item.sequence,
        "due_at": item.due_at,
        "expires_at": item.expires_at,
        "status": ReminderStatus.PENDING,
        "created_at": now,
    }


def _wanted(
    participant: Participant, plans: LazyPlans, window: list[date], logged: set[tuple[str, date]]
) -> dict[tuple[str, date, int], PlannedReminder]:
    """Every reminder :func:`wanted_on` asks for in ``window``, by key."""
    return {
        item.key: item
        for d in window
        for item in wanted_on(participant, plans, d, (participant.id, d) in logged)
    }


def replan_participant(session: Session, participant: Participant, now: datetime) -> int:
    """Re-derive one participant's future reminders now (call after any change to their plan)."""
    return replan_participants(session, [participant], now)


def _window(participant: Participant, now: datetime) -> list[date]:
    today = local_date(now, participant.timezone)
    return [today + timedelta(days=offset) for offset in range(-1, HORIZON_DAYS + 1)]


# --- the planner job -----------------------------------------------------------------------

_CHANGED = select(Participant).where(
    Participant.id.in_(
        select(AuditEvent.participant_id)
        .where(
            AuditEvent.server_time >= bindparam("since", type_=UTCDateTime()),
            AuditEvent.server_time <= bindparam("now", type_=UTCDateTime()),
            AuditEvent.participant_id.is_not(None),
        )
        .distinct()
    )
)


def plan_reminders(session: Session, now: datetime) -> int:
    """The planner job: each participant's reminders once per local day, and at once after any change.

    Changes are found through the audit trail (every write to a plan, a diary day or a
    participant records an event) since the previous run's watermark.
    """
    changed = _changed_since_watermark(session, now)
    daily = day_markers.participants_without_marker(session, "plan", now, BATCH)
    for participant in daily:
        day_markers.add_marker(session, participant.id, "plan", local_date(now, participant.timezone), now)
    seen = {p.id: p for p in (*changed, *daily)}
    return replan_participants(session, list(seen.values()), now)


def _changed_since_watermark(session: Session, now: datetime) -> list[Participant]:
    """Participants with an audit event since the planner's watermark (moved only when some were found)."""
    engine = session.get_bind().engine
    mark = _WATERMARKS.get(engine)
    if mark is None:
        row = session.get(SchedulerHeartbeat, PLANNER_WATERMARK)
        mark = row.beat_at if row is not None else now
        if row is None:
            session.add(SchedulerHeartbeat(name=PLANNER_WATERMARK, beat_at=now, holder=holder()))
        _WATERMARKS[engine] = mark
    changed = list(session.scalars(_CHANGED, {"since": mark - CHANGE_OVERLAP, "now": now}))
    # Move the watermark only when there was something to see: a quiet tick writes nothing.
    if changed and now > mark:
        session.execute(
            update(SchedulerHeartbeat).where(SchedulerHeartbeat.name == PLANNER_WATERMARK).values(beat_at=now)
        )
        after_commit(session, lambda: _WATERMARKS.__setitem__(engine, now))
    return changed
