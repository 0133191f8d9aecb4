"""Scheduler at scale: 100,000 participants in 30 time zones; the busiest minute; push throughput.

What it does:

1. creates a fresh database (a SQLite file in a temporary directory, or, with ``--pg-url``, a new
   PostgreSQL database ``dd_bench_<pid>`` on that server), migrates it, and bulk-inserts with
   SQLAlchemy Core: 30 sites (one per zone), ``--participants`` participants spread over 30 IANA
   zones with a 08:00 local dose reminder, their confirmed cycle 1 (today is a dosing day), one
   push subscription each, today's reminder rows (due instants from the domain's
   ``local_instant``) and today's processed-day markers, i.e. the steady state after planning;
2. finds the busiest minute (the UTC minute with the most due reminders: the zones sharing an
   offset), then measures as of that minute:
   - the due-reminder selection: the probe and the job's own ``SELECT ... LIMIT`` (median of 5);
   - one full ``run_all`` tick (every job, deliveries included), wall time and peak RSS;
   - the same for the next minute's tick under ``tracemalloc`` (peak traced Python memory);
3. push throughput against a local push service in a child process (it decrypts each payload and
   verifies VAPID like ``tests/support/push_endpoint.py``): the baseline is bare
   ``pywebpush.webpush`` calls in a loop; the product is the outbox path (claim, send with the
   bounded pool, record attempts). Both are reported per wall second and per CPU second of this
   process ("per core");
4. prints a table, writes JSON to ``bench/results/`` and drops the PostgreSQL database.

Run: ``.venv/bin/python bench/scheduler_scale.py [--participants 100000] [--pushes 400]
[--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

ZONES = [
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Toronto",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Atlantic/Azores",
    "Europe/London",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Africa/Cairo",
    "Europe/Helsinki",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
]
CHUNK = 10_000
TODAY = date(2026, 11, 24)


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def create_database(pg_url: str | None) -> tuple[str, Any]:
    """A fresh, migrated database URL and a cleanup function."""
    from backend.services import ops

    if pg_url is None:
        directory = Path(tempfile.mkdtemp(prefix="dd-bench-"))
        url = f"sqlite:///{directory / 'bench.sqlite3'}"
        ops.upgrade(url)
        return url, lambda: None
    base = make_url(pg_url)
    name = f"dd_bench_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    ops.upgrade(url)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def seed(url: str, participants: int, endpoint_origin: str, p256dh: str, auth: str, now: datetime) -> dict:
    """Bulk-insert the steady state after planning; returns counts and timings."""
    from backend.db import new_id
    from backend.domain.localtime import local_date, local_instant
    from backend.models import Cycle, Participant, PushSubscription, Reminder, Site

    engine = create_engine(url)
    started = time.perf_counter()
    site_ids = {zone: new_id() for zone in ZONES}
    reminder_at = wall_time(8, 0)
    with engine.begin() as conn:
        conn.execute(
            Site.__table__.insert(),
            [
                {
                    "id": sid,
                    "name": f"Site {i}",
                    "code": f"B{i:02d}",
                    "timezone": zone,
                    "alert_emails": [f"site{i}@example.org"],
                    "created_at": now,
                }
                for i, (zone, sid) in enumerate(site_ids.items())
            ],
        )
    due_per_minute: Counter[datetime] = Counter()
    for start in range(0, participants, CHUNK):
        people, cycles, subs, reminders = [], [], [], []
        for n in range(start, min(start + CHUNK, participants)):
            zone = ZONES[n % len(ZONES)]
            pid = new_id()
            today = local_date(now, zone)
            c1d1 = today - timedelta(days=3)
            people.append(
                {
                    "id": pid,
                    "site_id": site_ids[zone],
                    "study_id": f"{n:06d}",
                    "timezone": zone,
                    "language": "en" if n % 2 else "zh-CN",
                    "reminder_time": reminder_at,
                    "bp_reminder_time": wall_time(20, 0),
                    "status": "on_treatment",
                    "protocol_ref": "SKB264-ANLO@1",
                    "c1d1": c1d1,
                    "initial_dose_mg": 8.0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            cycles.append(
                {
                    "id": new_id(),
                    "participant_id": pid,
                    "number": 1,
                    "planned_start": c1d1,
                    "confirmed_start": c1d1,
                    "confirmed_by": "bench",
                    "confirmed_at": now,
                }
            )
            subs.append(
                {
                    "id": new_id(),
                    "endpoint": f"{endpoint_origin}/push/{pid}",
                    "p256dh": p256dh,
                    "auth": auth,
                    "participant_id": pid,
                    "created_at": now,
                }
            )
            for day in (today, today + timedelta(days=1)):
                first = local_instant(day, reminder_at, zone)
                followup = first + timedelta(hours=3)
                cutoff = local_instant(day + timedelta(days=1), reminder_at, zone) - timedelta(hours=12)
                reminders.append(
                    {
                        "id": new_id(),
                        "participant_id": pid,
                        "kind": "dose",
                        "local_date": day,
                        "sequence": 0,
                        "due_at": first,
                        "expires_at": followup,
                        "status": "pending",
                        "created_at": now,
                    }
                )
                reminders.append(
                    {
                        "id": new_id(),
                        "participant_id": pid,
                        "kind": "dose",
                        "local_date": day,
                        "sequence": 1,
                        "due_at": followup,
                        "expires_at": cutoff,
                        "status": "pending",
                        "created_at": now,
                    }
                )
                due_per_minute[first] += 1
                due_per_minute[followup] += 1
            for kind in ("plan", "missed_check", "cycle_check"):
                for day in (today, today + timedelta(days=1)):  # steady state: today's checks are done
                    reminders.append(
                        {
                            "id": new_id(),
                            "participant_id": pid,
                            "kind": kind,
                            "local_date": day,
                            "sequence": 0,
                            "due_at": now,
                            "expires_at": now,
                            "status": "done",
                            "created_at": now,
                        }
                    )
        with engine.begin() as conn:
            conn.execute(Participant.__table__.insert(), people)
            conn.execute(Cycle.__table__.insert(), cycles)
            conn.execute(PushSubscription.__table__.insert(), subs)
            conn.execute(Reminder.__table__.insert(), reminders)
    busiest = max((m for m in due_per_minute if m > now), key=lambda m: due_per_minute[m])
    with engine.begin() as conn:  # everything due before the busiest minute went out already
        conn.execute(
            Reminder.__table__.update()
            .where(Reminder.__table__.c.status == "pending", Reminder.__table__.c.due_at < busiest)
            .values(status="queued")
        )
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    engine.dispose()
    return {
        "seed_s": time.perf_counter() - started,
        "busiest_minute": busiest,
        "due_at_busiest_minute": due_per_minute[busiest],
    }


def endpoint_process(conn: Any, delay: float) -> None:
    """Child process: a local push service that decrypts and verifies every request."""
    from tests.support.push_endpoint import PushEndpoint

    with PushEndpoint(delay=delay) as endpoint:
        conn.send((endpoint.origin, endpoint.p256dh, endpoint.auth))
        conn.recv()  # block until told to stop
        conn.send(len(endpoint.received))


def measure_selection(app: Any, busiest: datetime) -> dict:
    """Median time of the probe and of the enqueue job's due-reminder SELECT at the busiest minute."""
    from backend.db import db
    from backend.scheduler.runner import _probe
    from backend.services import reminder_sending

    probe, select_due, rows = [], [], 0
    with app.app_context():
        for _ in range(5):
            started = time.perf_counter()
            _probe(busiest)
            probe.append(time.perf_counter() - started)
            with db.session_scope() as session:
                started = time.perf_counter()
                rows = len(session.execute(reminder_sending.due_reminders_query(busiest)).all())
                select_due.append(time.perf_counter() - started)
                session.rollback()
    return {
        "probe_s": statistics.median(probe),
        "due_select_s": statistics.median(select_due),
        "due_select_rows": rows,
    }


