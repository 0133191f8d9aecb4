"""Chaos run: kill -9 and a PostgreSQL restart under a bounded write load; nothing lost, nothing doubled.

    .venv/bin/python bench/chaos.py [--short] [--pg-stop-seconds 3] [--pg-url URL]

gunicorn (2 workers) + PostgreSQL + two ``flask scheduler run`` + a local push service that
decrypts and an SMTP sink. Clients write BP readings (each with its own client_id, retried with
the same id after an error or a 503, as the PWA's outbox does) and some patients report a fever
(an urgent alert to every staff phone and the site's address). A reminder minute falls inside the
run. Faults, in order: kill -9 of a gunicorn worker; kill -9 of a scheduler while it delivers the
reminder minute (restarted); kill -9 of the gunicorn master (restarted, as a supervisor would);
PostgreSQL stopped for ``--pg-stop-seconds`` during a delivery (0: skipped; it disturbs every
other user of the server, so run it when nobody else is testing).

Printed: acknowledged writes, lost (acknowledged but not in the database: must be 0), duplicate
rows (0), notifications sent twice to the services (at most the in-flight ones: the attempts
left ``unknown`` by a killed sender), shown twice to a person (a second arrival that the
service worker's tag or the e-mail's Message-ID would not collapse: 0), and urgent latency.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from datetime import time as time_of_day
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.alert_latency import move_reminders, reminder_minute  # noqa: E402
from bench.delivery_stack import Stack, percentile, seed  # noqa: E402

# What must be unique: one row per client write, one open alert per rule and patient, one message per key.
DUPLICATE_KEYS = (
    ("bp_readings", "participant_id, client_id"),
    ("symptom_reports", "participant_id, client_id"),
    ("(SELECT * FROM alerts WHERE status = 'open') a", "participant_id, rule_id"),
    ("notifications", "idempotency_key"),
)
PG_CLUSTER = sorted(os.listdir("/etc/postgresql"))[-1] if os.path.isdir("/etc/postgresql") else None


class Load:
    """Writers that retry each write (same client_id) until acknowledged or the run ends."""

    def __init__(self, stack: Stack, tokens: list[str], fever_tokens: list[str], seconds: float) -> None:
        self.stack, self.tokens, self.seconds = stack, tokens, seconds
        self.fevers = {t: random.uniform(5, seconds - 10) for t in fever_tokens}  # noqa: S311
        self.acked: list[tuple[str, str]] = []  # (token, client_id)
        self.statuses: Counter = Counter()
        self.alert_sent: dict[str, float] = {}
        self.fevers_acked = 0
        self.lock = threading.Lock()
        self.stop_at = time.monotonic() + seconds

    def _until_acked(self, method: str, path: str, body: dict, token: str):  # type: ignore[no-untyped-def]
        started = time.time()
        while time.monotonic() < self.stop_at + 30:
            try:
                status, data = self.stack.request(method, path, body, token, timeout=10)
            except OSError:
                status, data = "conn", None
            with self.lock:
                self.statuses[status] += 1
            if status in (200, 201):
                return data, started
            time.sleep(0.5)
        return None, started

    def writer(self, index: int) -> None:
        token = self.tokens[index % len(self.tokens)]
        while time.monotonic() < self.stop_at:
            client_id = str(uuid.uuid4())
            body = {
                "client_id": client_id,
                "measured_at": datetime.now(UTC).isoformat(),
                "systolic": random.randint(110, 130),  # noqa: S311
                "diastolic": random.randint(70, 84),  # noqa: S311
            }
            data, _ = self._until_acked("POST", "/api/v1/me/bp-readings", body, token)
            if data is not None:
                with self.lock:
                    self.acked.append((token, client_id))

    def fever(self, token: str) -> None:
        time.sleep(max(0.0, self.fevers[token] - (self.seconds - (self.stop_at - time.monotonic()))))
        body = {
            "client_id": str(uuid.uuid4()),
            "answers": {"fever_chills_presence": 1},
            "temperature_c": 38.3,
        }
        data, started = self._until_acked("POST", "/api/v1/me/symptom-reports", body, token)
        with self.lock:
            self.fevers_acked += data is not None
        if data and data.get("alerts"):
            with self.lock:
                self.alert_sent[data["alerts"][0]["id"]] = started


def pg(action: str) -> None:
    subprocess.run(  # noqa: S603
        [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            PG_CLUSTER,
            "main",
            action,
            *(["-m", "fast"] if action == "stop" else []),
        ],
        check=True,
        capture_output=True,
    )


def faults(stack: Stack, args, due: datetime, log: list[str]) -> None:  # type: ignore[no-untyped-def]
    """The fault schedule, relative to the start of the load and to the reminder minute."""
    begin = time.monotonic()

    def at(seconds: float) -> None:
        time.sleep(max(0.0, begin + seconds - time.monotonic()))

    at(args.seconds * 0.15)
    worker = random.choice(stack.gunicorn_workers())  # noqa: S311
    os.kill(worker, signal.SIGKILL)
    log.append(f"{time.monotonic() - begin:5.1f} s kill -9 gunicorn worker {worker}")
    # The reminder minute: once messages are in flight (rows 'sending'), kill -9 every scheduler
    # (whichever was sending dies mid-delivery), then restart them.
    time.sleep(max(0.0, due.timestamp() - time.time()))
    watch_until = time.monotonic() + 90
    while time.monotonic() < watch_until:
        if stack.scalar("SELECT count(*) FROM notifications WHERE status = 'sending'"):
            break
        time.sleep(0.02)
    victims = list(stack.schedulers)
    for victim in victims:
        victim.kill()
    for victim in victims:
        victim.wait()
        stack.schedulers.remove(victim)
    pids = ", ".join(str(v.pid) for v in victims)
    log.append(f"{time.monotonic() - begin:5.1f} s kill -9 schedulers {pids} mid-delivery; restarting")
    stack.start_scheduler(wait=False)
    stack.start_scheduler(wait=False)
    at(max(args.seconds * 0.55, time.monotonic() - begin + 5))
    assert stack.gunicorn is not None
    os.kill(stack.gunicorn.pid, signal.SIGKILL)
    stack.gunicorn.wait()
    log.append(f"{time.monotonic() - begin:5.1f} s kill -9 gunicorn master {stack.gunicorn.pid}; restarting")
    time.sleep(1.0)
    stack.start_gunicorn()
    if args.pg_stop_seconds > 0 and PG_CLUSTER:
        at(max(args.seconds * 0.75, time.monotonic() - begin + 8))
        pg("stop")
        log.append(f"{time.monotonic() - begin:5.1f} s PostgreSQL stopped")
        time.sleep(args.pg_stop_seconds)
        pg("start")
        log.append(f"{time.monotonic() - begin:5.1f} s PostgreSQL started")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--short", action="store_true", help="bounded run for CI (about two minutes)")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--patients", type=int, default=None)
    parser.add_argument("--fevers", type=int, default=None)
    parser.add_argument("--reminder-patients", type=int, default=None)
    parser.add_argument("--clients", type=int, default=None)
    parser.add_argument("--pg-stop-seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    defaults = (120, 12, 8, 150, 6) if args.short else (180, 50, 20, 500, 8)
    for name, value in zip(
        ("seconds", "patients", "fevers", "reminder_patients", "clients"), defaults, strict=True
    ):
        if getattr(args, name) is None:
            setattr(args, name, value)
    stack = Stack(args.pg_url)
    log: list[str] = []
    try:
        world = seed(
            stack.env,
            stack.push,
            patients=args.patients + args.fevers,
            staff_devices=2,
            reminder_patients=args.reminder_patients,
            reminder_at=time_of_day(0, 0),
        )
        due, local = reminder_minute(20 + 0.1 * args.seconds)
        move_reminders(stack, local)
        stack.start_gunicorn()
        stack.start_scheduler()
        stack.start_scheduler(wait=False)
        load = Load(stack, world.tokens[: args.patients], world.tokens[args.patients :], args.seconds)
        threads = [threading.Thread(target=load.writer, args=(i,), daemon=True) for i in range(args.clients)]
        threads += [threading.Thread(target=load.fever, args=(t,), daemon=True) for t in load.fevers]
        for t in threads:
            t.start()
        chaos = threading.Thread(target=faults, args=(stack, args, due, log), daemon=True)
        chaos.start()
        for t in threads:
            t.join()
        chaos.join()
        settle(stack, load, world, args)
        return report(stack, load, world, log, args)
    finally:
        if args.pg_stop_seconds > 0 and PG_CLUSTER:
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", PG_CLUSTER, "main", "start"],
                capture_output=True,
            )  # noqa: S603, S607
        stack.stop()


def settle(stack: Stack, load: Load, world, args) -> None:  # type: ignore[no-untyped-def]
    """Wait for the outbox to drain (leases of killed senders end after 30 s)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        left = stack.scalar(
            "SELECT count(*) FROM notifications WHERE status IN ('pending','claimed','sending')"
        )
        if left == 0:
            return
        time.sleep(1.0)


