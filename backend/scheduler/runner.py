"""Run every registered job once as of one instant: the one code path of the process and the CLI.

Each job gets its own transaction (``session_scope``). On PostgreSQL the transaction first takes
``pg_try_advisory_xact_lock``: if another replica holds it, this replica skips the rest of the
tick (it waits for the next one). Deliveries are sent after their claiming transaction commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask
from sqlalchemy import func, select

from backend.db import db
from backend.scheduler.registry import JOBS

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x0D05E_D1A  # one constant for "the scheduler": every replica uses the same


@dataclass
class TickResult:
    """What one tick did: per-job counts, whether it was skipped (another leader), failures."""

    at: datetime
    skipped: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def run_all(app: Flask, now: datetime) -> TickResult:
    """Run every job of the registry as of ``now``; a failing job is logged and the rest still run."""
    result = TickResult(at=now)
    with app.app_context():
        for name, job in JOBS:
            try:
                with db.session_scope() as session:
                    if session.get_bind().dialect.name == "postgresql":
                        locked = session.execute(
                            select(func.pg_try_advisory_xact_lock(ADVISORY_LOCK_KEY))
                        ).scalar()
                        if not locked:
                            result.skipped = True
                            return result
                    result.counts[name] = job(session, now)
            except Exception as exc:  # noqa: BLE001 - one broken job must not stop reminders
                log.exception("scheduler job %s failed at %s", name, now.isoformat())
                result.errors[name] = f"{type(exc).__name__}: {exc}"
    return result
