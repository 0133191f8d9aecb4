"""Request-to-push latency of urgent alerts, as in production, also during a large reminder minute.

    .venv/bin/python bench/alert_latency.py [--pg-url URL] [--patients 40] [--staff-devices 3]
        [--seconds 120] [--reminder-patients 1500] [--clients 8]

gunicorn (2 workers) + PostgreSQL + ``flask scheduler run`` + a local push service that decrypts
every message. ``--patients`` patients each post one report with 38.3 °C (an urgent alert) at a
random moment over ``--seconds``; every urgent alert goes to every subscribed staff phone
(``--staff-devices``). The ``--reminder-patients`` are subscribed patients whose dose and BP
reminders all fall in one minute inside the window (a large reminder minute: 2 pushes each).
Printed: p50 / p95 / max of (push arrival at a staff phone - the patient's request start), the
same for alerts raised during the reminder minute, missing pushes, and duplicates (must be 0).
Target: p95 <= 5 s and max <= 10 s. Exit status 0 when met.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.delivery_stack import TZ, Stack, percentile, seed  # noqa: E402


def move_reminders(stack, local) -> None:  # type: ignore[no-untyped-def]
    """Put every subscribed patient's dose and BP reminder at ``local`` (before the scheduler plans)."""
    import psycopg

    with psycopg.connect(stack.url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        conn.execute(
            "UPDATE participants SET reminder_time = %s, bp_reminder_time = %s "
            "WHERE id IN (SELECT participant_id FROM push_subscriptions WHERE participant_id IS NOT NULL)",
            (local, local),
        )


def reminder_minute(lead_seconds: float) -> tuple[datetime, object]:
    """The first whole local minute at least ``lead_seconds`` from now (UTC instant, local time)."""
    start = datetime.now(UTC) + timedelta(seconds=lead_seconds)
    start = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return start, start.astimezone(ZoneInfo(TZ)).time()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--patients", type=int, default=40)
    parser.add_argument("--staff-devices", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--reminder-patients", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args(argv)

    stack = Stack(args.pg_url)
    try:
        print(f"seeding {args.patients} + {args.reminder_patients} patients ...", flush=True)
        seeded_at = time.monotonic()
        world = seed(
            stack.env,
            stack.push,
            patients=args.patients,
            staff_devices=args.staff_devices,
            reminder_patients=args.reminder_patients,
            reminder_at=time_of_day(0, 0),
        )
        # The reminder minute is placed ~30 % into the load window, now that seeding is done.
        due, local = reminder_minute(30 + 0.3 * args.seconds)
        move_reminders(stack, local)
        print(
            f"seeded in {time.monotonic() - seeded_at:.0f} s; reminder minute {due.isoformat()}", flush=True
        )
        stack.start_gunicorn()
        stack.start_scheduler()  # returns after its first tick: every participant's reminders planned
        begin = time.time()
        moments = sorted(random.uniform(0, args.seconds) for _ in world.tokens)  # noqa: S311
        sent: dict[str, float] = {}
        answered: list[float] = []
        failures: list[int] = []
        lock = threading.Lock()
        queue = list(zip(moments, world.tokens, strict=True))

        def client(_: int) -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    moment, token = queue.pop(0)
                delay = begin + moment - time.time()
                if delay > 0:
                    time.sleep(delay)
                status, body, started = stack.fever(token)
                with lock:
                    answered.append(time.time() - started)
                    if status == 201 and body and body.get("alerts"):
                        sent[body["alerts"][0]["id"]] = started
                    else:
                        failures.append(status)

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        expected = len(sent) * len(world.staff_paths)
        reminders = 2 * args.reminder_patients
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            alerts_in = sum(
                1 for _, r in stack.push.arrivals if r.payload and r.payload.get("kind") == "alert"
            )
            reminders_in = sum(
                1 for _, r in stack.push.arrivals if r.payload and r.payload.get("kind") != "alert"
            )
            if alerts_in >= expected and reminders_in >= reminders:
                break
            time.sleep(0.5)
        return report(stack, world, sent, failures, due, args, answered)
    finally:
        stack.stop()


def report(stack, world, sent, failures, due, args, answered) -> int:  # type: ignore[no-untyped-def]
    latencies, busy = [], []
    first: dict[tuple[str, str], float] = {}
    for arrived, r in stack.push.arrivals:
        if r.payload and r.payload.get("kind") == "alert" and r.payload["id"] in sent:
            first.setdefault((r.path, r.payload["id"]), arrived)
    reminder_arrivals = [a for a, r in stack.push.arrivals if r.payload and r.payload.get("kind") != "alert"]
    # Busy: raised while the reminder minute was being queued or delivered.
    busy_from, busy_to = due.timestamp(), max(reminder_arrivals, default=due.timestamp())
    for (_path, alert_id), arrived in first.items():
        latency = arrived - sent[alert_id]
        latencies.append(latency)
        if busy_from <= sent[alert_id] <= busy_to:
            busy.append(latency)
    expected = len(sent) * len(world.staff_paths)
    result = {
        "patients": args.patients,
        "staff_devices": len(world.staff_paths),
        "alerts": len(sent),
        "request_failures": failures,
        "request_p50_s": round(percentile(answered, 0.5), 3) if answered else None,
        "request_max_s": round(max(answered), 3) if answered else None,
        "pushes_expected": expected,
        "pushes_received": len(first),
        "missing": expected - len(first),
        "duplicates": stack.push.duplicates(),
        "p50_s": round(percentile(latencies, 0.5), 3) if latencies else None,
        "p95_s": round(percentile(latencies, 0.95), 3) if latencies else None,
        "max_s": round(max(latencies), 3) if latencies else None,
        "while_reminders_were_delivered": {
            "pushes": len(busy),
            "p95_s": round(percentile(busy, 0.95), 3) if busy else None,
            "max_s": round(max(busy), 3) if busy else None,
        },
        "reminders_expected": 2 * args.reminder_patients,
        "reminders_received": len(reminder_arrivals),
        "reminder_minute_drained_s": round(max(reminder_arrivals) - due.timestamp(), 1)
        if reminder_arrivals
        else None,
    }
    print(json.dumps(result, indent=2))
    ok = (
        result["missing"] == 0
        and result["duplicates"] == 0
        and latencies
        and result["p95_s"] <= 5.0
        and result["max_s"] <= 10.0
    )
    print("target met" if ok else "target NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
