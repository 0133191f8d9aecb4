"""Operations: migrating the database to head, the scheduler's heartbeat job, readiness probes."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CursorResult, Engine, Result, bindparam, func, select, text, update
from sqlalchemy.orm import Session

from backend.db import UTCDateTime
from backend.models import Notification, NotificationStatus, SchedulerHeartbeat

MAX_DELIVERY_WAIT = timedelta(minutes=2)
HEARTBEAT = "scheduler"

ROOT = Path(__file__).resolve().parent.parent.parent


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at ``migrations/`` and at ``database_url``."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the only way the schema is created or changed)."""
    command.upgrade(alembic_config(database_url), revision)


def head_revision(database_url: str) -> str | None:
    """The newest migration in ``migrations/``."""
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


def holder() -> str:
    """Who writes a scheduler row: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


_NOW = bindparam("now", type_=UTCDateTime())
_BEAT = (
    update(SchedulerHeartbeat)
    .where(SchedulerHeartbeat.name == HEARTBEAT, SchedulerHeartbeat.beat_at < _NOW)
    .values(beat_at=_NOW, holder=bindparam("holder"))
)


def _rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE matched (its result is a cursor's)."""
    return cast("CursorResult[Any]", result).rowcount


def heartbeat(session: Session, now: datetime) -> int:
    """The last job of a tick: record that a sweep finished (``/readyz`` wants one younger than 2 minutes)."""
    moved = _rowcount(session.execute(_BEAT, {"now": now, "holder": holder()}))
    if not moved and session.get(SchedulerHeartbeat, HEARTBEAT) is None:
        session.add(SchedulerHeartbeat(name=HEARTBEAT, beat_at=now, holder=holder()))
    return 1


def readiness(
    engine: Engine | None, *, now: datetime, max_heartbeat_age: timedelta
) -> dict[str, dict[str, Any]]:
    """Check the database, the migration level and the scheduler heartbeat."""
    checks: dict[str, dict[str, Any]] = {}
    if engine is None:
        return {"database": {"ok": False, "detail": "not configured"}}
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
            beat = conn.execute(
                select(SchedulerHeartbeat.beat_at).order_by(SchedulerHeartbeat.beat_at.desc()).limit(1)
            ).scalar()
            oldest_due = conn.execute(
                select(func.min(Notification.next_attempt_at)).where(
                    Notification.status.in_(
                        (NotificationStatus.PENDING, NotificationStatus.CLAIMED, NotificationStatus.SENDING)
                    ),
                    Notification.next_attempt_at <= now,
                )
            ).scalar()
    except Exception as exc:  # noqa: BLE001  (any failure means "not ready")
        return {"database": {"ok": False, "detail": type(exc).__name__}}
    checks["database"] = {"ok": True}
    head = head_revision(engine.url.render_as_string(hide_password=False))
    checks["migrations"] = {"ok": current == head, "current": current, "head": head}
    if beat is not None and beat.tzinfo is None:
        from datetime import UTC

        beat = beat.replace(tzinfo=UTC)
    age = (now - beat).total_seconds() if beat is not None else None
    checks["scheduler"] = {
        "ok": age is not None and age <= max_heartbeat_age.total_seconds(),
        "last_heartbeat_age_seconds": age,
    }
    checks["deliveries"] = delivery_check(oldest_due, now)
    return checks


def delivery_check(oldest_due: datetime | None, now: datetime) -> dict[str, Any]:
    """Is the deliverer keeping up? Not if a due notice has waited more than two minutes."""
    if oldest_due is not None and oldest_due.tzinfo is None:  # SQLite through a plain Core read
        from datetime import UTC

        oldest_due = oldest_due.replace(tzinfo=UTC)
    waited = (now - oldest_due).total_seconds() if oldest_due is not None else 0.0
    check: dict[str, Any] = {
        "ok": waited <= MAX_DELIVERY_WAIT.total_seconds(),
        "oldest_due_wait_seconds": round(waited, 1),
    }
    if not check["ok"]:
        check["reason"] = f"a due notice has waited {int(waited)} s (more than 2 minutes): deliverer stuck?"
    return check