def measure_tick(app: Any, at: datetime, traced: bool) -> dict:
    """One full tick as of ``at``: wall time, CPU time, peak RSS (and traced peak when ``traced``)."""
    from backend.scheduler.runner import run_all

    if traced:
        tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    result = run_all(app, at)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    out = {
        "tick_s": wall,
        "tick_cpu_s": cpu,
        "counts": result.counts,
        "errors": result.errors,
        "peak_rss_mb": rss_mb(),
    }
    if traced:
        out["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return out


def baseline_push(keys: Any, origin: str, p256dh: str, auth: str, count: int) -> dict:
    """Bare pywebpush.webpush calls in a loop: the yardstick."""
    from py_vapid import Vapid02
    from pywebpush import webpush

    vapid = Vapid02.from_pem(keys.private_pem.encode("ascii"))  # parsed once: a strict baseline

    payload = json.dumps(
        {
            "kind": "dose_reminder",
            "id": "x" * 32,
            "title": "Time for today's diary entry",
            "body": "Open Dosing Diary to record today's dose.",
            "url": "/#today",
            "due_at": "2026-11-24T00:00:00Z",
        }
    )
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(count):
        webpush(
            {"endpoint": f"{origin}/push/base{n}", "keys": {"p256dh": p256dh, "auth": auth}},
            data=payload,
            vapid_private_key=vapid,
            vapid_claims={
                "sub": "mailto:ops@dosing-diary.example.org",
                "aud": origin,
                "exp": int(time.time()) + 3600,
            },
            ttl=3600,
            timeout=10,
        )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"messages": count, "wall_s": wall, "cpu_s": cpu, "per_s": count / wall, "per_cpu_s": count / cpu}


