"""The job registry: every scheduler job, in the order one tick runs them, in one place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from backend.services import scheduler_jobs as jobs

Job = Callable[[Session, datetime], int]

# Order matters: plan before sending, detect before delivering what was detected, deliver last
# but one so this tick's messages go out in this tick, heartbeat last (a sweep that finished).
JOBS: tuple[tuple[str, Job], ...] = (
    ("plan_reminders", jobs.plan_reminders),
    ("enqueue_due_reminders", jobs.enqueue_due_reminders),
    ("detect_missed_doses", jobs.detect_missed_doses),
    ("cycle_unconfirmed", jobs.cycle_unconfirmed),
    ("enqueue_alert_deliveries", jobs.enqueue_alert_deliveries),
    ("escalate", jobs.escalate),
    ("deliver", jobs.deliver),
    ("heartbeat", jobs.heartbeat),
)

INTERVAL_SECONDS = 60
"""How often the process runs every job (the tick)."""
