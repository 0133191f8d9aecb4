"""The job registry: every scheduler job, in the order one tick runs them, in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from backend.services import (
    alert_notices,
    bp_followups,
    daily_checks,
    ops,
    outbox,
    reminder_sending,
    reminders,
    travel,
)

Job = Callable[[Session, datetime], int]
Probe = ColumnElement[bool] | None
ProbeParams = Callable[[datetime], dict[str, Any]]


@dataclass(frozen=True)
class Entry:
    """A job, and optionally a cheap SQL test telling whether it has anything to do as of an instant.

    The runner evaluates every probe in one query at the start of a tick and skips a job whose
    probe is false, unless an earlier job of the same tick did some work (its output may be this
    job's input: reminders queued now are delivered now). Each probe is built by its feature
    from the job's own condition; it may bind ``now`` (given to every probe) and parameters of its
    own, whose values ``params(now)`` returns.
    """

    name: str
    job: Job
    probe: Probe = None
    params: ProbeParams | None = None


# Order matters: a change of zone before planning (its reminders move at once), plan before
# sending, detect before delivering what was detected, deliver last
# but one so this tick's messages go out in this tick, heartbeat last (a sweep that finished).
JOBS: tuple[Entry, ...] = (
    Entry("apply_timezone_changes", travel.apply_due, travel.DUE_CHANGES_PROBE),
    Entry("plan_reminders", reminders.plan_reminders),
    Entry(
        "enqueue_due_reminders", reminder_sending.enqueue_due_reminders, reminder_sending.DUE_REMINDERS_PROBE
    ),
    Entry("bp_unconfirmed_high", bp_followups.follow_unconfirmed_high, bp_followups.OPEN_PROBE),
    Entry("detect_missed_doses", daily_checks.detect_missed_doses),
    Entry("cycle_unconfirmed", daily_checks.cycle_unconfirmed),
    Entry(
        "enqueue_alert_deliveries",
        alert_notices.enqueue_alert_deliveries,
        alert_notices.NEW_ALERTS_PROBE,
        alert_notices.probe_params,
    ),
    Entry("escalate", alert_notices.escalate, alert_notices.ESCALATION_PROBE, alert_notices.probe_params),
    Entry("deliver", outbox.deliver, outbox.OUTBOX_PROBE, outbox.probe_params),
    Entry("heartbeat", ops.heartbeat),
)

INTERVAL_SECONDS = 60
"""How often the process runs every job (the tick)."""


def probe_params(now: datetime) -> dict[str, Any]:
    """Every probe's bind parameters as of ``now``: ``now`` itself and each entry's own."""
    params: dict[str, Any] = {"now": now}
    for entry in JOBS:
        if entry.params is not None:
            params.update(entry.params(now))
    return params