def report(stack: Stack, load: Load, world, log: list[str], args) -> int:  # type: ignore[no-untyped-def]
    import psycopg

    with psycopg.connect(stack.url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        stored = {row[0] for row in conn.execute("SELECT client_id FROM bp_readings")}
        duplicate_rows = sum(
            conn.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {table} GROUP BY {key} HAVING count(*) > 1) d"
            ).fetchone()[0]
            for table, key in DUPLICATE_KEYS
        )
        unknown = conn.execute("SELECT count(*) FROM delivery_attempts WHERE outcome = 'unknown'").fetchone()[
            0
        ]
        outbox = dict(conn.execute("SELECT status, count(*) FROM notifications GROUP BY status").fetchall())
    lost = [cid for _, cid in load.acked if cid not in stored]
    push_twice = stack.push.duplicates()
    mail_ids = Counter(m.message_id for m in stack.smtp.messages)
    mail_twice = sum(n - 1 for n in mail_ids.values() if n > 1)
    # A second arrival is shown as a second notification only if its tag (kind:id) differs from
    # the first arrival of the same message: never, by construction; counted, not assumed.
    tags: dict[tuple[str, str], set[str]] = {}
    for _, r in stack.push.arrivals:
        if r.payload:
            tags.setdefault((r.path, r.payload["id"]), set()).add(f"{r.payload['kind']}:{r.payload['id']}")
    shown_twice = sum(len(t) - 1 for t in tags.values())
    first: dict[tuple[str, str], float] = {}
    for arrived, r in stack.push.arrivals:
        if r.payload and r.payload.get("kind") == "alert" and r.payload["id"] in load.alert_sent:
            first.setdefault((r.path, r.payload["id"]), arrived)
    latencies = [arrived - load.alert_sent[aid] for (_, aid), arrived in first.items()]
    result = {
        "faults": log,
        "acknowledged_writes": len(load.acked),
        "answers": {str(k): v for k, v in load.statuses.items()},
        "lost": len(lost),
        "duplicate_rows": duplicate_rows,
        "outbox": outbox,
        "in_flight_at_a_crash": unknown,
        "sent_twice": {"push": push_twice, "email": mail_twice},
        "shown_twice": shown_twice,
        "fever_reports_acknowledged": load.fevers_acked,
        "urgent_alerts_timed": len(load.alert_sent),  # a retried report's answer may not name its alert
        "urgent_pushes": f"{len(first)} of {len(load.alert_sent) * len(world.staff_paths)}",
        "urgent_latency_s": {
            "p50": round(percentile(latencies, 0.5), 2) if latencies else None,
            "p95": round(percentile(latencies, 0.95), 2) if latencies else None,
            "max": round(max(latencies), 2) if latencies else None,
        },
        "reminders_received": sum(
            1 for _, r in stack.push.arrivals if r.payload and r.payload["kind"] != "alert"
        ),
        "reminders_expected": 2 * args.reminder_patients,
    }
    print(json.dumps(result, indent=2))
    ok = (
        result["lost"] == 0
        and duplicate_rows == 0
        and shown_twice == 0
        and push_twice + mail_twice <= unknown
        and len(first) == len(load.alert_sent) * len(world.staff_paths)
        and result["reminders_received"] >= result["reminders_expected"]
    )
    print("chaos: OK" if ok else "chaos: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
