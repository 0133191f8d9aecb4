"""Out-of-process attack run: gunicorn (2 workers) on PostgreSQL with Redis rate limits.

What it does (issue 12; see bench/README.md):

1. creates a fresh PostgreSQL database (``dd_bench_<pid>``, dropped at the end), migrates it and
   seeds two sites with staff of every role and three participants (``tests.factories``), plus an
   alert for p1 made through the API;
2. starts ``gunicorn -w 2 backend.wsgi:app`` with ``RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379``
   (the production configuration; a key prefix of its own);
3. scoping: every operation of the OpenAPI document x every actor (anonymous, admin, monitor,
   both sites' coordinator and investigator, two patients' devices);
4. the malformed-input corpus on every body field, query and path parameter of every operation,
   plus whole hostile bodies and an extreme ``X-Device-Time``;
5. concurrency: identical requests at once (activation code, acknowledge, hold, fever report,
   duplicate site/staff/enrolment);
6. schemathesis over HTTP on every operation with the coordinator's and the device's token, all
   checks (a check failure other than a server error is reported by name);

then prints a summary and exits non-zero unless there were 0 server errors, 0 leaks, 0 races won.
``--quick`` (used by ``.ci/run``) keeps schemathesis to a few examples per operation.

Run: ``.venv/bin/python bench/attack.py [--quick] [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]``
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.attack_cases import Tally, Target, headers_for, malformed, scoping  # noqa: E402
from bench.attack_fuzz import fuzz  # noqa: E402
from bench.attack_races import races  # noqa: E402
from bench.diary_load import GUNICORN, create_database, drop_database, stop  # noqa: E402


def seed(env: dict[str, str]) -> dict[str, str]:
    """Two sites, staff of every role, p1/p2 at site A and p3 at B; their tokens and ids."""
    os.environ.update(env)
    from backend import create_app
    from backend.db import db
    from tests.factories import build_world

    app = create_app({"ENV": env})
    world = build_world(app)
    db.engine.dispose()
    return {
        **{f"token:{k}": v for k, v in world.tokens.items()},
        **{f"id:{k}": v for k, v in world.participants.items()},
        "id:site_id": world.sites["a"],
        "id:user_id": world.staff["coordinator_a"],
    }


def make_target(base: str, seeded: dict[str, str]) -> Target:
    tokens = {k[6:]: v for k, v in seeded.items() if k.startswith("token:")}
    ids = {k[3:]: v for k, v in seeded.items() if k.startswith("id:")}
    ids.update(participant_id=ids["p1"], date=time.strftime("%Y-%m-%d"), number="1", domain="ec", fmt="csv")
    spec = requests.get(f"{base}/api/openapi.json", timeout=60).json()
    target = Target(base, tokens, ids, spec, secrets_of_a=(ids["p1"], "01-001"))
    reading = {"client_id": str(uuid.uuid4()), "measured_at": _now_iso(), "systolic": 182, "diastolic": 112}
    requests.post(
        f"{base}/api/v1/me/bp-readings", json=reading, headers=headers_for(target, "p1"), timeout=60
    )
    alerts = requests.get(
        f"{base}/api/v1/alerts", headers=headers_for(target, "coordinator_a"), timeout=60
    ).json()
    ids["alert_id"] = alerts[0]["id"] if alerts else secrets.token_hex(16)
    return target


def start_gunicorn(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """``gunicorn -w 2`` on loopback; waits (up to 3 minutes on a loaded machine) until it answers."""
    proc = subprocess.Popen(  # noqa: S603  (fixed argv, our own venv's gunicorn)
        [GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT), "backend.wsgi:app"],
        env={**os.environ, **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.5)
    stop(proc)
    raise RuntimeError(f"gunicorn did not start; see {log}")


def start_scheduler(env: dict[str, str], log: Path) -> subprocess.Popen:
    """The scheduler as its own process (as in production): /readyz then answers 200."""
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.Popen(  # noqa: S603  (fixed argv, our own venv)
        [flask, "--app", "backend", "scheduler", "run"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def summary(
    phases: dict[str, Tally], raced: dict[str, tuple[int, int]], checks: dict[str, int], seconds: float
) -> int:
    print(f"\n== attack run: {sum(t.requests for t in phases.values())} requests in {seconds:.0f} s")
    for name, tally in phases.items():
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items()))
        print(
            f"{name:>12}: {tally.requests:6d} requests, {len(tally.server_errors)} server errors, "
            f"{len(tally.leaks)} leaks  [{statuses}]"
        )
    errors = [e for t in phases.values() for e in t.server_errors]
    leaks = [e for t in phases.values() for e in t.leaks]
    won = {case: got for case, (got, allowed) in raced.items() if got > allowed}
    # Each case must store exactly one: none means the case did not exercise the race at all.
    idle = {case for case, (got, _allowed) in raced.items() if got == 0}
    for case, (got, allowed) in raced.items():
        mark = "  <-- WON" if case in won else "  <-- NOT EXERCISED" if case in idle else ""
        print(f"  race  {case}: {got} (exactly {allowed} expected){mark}")
    for check, where in sorted(checks.items()):
        print(f"  schemathesis {check}: {len(where)} operation x token pairs, e.g. {'; '.join(where[:6])}")
    for line in errors[:25] + leaks[:25]:
        print("  !", line)
    print(
        f"server errors: {len(errors)}   leaks: {len(leaks)}   races won: {len(won)}"
        f"   idle race cases: {len(idle)}"
    )
    return 1 if errors or leaks or won or idle else 0


def forget_rate_limits(redis_url: str, prefix: str) -> None:
    """Delete this run's rate-limit counters from Redis (keys carrying the run's own prefix)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--quick", action="store_true", help="CI mode: few schemathesis examples")
    args = parser.parse_args()
    started = time.monotonic()
    url, name = create_database(args.pg_url)
    instance = Path(tempfile.mkdtemp(prefix="dd-attack-"))
    env = {
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(instance),
        "TOKEN_PEPPER": secrets.token_urlsafe(48),
        "RATELIMIT_STORAGE_URI": args.redis,
        "RATELIMIT_KEY_PREFIX": f"dd-attack-{secrets.token_hex(4)}",
    }
    servers = []
    try:
        seeded = seed(env)
        port = _port()
        servers.append(start_scheduler(env, instance / "scheduler.log"))
        servers.append(start_gunicorn(port, env, instance / "gunicorn.log"))
        target = make_target(f"http://127.0.0.1:{port}", seeded)
        phases, clock = {}, time.monotonic()
        for phase, run in (
            ("scoping", lambda: scoping(target)),
            ("malformed", lambda: malformed(target, args.quick)),
        ):
            phases[phase] = run()
            print(f"{phase}: {time.monotonic() - clock:.0f} s", flush=True)
            clock = time.monotonic()
        # The races test row locks and constraints, not the rate limiter: start them with this run's
        # limits spent by the malformed phase (activation, login) forgotten, or on a fast machine
        # all ten concurrent activations are answered 429 and the race is never run.
        forget_rate_limits(args.redis, env["RATELIMIT_KEY_PREFIX"])
        phases["races"], raced = races(target, url)
        print(f"races: {time.monotonic() - clock:.0f} s", flush=True)
        clock = time.monotonic()
        phases["schemathesis"], checks = fuzz(target, examples=3 if args.quick else 25)
        print(f"schemathesis: {time.monotonic() - clock:.0f} s", flush=True)
        return summary(phases, raced, checks, time.monotonic() - started)
    finally:
        for server in reversed(servers):
            stop(server)
        drop_database(args.pg_url, name)
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
