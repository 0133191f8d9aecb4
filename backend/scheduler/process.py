"""The long-running scheduler process (``scheduler run``): a tick a minute, and the deliverer.

Settings that matter (PITFALLS.md): UTC, ``coalesce`` (a backlog of missed ticks runs once),
``max_instances=1`` (never two ticks at once in one process), a grace time of 30 s, and the
in-memory job store only: per-patient reminders live in our own tables, never in APScheduler.
Sending is the deliverer thread's (:mod:`backend.scheduler.deliverer`), woken at once when
something is queued due now, so an urgent notice does not wait for the next tick.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from backend import clock
from backend.scheduler.deliverer import Deliverer
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


class Service:
    """The ticking scheduler plus the deliverer thread; ``start`` returns, ``stop`` ends both."""

    def __init__(self, app: Flask, interval_seconds: float = INTERVAL_SECONDS) -> None:
        self.app = app
        self.interval_seconds = interval_seconds
        self.deliverer = Deliverer(app)
        self.scheduler = BackgroundScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
        self.scheduler.add_job(
            tick,
            "interval",
            seconds=interval_seconds,
            args=[app],
            id="sweep",
            next_run_time=clock.now(),
            replace_existing=True,
            **JOB_DEFAULTS,
        )

    def start(self) -> Service:
        """Start the deliverer, then the ticks (the first one at once)."""
        self.app.extensions["deliverer"] = self.deliverer
        self.deliverer.start()
        self.scheduler.start()
        return self

    def stop(self) -> None:
        """Stop ticking (a running tick finishes) and stop the deliverer after its round."""
        self.scheduler.shutdown(wait=True)
        self.deliverer.stop()
        self.deliverer.join(timeout=30)
        self.app.extensions.pop("deliverer", None)


def serve(app: Flask) -> None:
    """Run until SIGINT or SIGTERM, then stop cleanly (a running tick is allowed to finish)."""
    service = Service(app)
    done = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("scheduler stopping on signal %s", signum)
        done.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    service.start()
    log.info("scheduler started: every %s s, UTC; deliverer woken on every queued message", INTERVAL_SECONDS)
    while not done.wait(1.0):
        pass
    service.stop()
