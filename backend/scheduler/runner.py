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
from backend.runtime import service_context
from backend.scheduler.registry import JOBS, probe_params

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x0D05E_D1A  # one constant for "the scheduler": every replica uses the same


@dataclass
class TickResult:
    """What one tick did: per-job counts, whether it was skipped (another leader), failures."""

    at: datetime
    skipped: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


PROBED = [entry for entry in JOBS if entry.probe is not None]
_PROBES = [entry.probe.label(entry.name) for entry in PROBED if entry.probe is not None]
PROBE_QUERY = select(*_PROBES) if _PROBES else None


def _probe(now: datetime) -> dict[str, bool]:
    """Evaluate every job's probe in one query: which jobs have something to do as of ``now``."""
    if PROBE_QUERY is None:
        return {}
    with db.session_scope() as session:
        row = session.execute(PROBE_QUERY, probe_params(now)).one()
    return {entry.name: bool(value) for entry, value in zip(PROBED, row, strict=True)}


def run_all(app: Flask, now: datetime) -> TickResult:
    """Run every job of the registry as of ``now``; a failing job is logged and the rest still run."""
    result = TickResult(at=now)
    with app.app_context():
        try:
            wanted = _probe(now)
        except Exception as exc:  # noqa: BLE001 - without the probe, just run everything
            log.exception("scheduler probe failed at %s", now.isoformat())
            result.errors["probe"] = f"{type(exc).__name__}: {exc}"
            wanted = {}
        busy = False
        for entry in JOBS:
            if not busy and not wanted.get(entry.name, True):
                continue
            try:
                with db.session_scope(service_context(app)) as session:
                    if session.get_bind().dialect.name == "postgresql":
                        lock = select(func.pg_try_advisory_xact_lock(ADVISORY_LOCK_KEY))
                        if not session.execute(lock).scalar():
                            result.skipped = True
                            return result
                    count = entry.job(session, now)
                result.counts[entry.name] = count
                busy = busy or bool(count)
            except Exception as exc:  # noqa: BLE001 - one broken job must not stop reminders
                log.exception("scheduler job %s failed at %s", entry.name, now.isoformat())
                result.errors[entry.name] = f"{type(exc).__name__}: {exc}"
    return result
