"""Load test of the diary's hot path under gunicorn + PostgreSQL, against a bare-Flask baseline.

What it does (see bench/README.md):

1. creates a fresh PostgreSQL database (``dd_bench_<pid>``) on the server of ``--pg-url``,
   migrates it, and seeds ``--participants`` participants with device tokens through the
   services (the same code the API uses);
2. starts the product under ``gunicorn -w 2`` and, on another port, a baseline: a bare Flask app
   (``baseline_app`` below) with one endpoint that inserts one row with SQLAlchemy Core, also
   under ``gunicorn -w 2``, on the same database server;
3. drives ``PUT /api/v1/me/doses/{date}``, ``GET /api/v1/me/today`` and the baseline at each
   concurrency level (keep-alive ``http.client`` connections, one per client thread, loopback
   only), each run bounded by a request count and a time limit;
4. prints requests/s, p50/p99 latency and the ratio to the baseline's throughput at the same
   concurrency, writes the numbers as JSON to ``bench/results/``, then stops the servers and
   drops the database.

Every PUT changes the entry (the note alternates, with a reason for change), so each one is a
real write with an audit event: the expensive path, not the idempotent no-op.

Run: ``.venv/bin/python bench/diary_load.py [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]``
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TZ = "Asia/Shanghai"


# --- the baseline ----------------------------------------------------------------------------


def baseline_app():  # type: ignore[no-untyped-def]
    """A bare Flask app: ``PUT /insert/<key>`` inserts one row with SQLAlchemy Core (gunicorn target)."""
    from flask import Flask, jsonify, request
    from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, create_engine

    app = Flask("baseline")
    engine = create_engine(os.environ["DATABASE_URL"], pool_size=10, max_overflow=20, pool_pre_ping=True)
    metadata = MetaData()
    rows = Table(
        "bench_baseline",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("key", String(64)),
        Column("body", Text),
        Column("created_at", DateTime(timezone=True)),
    )

    @app.put("/insert/<key>")
    def insert(key: str):  # type: ignore[no-untyped-def]
        body = request.get_json()
        with engine.begin() as conn:
            new_id = conn.execute(
                rows.insert()
                .values(key=key, body=json.dumps(body), created_at=datetime.now(UTC))
                .returning(rows.c.id)
            ).scalar_one()
        return jsonify({"id": new_id}), 201

    return app


def create_baseline_table(url: str) -> None:
    """The baseline's table (created once here, not by the workers)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE bench_baseline (id serial PRIMARY KEY, key varchar(64), body text, "
                "created_at timestamptz)"
            )
        )
    engine.dispose()


# --- database and seed -----------------------------------------------------------------------


def create_database(base_url: str) -> tuple[str, str]:
    """Create and migrate a fresh database; returns (its URL, its name)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from backend.services import ops

    base = make_url(base_url)
    name = f"dd_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    ops.upgrade(url)
    return url, name


def drop_database(base_url: str, name: str) -> None:
    """Drop the bench database."""
    from sqlalchemy import create_engine, text

    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def seed(env: dict[str, str], participants: int) -> list[str]:
    """A site, a coordinator and ``participants`` patients on cycle 1 day 4; returns device tokens."""
    from datetime import time as wall_time

    from backend import clock, create_app
    from backend.db import db
    from backend.domain.localtime import local_date
    from backend.services import activation, sites
    from backend.services import participants as enrolment
    from backend.services.actors import Actor
    from backend.services.auth import staff_actor

    app = create_app({"ENV": env})
    pepper = app.config["SETTINGS"].token_pepper
    admin = Actor(kind="system", id="bench", label="bench", role="admin")
    tokens = []
    with app.test_request_context():
        now = clock.now()
        site = sites.create_site(
            db.session, admin, name="Bench", code="BENCH", timezone=TZ, alert_emails=[], now=now
        )
        user = sites.create_staff(
            db.session,
            admin,
            email="bench@example.org",
            name="bench",
            role="coordinator",
            site_id=site.id,
            password=secrets.token_urlsafe(16),
            now=now,
        )
        coordinator = staff_actor(user)
        c1d1 = local_date(now, TZ) - timedelta(days=3)
        for n in range(participants):
            p = enrolment.enrol(
                db.session,
                coordinator,
                study_id=f"B-{n:04d}",
                site_id=site.id,
                timezone=TZ,
                c1d1=c1d1,
                reminder_time=wall_time(8, 0),
                now=now,
            )
            code, _ = activation.issue_code(db.session, coordinator, p.id, pepper=pepper, now=now)
            token, _, _ = activation.activate(
                db.session, code, label="bench", user_agent="bench", pepper=pepper, now=now
            )
            tokens.append(token)
        db.commit_request()
    from backend.db import db as database

    database.engine.dispose()
    return tokens


# --- servers ---------------------------------------------------------------------------------


def start_gunicorn(target: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start ``gunicorn -w 2`` on loopback and wait until it answers."""
    handle = log.open("w")
    proc = subprocess.Popen(  # noqa: S603  (fixed argv, our own venv's gunicorn)
        [GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT), target],
        env={**os.environ, **env},
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn {target} exited; see {log}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"gunicorn {target} did not start; see {log}")


