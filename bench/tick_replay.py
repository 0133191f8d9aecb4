"""Replay six weeks of 5-minute scheduler ticks through the CLI, against an empty-database baseline.

The issue asks that ``scheduler tick --now ... --until ... --every 5`` replay six weeks for a few
participants "in well under a minute". This measures exactly that command, as an operator runs
it after an outage, in a subprocess:

- **baseline**: the same command over the same window on a migrated database with no
  participants (the fixed cost of 12,097 ticks: process start, heartbeat, probes);
- **product**: the same window with three participants (New York, London, Shanghai), each
  with a confirmed cycle 1 and a push subscription to a local push service (a real HTTP server
  on 127.0.0.1 that answers 201), so reminders are planned, queued and delivered.

It prints wall seconds for both, the ratio, the number of pushes delivered, and writes JSON to
``bench/results/``. Run: ``.venv/bin/python bench/tick_replay.py [--weeks 6]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START = datetime(2026, 10, 19, 0, 0, tzinfo=UTC)
# A valid browser key pair's public half: the bench's push service does not decrypt.
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
AUTH = "tBHItJI5svbpez7KI4CCXg"
PEOPLE = [("01-001", "America/New_York"), ("01-002", "Europe/London"), ("01-003", "Asia/Shanghai")]


class _Sink(BaseHTTPRequestHandler):
    """A push service that accepts everything (the delivery path, not decryption, is measured here)."""

    count = 0
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with _Sink.lock:
            _Sink.count += 1
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return


def _database(path: Path, with_people: bool, push_url: str) -> str:
    """A migrated SQLite database, with or without three subscribed participants."""
    from backend import clock, create_app
    from backend.db import db
    from backend.services import ops, participants, push, sites
    from backend.services.actors import Actor

    url = f"sqlite:///{path}"
    ops.upgrade(url)
    if not with_people:
        return url
    # The bench's push service listens on loopback: allowed here only (the product refuses it).
    env = {"DATABASE_URL": url, "INSTANCE_PATH": str(path.parent / "instance"), "PUSH_ALLOW_LOOPBACK": "1"}
    app = create_app({"ENV": env})
    admin = Actor(kind="system", id="bench", label="bench", role="admin")
    with app.app_context(), db.session_scope() as session:
        site = sites.create_site(
            session, admin, name="Bench", code="BENCH", timezone="UTC", alert_emails=[], now=clock.now()
        )
        coordinator = Actor(kind="staff", id="bench", label="bench", role="coordinator", site_id=site.id)
        for study_id, zone in PEOPLE:
            participant = participants.enrol(
                session,
                coordinator,
                study_id=study_id,
                site_id=site.id,
                timezone=zone,
                c1d1=date(2026, 10, 19),
                reminder_time=clock_time(8, 0),
                now=START,
            )
            device = Actor(kind="device", id="bench", label="bench", participant_id=participant.id)
            push.subscribe(
                session,
                device,
                endpoint=f"{push_url}/{study_id}",
                p256dh=P256DH,
                auth=AUTH,
                user_agent="bench",
                now=START,
                policy=app.config["SETTINGS"].push_endpoints,
            )
    return url


def _replay(url: str, instance: Path, weeks: int) -> float:
    """Wall seconds of one ``scheduler tick --now --until --every 5`` subprocess."""
    end = START + timedelta(weeks=weeks)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(instance),
        "RATELIMIT_ENABLED": "0",
        "PUSH_ALLOW_LOOPBACK": "1",
    }
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "backend",
        "scheduler",
        "tick",
        "--now",
        START.isoformat(),
        "--until",
        end.isoformat(),
        "--every",
        "5",
    ]
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, timeout=1800)  # noqa: S603
    return time.perf_counter() - started


def main() -> int:
    """Run baseline and product, print the table, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=6)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    push_url = f"http://127.0.0.1:{server.server_port}/push"
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        baseline = _replay(_database(base / "empty.sqlite3", False, push_url), base / "i1", args.weeks)
        product = _replay(_database(base / "people.sqlite3", True, push_url), base / "i2", args.weeks)
    server.shutdown()
    ticks = int(timedelta(weeks=args.weeks) / timedelta(minutes=5)) + 1
    result = {
        "weeks": args.weeks,
        "ticks": ticks,
        "participants": len(PEOPLE),
        "pushes": _Sink.count,
        "baseline_seconds": round(baseline, 2),
        "product_seconds": round(product, 2),
        "ratio": round(product / baseline, 2),
    }
    print(f"{'run':<34}{'seconds':>10}")
    print(f"{'baseline (no participants)':<34}{baseline:>10.1f}")
    print(f"{f'{len(PEOPLE)} participants, {_Sink.count} pushes':<34}{product:>10.1f}")
    print(f"{ticks} ticks; product / baseline = {product / baseline:.2f}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"tick_replay-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