def product_push(app: Any, transport: Any, count: int, at: datetime) -> dict:
    """The outbox path: enqueue ``count`` messages, claim them, send with the bounded pool, record."""
    from backend.db import db
    from backend.models import PushSubscription
    from backend.services import outbox

    due = at + timedelta(hours=1)
    message = {
        "kind": "dose_reminder",
        "id": "bench",
        "title": "Time for today's diary entry",
        "body": "Open Dosing Diary to record today's dose.",
        "url": "/#today",
        "due_at": due.isoformat().replace("+00:00", "Z"),
    }
    with app.app_context():
        with db.session_scope() as session:
            subs = list(session.scalars(select(PushSubscription).limit(count)))
            for n, sub in enumerate(subs):
                envelope = {
                    "message": message,
                    "ttl_until": (due + timedelta(hours=3)).isoformat(),
                    "topic": f"bench-{n}",
                }
                outbox.enqueue(
                    session,
                    f"bench:{n}",
                    "webpush",
                    sub.participant_id or "",
                    envelope,
                    due,
                    None,
                    "normal",
                    sub.id,
                    now=due,
                )
        wall, cpu = time.perf_counter(), time.process_time()
        with db.session_scope() as session:
            claimed = outbox.claim(session, due, limit=count)
        sent = outbox.send_claimed(db.session_scope, transport, claimed, due)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "messages": sent,
        "claimed": len(claimed),
        "wall_s": wall,
        "cpu_s": cpu,
        "per_s": sent / wall,
        "per_cpu_s": sent / cpu,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--pushes", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None, help="parallel push senders (the bounded pool)")
    parser.add_argument("--pg-url", default=None, help="PostgreSQL server URL (a fresh database is created)")
    args = parser.parse_args()

    from backend.models import Reminder
    from backend.notify.endpoints import EndpointPolicy
    from backend.notify.vapid import generate_keys
    from backend.notify.webpush import WebPushSender
    from backend.services.outbox import Transport
    from tests.conftest import make_app

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=endpoint_process, args=(child, 0.0), daemon=True)
    server.start()
    origin, p256dh, auth = parent.recv()
    url, drop = create_database(args.pg_url)
    now = datetime.combine(TODAY, wall_time(0, 0), tzinfo=UTC) - timedelta(hours=14)
    try:
        seeded = seed(url, args.participants, origin, p256dh, auth, now)
        busiest = seeded["busiest_minute"]
        instance = Path(tempfile.mkdtemp(prefix="dd-bench-instance-"))
        app = make_app(url, instance)
        keys = generate_keys()
        transport = Transport(
            push=WebPushSender(
                keys,
                "mailto:ops@dosing-diary.example.org",
                timeout=10,
                endpoints=EndpointPolicy(allow_loopback=True),  # the bench's push service is local
            ),
            smtp=None,
        )
        transport.max_workers = args.workers or transport.max_workers
        app.extensions["delivery_transport"] = transport
        rss_before = rss_mb()
        selection = measure_selection(app, busiest)
        tick = measure_tick(app, busiest, traced=False)
        # The follow-ups of the busiest minute fall 3 h later: the same load, measured under
        # tracemalloc. Reminders of other zones due in between count as already handled.
        later = busiest + timedelta(hours=3)
        with create_engine(url).begin() as conn:
            table = Reminder.__table__
            conn.execute(
                table.update()
                .where(table.c.status == "pending", table.c.due_at < later)
                .values(status="queued")
            )
        traced = measure_tick(app, later, traced=True)
        base = baseline_push(keys, origin, p256dh, auth, args.pushes)
        ours = product_push(app, transport, args.pushes, busiest)
    finally:
        parent.send("stop")
        served = parent.recv()
        server.join(timeout=10)
        drop()
    cpus = os.cpu_count() or 1
    ratio_core = ours["per_cpu_s"] / base["per_cpu_s"]
    ratio_wall = ours["per_s"] / base["per_s"]
    report = {
        "database": "postgresql" if args.pg_url else "sqlite",
        "participants": args.participants,
        "zones": len(ZONES),
        "cpus": cpus,
        "seed": {**seeded, "busiest_minute": busiest.isoformat()},
        "rss_before_tick_mb": rss_before,
        "selection": selection,
        "tick": tick,
        "tick_traced": traced,
        "push_baseline": base,
        "push_product": ours,
        "push_ratio_per_core": ratio_core,
        "push_ratio_wall": ratio_wall,
        "requests_served": served,
        "targets": {
            "selection_under_1s": selection["due_select_s"] < 1.0,
            "delivery_per_core_at_least_70pct": ratio_core >= 0.7,
            "peak_memory_under_300mb": max(tick["peak_rss_mb"], traced["peak_rss_mb"]) < 300,
        },
    }
    rows = [
        ("participants / zones", f"{args.participants} / {len(ZONES)}"),
        ("bulk seed (Core)", f"{seeded['seed_s']:.1f} s"),
        ("busiest minute", f"{busiest.isoformat()} ({seeded['due_at_busiest_minute']} reminders due)"),
        ("probe query (median of 5)", f"{selection['probe_s'] * 1000:.1f} ms"),
        (
            "due-reminder SELECT (median)",
            f"{selection['due_select_s'] * 1000:.1f} ms "
            f"({selection['due_select_rows']} rows)   target < 1000 ms",
        ),
        (
            "tick at busiest minute",
            f"{tick['tick_s']:.2f} s wall, {tick['tick_cpu_s']:.2f} s CPU  {tick['counts']}",
        ),
        (
            "follow-ups +3 h (traced)",
            f"{traced['tick_s']:.2f} s, {traced['counts'].get('enqueue_due_reminders', 0)} queued, "
            f"tracemalloc peak {traced['traced_peak_mb']:.1f} MB",
        ),
        (
            "peak RSS (whole process)",
            f"{max(tick['peak_rss_mb'], traced['peak_rss_mb']):.0f} MB   target < 300 MB",
        ),
        ("push baseline (bare loop)", f"{base['per_s']:.0f}/s wall, {base['per_cpu_s']:.0f}/CPU-s"),
        (
            "push product (outbox)",
            f"{ours['per_s']:.0f}/s wall, {ours['per_cpu_s']:.0f}/CPU-s ({ours['messages']} sent)",
        ),
        ("product / baseline", f"{ratio_core:.0%} per core, {ratio_wall:.0%} wall   target >= 70 % per core"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"\nScheduler scale ({report['database']}, {cpus} CPUs)")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"scheduler_scale-{report['database']}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(f"  results written to {path.relative_to(ROOT)}")
    return 0 if all(report["targets"].values()) and not tick["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
