"""The production stack for the delivery benches: PostgreSQL, gunicorn, ``scheduler run``, and a
local push service that decrypts every message (and an SMTP sink), all on loopback.

Used by ``alert_latency.py`` and ``chaos.py``. The push service runs in the bench process and
time-stamps each arrival with the wall clock, the same clock the load generator stamps its
requests with, so request-to-push latency is one subtraction.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import time as wall_time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.push_endpoint import PushEndpoint, Received  # noqa: E402
from tests.support.smtp_server import SmtpSink  # noqa: E402

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
FLASK = str(Path(sys.executable).with_name("flask"))
TZ = "Asia/Shanghai"


class TimedPushService(PushEndpoint):
    """The local push service, recording the wall-clock arrival of every decrypted message."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[tuple[float, Received]] = []

    def _record(self, handler):  # type: ignore[no-untyped-def]
        received = super()._record(handler)
        self.arrivals.append((time.time(), received))
        return received

    def duplicates(self, kinds: tuple[str, ...] | None = None) -> int:
        """Messages that reached a device more than once (same path, kind and id)."""
        keys = Counter(
            (r.path, r.payload.get("kind"), r.payload.get("id"))
            for _, r in self.arrivals
            if r.payload and (kinds is None or r.payload.get("kind") in kinds)
        )
        return sum(count - 1 for count in keys.values() if count > 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class World:
    """What the seed made: patient device tokens, staff device paths, reminder patients."""

    tokens: list[str]
    staff_paths: list[str]
    reminder_patients: int
    site_id: str = ""
    extra: dict = field(default_factory=dict)


def seed(
    env: dict[str, str],
    push: PushEndpoint,
    *,
    patients: int,
    staff_devices: int,
    reminder_patients: int,
    reminder_at: wall_time | None,
) -> World:
    """A site with ``staff_devices`` subscribed staff phones, ``patients`` with device tokens, and
    ``reminder_patients`` subscribed patients whose dose and BP reminders fall at ``reminder_at``.
    """
    from backend import clock, create_app
    from backend.db import db
    from backend.domain.localtime import local_date
    from backend.services import activation, sites
    from backend.services import participants as enrolment
    from backend.services import push as push_service
    from backend.services.actors import Actor
    from backend.services.auth import staff_actor

    app = create_app({"ENV": env})
    pepper = app.config["SETTINGS"].token_pepper
    admin = Actor(kind="system", id="bench", label="bench", role="admin")
    with app.test_request_context():
        now = clock.now()
        site = sites.create_site(
            db.session,
            admin,
            name="Bench",
            code="BENCH",
            timezone=TZ,
            alert_emails=["alerts@bench.example.org"],
            now=now,
        )
        users = [
            sites.create_staff(
                db.session,
                admin,
                email=f"staff{n}@bench.example.org",
                name=f"staff {n}",
                role="coordinator" if n else "investigator",
                site_id=site.id,
                password=secrets.token_urlsafe(16),
                now=now,
            )
            for n in range(max(1, staff_devices))
        ]
        coordinator = staff_actor(users[0])
        paths = []
        for n, user in enumerate(users[:staff_devices]):
            path = f"/staff/{n}"
            sub = push.subscription(path)
            push_service.subscribe(
                db.session,
                staff_actor(user),
                endpoint=sub["endpoint"],
                p256dh=sub["keys"]["p256dh"],
                auth=sub["keys"]["auth"],
                user_agent="bench staff phone",
                policy=app.config["SETTINGS"].push_endpoints,
                now=now,
            )
            paths.append(path)
        c1d1 = local_date(now, TZ) - timedelta(days=3)
        tokens = []
        for n in range(patients + reminder_patients):
            reminds = n >= patients and reminder_at is not None
            p = enrolment.enrol(
                db.session,
                coordinator,
                study_id=f"B-{n:05d}",
                site_id=site.id,
                timezone=TZ,
                c1d1=c1d1,
                reminder_time=reminder_at if reminds else wall_time(3, 0),
                bp_reminder_time=reminder_at if reminds else wall_time(3, 0),
                now=now,
            )
            code, _ = activation.issue_code(db.session, coordinator, p.id, pepper=pepper, now=now)
            token, _, _ = activation.activate(
                db.session, code, label="bench", user_agent="bench", pepper=pepper, now=now
            )
            if reminds:
                device = Actor(kind="device", id=p.id, label="bench", participant_id=p.id, site_id=site.id)
                sub = push.subscription(f"/patient/{n}")
                push_service.subscribe(
                    db.session,
                    device,
                    endpoint=sub["endpoint"],
                    p256dh=sub["keys"]["p256dh"],
                    auth=sub["keys"]["auth"],
                    user_agent="bench phone",
                    policy=app.config["SETTINGS"].push_endpoints,
                    now=now,
                )
            else:
                tokens.append(token)
            if n % 200 == 199:
                db.commit_request()
        db.commit_request()
        site_id = site.id
    db.engine.dispose()
    return World(tokens=tokens, staff_paths=paths, reminder_patients=reminder_patients, site_id=site_id)


class Stack:
    """gunicorn + ``scheduler run`` processes on one fresh PostgreSQL database; stops what it started."""

    def __init__(self, pg_url: str, workers: int = 2) -> None:
        from bench.diary_load import create_database

        self.pg_url = pg_url
        self.url, self.db_name = create_database(pg_url)
        self.instance = Path(tempfile.mkdtemp(prefix="dd_bench_"))
        self.push = TimedPushService().__enter__()
        self.smtp = SmtpSink().__enter__()
        self.port = free_port()
        self.workers = workers
        self.env = {
            "DATABASE_URL": self.url,
            "INSTANCE_PATH": str(self.instance),
            "RATELIMIT_ENABLED": "0",
            "SMTP_URL": self.smtp.url,
            "PUSH_ALLOW_LOOPBACK": "1",
            "TOKEN_PEPPER": "bench-pepper-" + "x" * 40,
        }
        self.gunicorn: subprocess.Popen | None = None
        self.schedulers: list[subprocess.Popen] = []
        self.logs: list = []

    def _log(self, name: str):  # type: ignore[no-untyped-def]
        handle = (self.instance / f"{name}.log").open("a")
        self.logs.append(handle)
        return handle

    def start_gunicorn(self) -> None:
        log = self._log("gunicorn")
        self.gunicorn = subprocess.Popen(  # noqa: S603
            [
                GUNICORN,
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--chdir",
                str(ROOT),
                "--graceful-timeout",
                "5",
                "backend.wsgi:app",
            ],
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = self.request("GET", "/healthz", None, None, timeout=1)
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def start_scheduler(self, wait: bool = True) -> subprocess.Popen:
        """Start ``flask scheduler run``; with ``wait``, return once its first tick has beaten."""
        from datetime import UTC, datetime

        launched = datetime.now(UTC)
        proc = subprocess.Popen(  # noqa: S603
            [FLASK, "--app", "backend", "scheduler", "run"],
            env={**os.environ, **self.env},
            cwd=ROOT,
            stdout=self._log("scheduler"),
            stderr=subprocess.STDOUT,
        )
        self.schedulers.append(proc)
        deadline = time.monotonic() + 120
        while wait and time.monotonic() < deadline:
            beat = self.scalar("SELECT max(beat_at) FROM scheduler_heartbeats WHERE name = 'scheduler'")
            if beat is not None and beat >= launched:
                break
            time.sleep(0.3)
        return proc

    def scalar(self, sql: str):  # type: ignore[no-untyped-def]
        """One value from the bench database (a short connection of its own)."""
        import psycopg

        with psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
            return conn.execute(sql).fetchone()[0]

    def gunicorn_workers(self) -> list[int]:
        """The worker pids of the running master."""
        assert self.gunicorn is not None
        out = subprocess.run(  # noqa: S603
            ["pgrep", "-P", str(self.gunicorn.pid)], capture_output=True, text=True, check=False
        ).stdout
        return [int(pid) for pid in out.split()]

    def request(self, method, path, body, token, timeout=30.0):  # type: ignore[no-untyped-def]
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, (json.loads(data) if data else None)
        finally:
            conn.close()

    def fever(self, token: str) -> tuple[int, dict | None, float]:
        """A patient's report with 38.3 °C (an urgent alert); returns status, body and the send instant."""
        body = {
            "client_id": str(uuid.uuid4()),
            "answers": {"fever_chills_presence": 1},
            "temperature_c": 38.3,
        }
        started = time.time()
        status, data = self.request("POST", "/api/v1/me/symptom-reports", body, token)
        return status, data, started

    def stop(self) -> None:
        from bench.diary_load import drop_database

        for proc in [*self.schedulers, *([self.gunicorn] if self.gunicorn else [])]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*self.schedulers, *([self.gunicorn] if self.gunicorn else [])]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.push.__exit__(None, None, None)
        self.smtp.__exit__(None, None, None)
        for handle in self.logs:
            handle.close()
        drop_database(self.pg_url, self.db_name)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-q * len(ordered) // 1)) - 1))]


def run_threads(target, count: int) -> list[threading.Thread]:  # type: ignore[no-untyped-def]
    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    return threads
