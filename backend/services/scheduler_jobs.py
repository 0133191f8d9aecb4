"""The scheduler's jobs, each a function of ``(session, now)``; the runner decides when to call them.

Every job is idempotent: replaying a tick for the same instant writes nothing new, because
reminders and outbox rows have unique keys and daily checks leave a processed-day marker
(a :class:`~backend.models.Reminder` row of kind ``missed_check`` / ``cycle_check``) that is
inserted *before* the work, with ``ON CONFLICT DO NOTHING``, so only one caller ever owns it.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from flask import current_app
from sqlalchemy import Engine, and_, bindparam, exists, select, update
from sqlalchemy.orm import Session

from backend.db import UTCDateTime, after_commit, db
from backend.domain import calendar
from backend.domain.diary import entry_window_closes_at, make_up_cutoff
from backend.domain.findings import make_finding
from backend.domain.i18n import text
from backend.models import (
    Alert,
    AuditEvent,
    DoseLog,
    Notification,
    Participant,
    PushSubscription,
    Reminder,
    SchedulerHeartbeat,
)
from backend.services import outbox, reminders
from backend.services.alert_notices import enqueue_alert_notices, iso_utc
from backend.services.treatment import load_plans, protocol_of

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
_STALE_BEFORE = bindparam("stale_before", type_=UTCDateTime())
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
OUTBOX_PROBE = exists().where(
    Notification.sent_at.is_(None),
    ((Notification.status == "pending") & (Notification.next_attempt_at <= _NOW))
    | ((Notification.status == "claimed") & (Notification.claimed_at <= _STALE_BEFORE)),
)


def probe_params(now: datetime) -> dict[str, datetime]:
    """Values of the probes' bind parameters as of ``now``."""
    return {
        "now": now,
        "stale_before": now - outbox.STALE_CLAIM,
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
    plans = load_plans(session, participants.values())
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
        expected = {}
        if participant.status in reminders.ACTIVE_STATUSES:
            expected = {
                i.key: i for i in reminders.expected_on(participant, plans[participant.id], row.local_date)
            }
        item = expected.get((row.kind, row.local_date, row.sequence))
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
        ttl_until = row.expires_at
        if row.kind == reminders.DOSE:
            protocol = protocol_of(participant)
            ttl_until = make_up_cutoff(
                row.local_date, participant.reminder_time, participant.timezone, protocol.treatment
            )
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


# --- daily checks ---------------------------------------------------------------------------


def _raise(session: Session, participant: Participant, rule_id: str, evidence: dict, now: datetime) -> Alert:
    """Raise a finding through the alerts service (one open alert per participant, rule and episode)."""
    from backend.services.alerts import raise_finding

    finding = make_finding(rule_id, evidence, None)
    alert, _is_new = raise_finding(  # a new alert's notices are queued by raise_finding itself
        session, participant, finding, evidence_item={"detected_by": "scheduler"}, advice_shown=[], now=now
    )
    return alert


def detect_missed_doses(session: Session, now: datetime) -> int:
    """After a day's entry window closed, alert on missed dosing days: 1 -> info, 2 consecutive -> review.

    Runs once per participant and local day (after 12:00 local), checking the day before.
    """
    raised = 0
    batch = reminders.participants_without_marker(
        session, "missed_check", now, BATCH, after_local_time=(12, 0)
    )
    plans = load_plans(session, batch)
    for participant in batch:
        today = reminders.local_date(now, participant.timezone)
        day = today - timedelta(days=1)
        protocol = protocol_of(participant)
        if now < entry_window_closes_at(day, participant.timezone, protocol.entry):
            continue
        if not reminders.add_marker(session, participant.id, "missed_check", today, now):
            continue
        plan = plans[participant.id]
        if not calendar.day_info(plan, day).is_prescribed:
            continue
        rules = protocol.alerts
        lookback = [d.date for d in calendar.days(plan, day - timedelta(days=30), day) if d.is_prescribed]
        taken = set(
            session.scalars(
                select(DoseLog.local_date).where(
                    DoseLog.participant_id == participant.id,
                    DoseLog.taken.is_(True),
                    DoseLog.local_date.in_(lookback),
                )
            )
        )
        missed: list[str] = []
        for d in reversed(lookback):
            if d in taken or len(missed) >= rules.missed_dose_review_after:
                break
            missed.append(d.isoformat())
        if not missed:
            continue
        rule = "DOSE-MISSED-2" if len(missed) >= rules.missed_dose_review_after else "DOSE-MISSED"
        if len(missed) < rules.missed_dose_info_after:
            continue
        _raise(
            session,
            participant,
            rule,
            {"local_date": day.isoformat(), "consecutive_missed": len(missed), "dates": sorted(missed)},
            now,
        )
        raised += 1
    return raised


def cycle_unconfirmed(session: Session, now: datetime) -> int:
    """Alert the site once per planned cycle when its start is N days past without a confirmation."""
    raised = 0
    batch = reminders.participants_without_marker(session, "cycle_check", now, BATCH)
    plans = load_plans(session, batch)
    for participant in batch:
        today = reminders.local_date(now, participant.timezone)
        if not reminders.add_marker(session, participant.id, "cycle_check", today, now):
            continue
        plan = plans[participant.id]
        if plan.discontinued_on is not None:
            continue
        planned = calendar.planned_next_start(plan)
        after = protocol_of(participant).alerts.cycle_unconfirmed_after_days
        if today < planned + timedelta(days=after):
            continue
        number = plan.cycles[-1].number + 1
        if not reminders.add_marker(session, participant.id, "cycle_alert", planned, now, sequence=number):
            continue
        _raise(
            session,
            participant,
            "CYCLE-UNCONFIRMED",
            {
                "cycle": number,
                "planned_start": planned.isoformat(),
                "last_confirmed_start": plan.cycles[-1].start.isoformat(),
                "checked_on": today.isoformat(),
            },
            now,
        )
        raised += 1
    return raised


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
    """Claim due outbox rows in this transaction; send them once it has committed."""
    ids = outbox.claim(session, now)
    if ids:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
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
