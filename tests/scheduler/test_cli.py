"""``scheduler tick`` and ``vapid generate`` through the real command line runner."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from backend.models import Reminder, SchedulerHeartbeat
from backend.notify.vapid import PRIVATE_KEY_FILENAME
from tests.factories import build_world
from tests.scheduler.conftest import rows

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_tick_window_replays_through_the_scheduler_code_path(app, transport):
    with time_machine.travel(T0, tick=False):
        build_world(app)
    result = app.test_cli_runner().invoke(
        args=[
            "scheduler",
            "tick",
            "--now",
            "2026-11-23T12:00:00Z",
            "--until",
            "2026-11-24T12:00:00Z",
            "--every",
            "5",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "289 tick(s)" in result.output
    dose = [r for r in rows(app, Reminder) if r.kind == "dose" and r.sequence == 0]
    assert {r.status for r in dose if r.due_at <= datetime(2026, 11, 24, 12, 0, tzinfo=UTC)} <= {
        "unsubscribed",
        "dropped",
        "cancelled",
    }
    beat = rows(app, SchedulerHeartbeat, SchedulerHeartbeat.name == "scheduler")[0]
    assert beat.beat_at == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_tick_for_one_instant_twice_is_harmless(app, transport):
    with time_machine.travel(T0, tick=False):
        build_world(app)
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["scheduler", "tick", "--now", "2026-11-24T00:00:00+00:00"])
        assert result.exit_code == 0, result.output
    assert len({(r.participant_id, r.kind, r.local_date, r.sequence) for r in rows(app, Reminder)}) == len(
        rows(app, Reminder)
    )


def test_tick_refuses_a_naive_instant(app):
    result = app.test_cli_runner().invoke(args=["scheduler", "tick", "--now", "2026-11-24T00:00:00"])
    assert result.exit_code != 0
    assert "UTC offset" in result.output


def test_vapid_generate_writes_a_key_once_and_refuses_to_overwrite(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["vapid", "generate"])
    assert first.exit_code == 0, first.output
    key_file = app.config["SETTINGS"].instance_path / PRIVATE_KEY_FILENAME
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    public = first.output.split("public key: ")[1].strip()
    second = runner.invoke(args=["vapid", "generate"])
    assert second.exit_code != 0 and "--force" in second.output
    client = app.test_client()
    assert client.get("/api/v1/push/vapid-public-key").json == {"public_key": public}
    forced = runner.invoke(args=["vapid", "generate", "--force"])
    assert forced.exit_code == 0 and public not in forced.output


def test_scheduler_process_is_utc_coalescing_and_never_overlaps(app):
    from backend.scheduler.process import Service

    scheduler = Service(app).scheduler
    [job] = scheduler.get_jobs()
    assert str(scheduler.timezone) == "UTC"
    assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 30
    assert job.trigger.interval.total_seconds() == 60


def test_scheduler_run_beats_and_stops_cleanly_on_sigint(database_url, tmp_path):
    """The command ``make run`` starts: it ticks at once, writes a heartbeat, and exits 0 on Ctrl-C."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from sqlalchemy import create_engine, select

    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path / "instance")}
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "backend", "scheduler", "run"],
        env=env,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    engine = create_engine(database_url)
    try:
        deadline = time.monotonic() + 60
        beat = None
        while beat is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.3)
            with engine.connect() as conn:
                beat = conn.execute(
                    select(SchedulerHeartbeat.__table__.c.beat_at).where(
                        SchedulerHeartbeat.__table__.c.name == "scheduler"
                    )
                ).scalar()
        assert beat is not None, proc.stdout.read().decode() if proc.poll() is not None else "no heartbeat"
    finally:
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=30)[0].decode()
        engine.dispose()
    assert proc.returncode == 0, output
