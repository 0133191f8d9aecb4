"""The job registry: every scheduler job, in the order one tick runs them, in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from backend.services import bp_followups, daily_checks, travel
from backend.services import scheduler_jobs as jobs

Job = Callable[[Session, datetime], int]
Probe = ColumnElement[bool] | None


@dataclass(frozen=True)
class Entry:
    """A job, and optionally a cheap SQL test telling whether it has anything to do as of an instant.

    The runner evaluates every probe in one query at the start of a tick and skips a job whose
    probe is false, unless an earlier job of the same tick did some work (its output may be this
    job's input: reminders queued now are delivered now).
    """

    name: str
    job: Job
    probe: Probe = None


# Order matters: a change of zone before planning (its reminders move at once), plan before
# sending, detect before delivering what was detected, deliver last
# but one so this tick's messages go out in this tick, heartbeat last (a sweep that finished).
JOBS: tuple[Entry, ...] = (
    Entry("apply_timezone_changes", travel.apply_due, travel.DUE_CHANGES_PROBE),
    Entry("plan_reminders", jobs.plan_reminders),
    Entry("enqueue_due_reminders", jobs.enqueue_due_reminders, jobs.DUE_REMINDERS_PROBE),
    Entry("bp_unconfirmed_high", bp_followups.follow_unconfirmed_high, bp_followups.OPEN_PROBE),
    Entry("detect_missed_doses", daily_checks.detect_missed_doses),
    Entry("cycle_unconfirmed", daily_checks.cycle_unconfirmed),
    Entry("enqueue_alert_deliveries", jobs.enqueue_alert_deliveries, jobs.NEW_ALERTS_PROBE),
    Entry("escalate", jobs.escalate, jobs.ESCALATION_PROBE),
    Entry("deliver", jobs.deliver, jobs.OUTBOX_PROBE),
    Entry("heartbeat", jobs.heartbeat),
)

INTERVAL_SECONDS = 60
"""How often the process runs every job (the tick)."""
