"""The scheduler's jobs, each a function of ``(session, now)``; the runner decides when to call them.

Every job is idempotent: replaying a tick for the same instant writes nothing new, because
reminders and outbox rows have unique keys and per-day work leaves a processed-day marker (a
:class:`~backend.models.Reminder` row of kind ``plan`` here, ``missed_check`` / ``cycle_check`` in
:mod:`backend.services.daily_checks`) that is inserted *before* the work, with
``ON CONFLICT DO NOTHING``, so only one caller ever owns it.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from functools import partial
from weakref import WeakKeyDictionary

from flask import current_app
from sqlalchemy import Engine, and_, bindparam, exists, select, update
from sqlalchemy.orm import Session

from backend import clock
from backend.db import UTCDateTime, after_commit, db
from backend.domain.diary import make_up_window
from backend.domain.i18n import text
from backend.models import (
    Alert,
    AuditEvent,
    Notification,
    Participant,
    PushSubscription,
    Reminder,
    SchedulerHeartbeat,
)
from backend.services import outbox, reminders
from backend.services.alert_notices import enqueue_alert_notices, iso_utc
from backend.services.job_isolation import guarded
from backend.services.plans import LazyPlans, protocol_of
from backend.services.reminders import PlannedReminder

BATCH = 2000
ENQUEUE_BUDGET_SECONDS = 20.0
HEARTBEAT = "scheduler"
PLANNER_WATERMARK = "planner"
CHANGE_OVERLAP = timedelta(minutes=5)  # late-committing requests: re-plan a little more than needed
ALERT_LOOKBACK = timedelta(days=1)
PATIENT_URL = "/#today"
_WATERMARKS: WeakKeyDictionary[Engine, datetime] = WeakKeyDictionary()
PUSH_KINDS = {("dose", 0): "dose_reminder", ("dose", 1): "dose_followup", ("bp", 0): "bp_reminder"}


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- probes: cheap EXISTS tests the runner evaluates in one query per tick ------------------
# Built once with bind parameters (see probe_params), so a quiet tick costs one cached statement.

_NOW = bindparam("now", type_=UTCDateTime())
_WALL = bindparam("wall", type_=UTCDateTime())
_ALERTS_SINCE = bindparam("alerts_since", type_=UTCDateTime())
_ESCALATE_BEFORE = bindparam("escalate_before", type_=UTCDateTime())

DUE_REMINDERS_PROBE = exists().where(Reminder.status == "pending", Reminder.due_at <= _NOW)
NEW_ALERTS_PROBE = exists().where(
    Alert.opened_at >= _ALERTS_SINCE,
    Alert.opened_at <= _NOW,
    ~select(Notification.id).where(Notification.alert_id == Alert.id).exists(),
)
ESCALATION_PROBE = exists().where(
    Alert.severity == "urgent",
    Alert.status == "open",
    Alert.escalated_at.is_(None),
    Alert.opened_at <= _ESCALATE_BEFORE,
)
OUTBOX_PROBE = exists().where(outbox.due_condition(_NOW, _WALL))


def probe_params(now: datetime) -> dict[str, datetime]:
    """Values of the probes' bind parameters as of ``now``."""
    return {
        "now": now,
        "wall": clock.now(),  # leases are wall-clock instants
        "alerts_since": now - ALERT_LOOKBACK,
        "escalate_before": now - timedelta(minutes=1),
    }


# --- reminders -----------------------------------------------------------------------------


_CHANGED = select(Participant).where(
    Participant.id.in_(
        select(AuditEvent.participant_id)
        .where(
            AuditEvent.server_time >= bindparam("since", type_=UTCDateTime()),
            AuditEvent.server_time <= _NOW,
            AuditEvent.participant_id.is_not(None),
        )
        .distinct()
    )
)