def stop(proc: subprocess.Popen) -> None:
    """Stop one server we started."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


# --- load ------------------------------------------------------------------------------------


@dataclass
class Result:
    """One scenario at one concurrency level."""

    scenario: str
    clients: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    ratio_to_baseline: float | None = None


def drive(port: int, clients: int, max_requests: int, max_seconds: float, make_request) -> Result:  # type: ignore[no-untyped-def]
    """Run ``clients`` threads, each with a keep-alive connection, until the budget is used up."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    issued = 0
    start_gate = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(index: int) -> None:
        nonlocal issued, errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        bad = 0
        sequence = 0
        start_gate.wait()
        while True:
            with lock:
                if issued >= max_requests or time.monotonic() >= stop_at[0]:
                    break
                issued += 1
            method, path, body, headers = make_request(index, sequence)
            sequence += 1
            began = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            mine.append(time.perf_counter() - began)
            bad += not ok
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    stop_at[0] = began + max_seconds
    start_gate.wait()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - began
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
    return Result(
        scenario="",
        clients=clients,
        requests=len(ordered),
        errors=errors,
        seconds=round(seconds, 2),
        rps=round(len(ordered) / seconds, 1),
        p50_ms=round(statistics.median(ordered) * 1000, 1) if ordered else 0.0,
        p99_ms=round(p99 * 1000, 1),
    )


def scenarios(tokens: list[str], dates: list[str]):  # type: ignore[no-untyped-def]
    """Request makers for each scenario: (method, path, body, headers) per client and sequence."""

    def auth(index: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[index % len(tokens)]}", "Content-Type": "application/json"}

    def put_dose(index: int, sequence: int):  # type: ignore[no-untyped-def]
        day = dates[(index // len(tokens) + sequence) % len(dates)]
        body = {"taken": True, "note": f"bench {sequence % 2}", "reason_for_change": "bench toggles the note"}
        return "PUT", f"/api/v1/me/doses/{day}", json.dumps(body), auth(index)

    def today(index: int, sequence: int):  # type: ignore[no-untyped-def]
        return "GET", "/api/v1/me/today", None, auth(index)

    def baseline(index: int, sequence: int):  # type: ignore[no-untyped-def]
        body = {"taken": True, "note": f"bench {sequence % 2}"}
        return "PUT", f"/insert/{index}", json.dumps(body), {"Content-Type": "application/json"}

    return {"baseline": baseline, "put_dose": put_dose, "get_today": today}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--clients", default="8,32,128")
    parser.add_argument("--requests", type=int, default=3000, help="per scenario and level")
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit per scenario and level")
    parser.add_argument("--port", type=int, default=18431)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    from backend.domain.localtime import local_date

    url, name = create_database(args.pg_url)
    workdir = Path(tempfile.mkdtemp(prefix="dd-bench-"))
    env = {
        "DATABASE_URL": url,
        "TOKEN_PEPPER": secrets.token_urlsafe(48),
        "RATELIMIT_ENABLED": "0",
        "INSTANCE_PATH": str(workdir / "instance"),
    }
    servers: list[subprocess.Popen] = []
    try:
        print(f"seeding {args.participants} participants in {name} ...", flush=True)
        tokens = seed(env, args.participants)
        create_baseline_table(url)
        servers.append(start_gunicorn("backend.wsgi:app", args.port, env, workdir / "app.log"))
        servers.append(
            start_gunicorn("bench.diary_load:baseline_app()", args.port + 1, env, workdir / "baseline.log")
        )
        today = local_date(datetime.now(UTC), TZ)
        dates = [(today - timedelta(days=n)).isoformat() for n in range(3)]  # today and two days back
        makers = scenarios(tokens, dates)
        results: list[Result] = []
        for clients in [int(c) for c in args.clients.split(",")]:
            base_rps = None
            for scenario, maker in makers.items():
                port = args.port + 1 if scenario == "baseline" else args.port
                result = drive(port, clients, args.requests, args.seconds, maker)
                result.scenario = scenario
                if scenario == "baseline":
                    base_rps = result.rps
                result.ratio_to_baseline = round(result.rps / base_rps, 2) if base_rps else None
                results.append(result)
                print(
                    f"  {scenario:<10} {clients:>4} clients: {result.rps:>8.1f} req/s  "
                    f"p50 {result.p50_ms:>6.1f} ms  p99 {result.p99_ms:>7.1f} ms  errors {result.errors}",
                    flush=True,
                )
        print()
        print("| scenario | clients | requests | errors | req/s | p50 ms | p99 ms | vs baseline |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for r in results:
            print(
                f"| {r.scenario} | {r.clients} | {r.requests} | {r.errors} | {r.rps} | {r.p50_ms} | "
                f"{r.p99_ms} | {r.ratio_to_baseline if r.ratio_to_baseline is not None else '-'} |"
            )
        at32 = [r for r in results if r.clients == 32 and r.scenario != "baseline"]
        met = bool(at32) and all(
            r.ratio_to_baseline is not None and r.ratio_to_baseline >= 0.5 and r.p99_ms < 100 for r in at32
        )
        print(f"\ntarget at 32 clients (>= 50 % of baseline, p99 < 100 ms): {'met' if met else 'MISSED'}")
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = RESULTS / f"diary_load-{stamp}.json"
        out.write_text(
            json.dumps(
                {
                    "when": stamp,
                    "participants": args.participants,
                    "cpus": os.cpu_count(),
                    "target_met_at_32": met,
                    "results": [asdict(r) for r in results],
                },
                indent=2,
            ),
            encoding="utf-8",
        )
        print(f"results written to {out.relative_to(ROOT)}")
        return 0 if met else 1
    finally:
        for proc in servers:
            stop(proc)
        drop_database(args.pg_url, name)


if __name__ == "__main__":
    sys.exit(main())
