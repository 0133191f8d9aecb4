"""Sending reminders: due rows become outbox messages, after one last check that they are still wanted.

The sender applies the planner's rule (:func:`backend.services.reminders.wanted_on`) once more
when a row falls due, because the diary or the calendar may have changed since it was planned.
A row past its expiry (the scheduler was down) is dropped, never sent; a row no longer wanted is
cancelled; a row whose instant moved (time zone or reminder time) waits for its new instant.
The push lives until the dose's make-up cut-off, so a phone that was off gets it while useful.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, select
from sqlalchemy.orm import Session

from backend.db import UTCDateTime
from backend.domain.diary import make_up_window
from backend.domain.i18n import text
from backend.models import Participant, PushSubscription, Reminder, ReminderStatus
from backend.services import outbox, reminders
from backend.services.alert_notices import iso_utc
from backend.services.job_isolation import guarded
from backend.services.plans import LazyPlans, protocol_of
from backend.services.reminders import DOSE, EXPIRED, PlannedReminder

BATCH = 2000
ENQUEUE_BUDGET_SECONDS = 20.0
PATIENT_URL = "/#today"
PUSH_KINDS = {("dose", 0): "dose_reminder", ("dose", 1): "dose_followup", ("bp", 0): "bp_reminder"}


def due_condition(now: datetime | Any) -> ColumnElement[bool]:
    """Reminder rows due by ``now`` (served by ``ix_reminders_due`` on status, due_at)."""
    return and_(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)


def due_reminders_query(now: datetime, limit: int = BATCH) -> Select[Reminder]:
    """The sender's selection: the oldest due rows first, one batch."""
    return select(Reminder).where(due_condition(now)).order_by(Reminder.due_at).limit(limit)


# The runner's cheap test, from the sender's own condition (the runner binds "now").
DUE_REMINDERS_PROBE = exists().where(due_condition(bindparam("now", type_=UTCDateTime())))


def enqueue_due_reminders(session: Session, now: datetime) -> int:
    """The sender job: turn due reminder rows into outbox messages (see the module docstring).

    Works in batches of ``BATCH`` until nothing is due or ``ENQUEUE_BUDGET_SECONDS`` are spent
    (the rest waits for the next tick).
    """
    deadline = time.monotonic() + ENQUEUE_BUDGET_SECONDS
    queued = 0
    while True:
        seen, count = _enqueue_batch(session, now)
        queued += count
        session.expunge_all()  # keep memory flat across batches (everything is flushed)
        if seen < BATCH or time.monotonic() >= deadline:
            return queued


@dataclass
class _Batch:
    """What one batch of due rows needs: their participants, plans, logged days and push targets."""

    participants: dict[str, Participant]
    plans: LazyPlans
    logged: set[tuple[str, date]]
    subscriptions: dict[str, list[PushSubscription]]


def _enqueue_batch(session: Session, now: datetime) -> tuple[int, int]:
    """One batch of :func:`enqueue_due_reminders`: (rows looked at, messages queued)."""
    stmt = due_reminders_query(now)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    if not rows:
        return 0, 0
    batch = _load_batch(session, rows)
    queued = sum(_send_or_settle(session, batch, row, now) for row in rows)
    session.flush()
    return len(rows), queued


def _load_batch(session: Session, rows: list[Reminder]) -> _Batch:
    """Load, in a few queries, everything the rows' checks and messages need."""
    participants = {
        p.id: p
        for p in session.scalars(
            select(Participant).where(Participant.id.in_({r.participant_id for r in rows}))
        )
    }
    subscriptions: dict[str, list[PushSubscription]] = {}
    for sub in session.scalars(
        select(PushSubscription).where(
            PushSubscription.participant_id.in_(list(participants)), PushSubscription.disabled_at.is_(None)
        )
    ):
        subscriptions.setdefault(sub.participant_id or "", []).append(sub)
    return _Batch(
        participants=participants,
        plans=LazyPlans(session, participants.values()),
        logged=reminders.logged_dates(session, participants, {r.local_date for r in rows}),
        subscriptions=subscriptions,
    )


def _send_or_settle(session: Session, batch: _Batch, row: Reminder, now: datetime) -> int:
    """Queue a due row's pushes if it is still wanted, else drop, cancel or move it; messages queued."""
    participant = batch.participants[row.participant_id]
    if row.expires_at <= now:
        row.status, row.status_reason = ReminderStatus.DROPPED, EXPIRED
        return 0
    is_logged = (participant.id, row.local_date) in batch.logged
    work = partial(_due_check, participant, batch.plans, row, is_logged)
    checked = guarded("enqueue_due_reminders", participant, work, now, session)
    if checked is None:  # reported; never retried every minute
        row.status, row.status_reason = (
            ReminderStatus.DROPPED,
            "the participant's calendar could not be worked out",
        )
        return 0
    item, ttl_until = checked
    if item is None:
        row.status, row.status_reason = (
            ReminderStatus.CANCELLED,
            reminders.unwanted_reason(row.kind, is_logged),
        )
        return 0
    if item.due_at != row.due_at:  # time zone or reminder time changed: wait for the new instant
        row.due_at, row.expires_at = item.due_at, item.expires_at
        return 0
    return _queue_pushes(
        session, row, participant, batch.subscriptions.get(participant.id, []), ttl_until, now
    )


def _due_check(
    participant: Participant, plans: LazyPlans, row: Reminder, is_logged: bool
) -> tuple[PlannedReminder | None, datetime]:
    """The wanted item for a due row (None if no longer wanted) and how long a push of it lives."""
    wanted = {i.key: i for i in reminders.wanted_on(participant, plans, row.local_date, is_logged)}
    item = wanted.get((row.kind, row.local_date, row.sequence))
    if item is None or row.kind != DOSE:
        return item, row.expires_at
    entry = protocol_of(participant).entry
    window = make_up_window(
        plans[participant.id], row.local_date, participant.reminder_time, participant.timezone, entry
    )
    return item, window.cutoff_at


def _queue_pushes(
    session: Session,
    row: Reminder,
    participant: Participant,
    targets: list[PushSubscription],
    ttl_until: datetime,
    now: datetime,
) -> int:
    """One outbox message per subscribed device (``unsubscribed`` when there is none)."""
    row.status = ReminderStatus.QUEUED if targets else ReminderStatus.UNSUBSCRIBED
    envelope = {
        "message": _reminder_payload(row, participant),
        "ttl_until": iso_utc(ttl_until),
        "topic": f"{row.kind}-{row.local_date.isoformat()}-{participant.id}",
    }
    queued = 0
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
    return queued


def _reminder_payload(row: Reminder, participant: Participant) -> dict[str, Any]:
    """The push's text, in the participant's language; no health data."""
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