def plan_reminders(session: Session, now: datetime) -> int:
    """Plan each participant's reminders once per local day, and at once after any change.

    Changes are found through the audit trail (every write to a plan, a diary day or a
    participant records an event) since the previous run's watermark.
    """
    engine = session.get_bind().engine
    mark = _WATERMARKS.get(engine)
    if mark is None:
        row = session.get(SchedulerHeartbeat, PLANNER_WATERMARK)
        mark = row.beat_at if row is not None else now
        if row is None:
            session.add(SchedulerHeartbeat(name=PLANNER_WATERMARK, beat_at=now, holder=_holder()))
        _WATERMARKS[engine] = mark
    changed = list(session.scalars(_CHANGED, {"since": mark - CHANGE_OVERLAP, "now": now}))
    # Move the watermark only when there was something to see: a quiet tick writes nothing.
    if changed and now > mark:
        session.execute(
            update(SchedulerHeartbeat).where(SchedulerHeartbeat.name == PLANNER_WATERMARK).values(beat_at=now)
        )
        after_commit(session, lambda: _WATERMARKS.__setitem__(engine, now))
    daily = reminders.participants_without_marker(session, "plan", now, BATCH)
    for participant in daily:
        reminders.add_marker(
            session, participant.id, "plan", reminders.local_date(now, participant.timezone), now
        )
    seen = {p.id: p for p in (*changed, *daily)}
    return reminders.replan_participants(session, list(seen.values()), now)


def _reminder_payload(row: Reminder, participant: Participant) -> dict:
    kind = PUSH_KINDS[(row.kind, row.sequence)]
    lang = participant.language
    return {
        "kind": kind,
        "id": row.id,
        "title": text(lang, f"push.{kind}.title"),
        "body": text(lang, f"push.{kind}.body"),
        "url": PATIENT_URL,
        "due_at": iso_utc(row.due_at),
    }


def due_reminders_query(now: datetime, limit: int = BATCH):  # type: ignore[no-untyped-def]
    """The due-reminder selection (served by ``ix_reminders_due`` on status, due_at)."""
    return (
        select(Reminder)
        .where(Reminder.status == "pending", Reminder.due_at <= now)
        .order_by(Reminder.due_at)
        .limit(limit)
    )


def enqueue_due_reminders(session: Session, now: datetime) -> int:
    """Turn due reminder rows into outbox messages, after re-checking them against calendar and diary.

    A row past its expiry (the scheduler was down) is dropped, never sent; a row the calendar
    no longer asks for, or whose day is logged, is cancelled. Works in batches of ``BATCH`` until
    nothing is due or ``ENQUEUE_BUDGET_SECONDS`` are spent (the rest waits for the next tick).
    """
    import time

    deadline = time.monotonic() + ENQUEUE_BUDGET_SECONDS
    queued = 0
    while True:
        seen, count = _enqueue_batch(session, now)
        queued += count
        session.expunge_all()  # keep memory flat across batches (everything is flushed)
        if seen < BATCH or time.monotonic() >= deadline:
            return queued


def _enqueue_batch(session: Session, now: datetime) -> tuple[int, int]:
    """One batch of :func:`enqueue_due_reminders`: (rows looked at, messages queued)."""
    stmt = due_reminders_query(now)
    if _is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    if not rows:
        return 0, 0
    participants = {
        p.id: p
        for p in session.scalars(
            select(Participant).where(Participant.id.in_({r.participant_id for r in rows}))
        )
    }
    plans = LazyPlans(session, participants.values())
    logged = reminders.logged_dates(session, participants, {r.local_date for r in rows})
    subs: dict[str, list[PushSubscription]] = {}
    for sub in session.scalars(
        select(PushSubscription).where(
            PushSubscription.participant_id.in_(list(participants)), PushSubscription.disabled_at.is_(None)
        )
    ):
        subs.setdefault(sub.participant_id or "", []).append(sub)
    queued = 0
    for row in rows:
        participant = participants[row.participant_id]
        if row.expires_at <= now:
            row.status, row.status_reason = "dropped", "expired before it could be sent"
            continue
        work = partial(_due_check, participant, plans, row)
        checked = guarded("enqueue_due_reminders", participant, work, now, session)
        if checked is None:  # reported; never retried every minute
            row.status, row.status_reason = "dropped", "the participant's calendar could not be worked out"
            continue
        item, ttl_until = checked
        if item is None:
            row.status, row.status_reason = "cancelled", "no longer in the calendar"
            continue
        if item.due_at != row.due_at:  # time zone or reminder time changed: wait for the new instant
            row.due_at, row.expires_at = item.due_at, item.expires_at
            continue
        if row.kind == reminders.DOSE and (participant.id, row.local_date) in logged:
            row.status, row.status_reason = "cancelled", "day logged"
            continue
        targets = subs.get(participant.id, [])
        row.status = "queued" if targets else "unsubscribed"
        envelope = {
            "message": _reminder_payload(row, participant),
            "ttl_until": iso_utc(ttl_until),
            "topic": f"{row.kind}-{row.local_date.isoformat()}-{participant.id}",
        }
        for sub in targets:
            queued += outbox.enqueue(
                session,
                f"reminder:{row.id}:{sub.id}",
                "webpush",
                participant.id,
                envelope,
                row.due_at,
                row.expires_at,
                "normal",
                sub.id,
                now=now,
            )
    session.flush()
    return len(rows), queued


