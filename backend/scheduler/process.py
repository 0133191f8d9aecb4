"""The long-running scheduler process (``scheduler run``): APScheduler drives one tick a minute.

Settings that matter (PITFALLS.md): UTC, ``coalesce`` (a backlog of missed ticks runs once),
``max_instances=1`` (never two ticks at once in one process), a grace time of 30 s, and the
in-memory job store only: per-patient reminders live in our own tables, never in APScheduler.
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from backend import clock
from backend.scheduler.registry import INTERVAL_SECONDS
from backend.scheduler.runner import run_all

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}


def tick(app: Flask) -> None:
    """One scheduled tick as of the clock's now."""
    result = run_all(app, clock.now())
    if result.skipped:
        log.info("tick %s skipped: another scheduler holds the lock", result.at.isoformat())
    elif result.errors:
        log.warning("tick %s finished with errors: %s", result.at.isoformat(), result.errors)


def build(app: Flask) -> BlockingScheduler:
    """A blocking scheduler with the one sweep job, first run immediately."""
    scheduler = BlockingScheduler(
        timezone=UTC,
        job_defaults=JOB_DEFAULTS,
    )
    scheduler.add_job(
        tick,
        "interval",
        seconds=INTERVAL_SECONDS,
        args=[app],
        id="sweep",
        next_run_time=clock.now(),
        replace_existing=True,
        **JOB_DEFAULTS,
    )
    return scheduler


def serve(app: Flask) -> None:
    """Run until SIGINT or SIGTERM, then stop cleanly (a running tick is allowed to finish)."""
    scheduler = build(app)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("scheduler stopping on signal %s", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    log.info("scheduler started: every %s s, UTC", INTERVAL_SECONDS)
    scheduler.start()