def _due_check(
    participant: Participant, plans: LazyPlans, row: Reminder
) -> tuple[PlannedReminder | None, datetime]:
    """The calendar's item for a due row (None if no longer wanted) and how long a push of it lives."""
    if participant.status not in reminders.ACTIVE_STATUSES:
        return None, row.expires_at
    plan = plans[participant.id]
    expected = {i.key: i for i in reminders.expected_on(participant, plan, row.local_date)}
    item = expected.get((row.kind, row.local_date, row.sequence))
    if item is None or row.kind != reminders.DOSE:
        return item, row.expires_at
    entry = protocol_of(participant).entry
    window = make_up_window(plan, row.local_date, participant.reminder_time, participant.timezone, entry)
    return item, window.cutoff_at


# --- alert delivery -------------------------------------------------------------------------


def enqueue_alert_deliveries(session: Session, now: datetime) -> int:
    """Queue notices for every recent alert that has none yet."""
    has_notice = select(Notification.id).where(Notification.alert_id == Alert.id)
    alerts = session.scalars(
        select(Alert).where(
            Alert.opened_at >= now - ALERT_LOOKBACK, Alert.opened_at <= now, ~has_notice.exists()
        )
    )
    return sum(enqueue_alert_notices(session, alert, now) for alert in list(alerts))


def escalate(session: Session, now: datetime) -> int:
    """Escalate urgent alerts still open (not acknowledged) after the protocol's escalation minutes; once."""
    count = 0
    candidates = list(
        session.scalars(
            select(Alert).where(
                Alert.severity == "urgent",
                Alert.status == "open",
                Alert.escalated_at.is_(None),
                Alert.opened_at <= now - timedelta(minutes=1),
            )
        )
    )
    for alert in candidates:
        participant = session.get(Participant, alert.participant_id)
        minutes = protocol_of(participant).alerts.urgent_escalation_minutes if participant else 60
        if alert.opened_at > now - timedelta(minutes=minutes):
            continue
        won = session.execute(
            update(Alert)
            .where(and_(Alert.id == alert.id, Alert.escalated_at.is_(None)))
            .values(escalated_at=now)
        ).rowcount
        if won:
            count += enqueue_alert_notices(session, alert, now, escalation=True)
    return count


# --- delivery and liveness ------------------------------------------------------------------


def deliver(session: Session, now: datetime) -> int:
    """Hand due outbox rows to the deliverer: wake it in ``scheduler run``, else send them here.

    In the long-running process the deliverer thread (woken at once by every commit that queues
    something due) does the sending; the tick only nudges it, so a missed wake-up costs at most
    one tick. ``scheduler tick`` has no deliverer: it claims in this transaction and sends once
    it has committed.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    deliverer = app.extensions.get("deliverer")
    if deliverer is not None and deliverer.is_alive():
        deliverer.wake()
        return 0
    ids = outbox.claim(session, now)
    if ids:
        transport = outbox.transport_for(app)
        after_commit(session, lambda: outbox.drain(db.session_scope, transport, ids, now))
    return len(ids)


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


_BEAT = (
    update(SchedulerHeartbeat)
    .where(SchedulerHeartbeat.name == HEARTBEAT, SchedulerHeartbeat.beat_at < _NOW)
    .values(beat_at=_NOW, holder=bindparam("holder"))
)


def heartbeat(session: Session, now: datetime) -> int:
    """Record that a scheduler finished a sweep (``/readyz`` wants one younger than 2 minutes)."""
    moved = session.execute(_BEAT, {"now": now, "holder": _holder()}).rowcount
    if not moved and session.get(SchedulerHeartbeat, HEARTBEAT) is None:
        session.add(SchedulerHeartbeat(name=HEARTBEAT, beat_at=now, holder=_holder()))
    return 1
