"""The documented production rate limiter (issue 12, findings 8 and 9), against the real Redis.

The README's production setting, ``RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379``, must boot
(the ``redis`` client is a dependency), and two API processes must share one count through it:
20 wrong logins spread over two processes get 10 answers and then 429s with ``Retry-After``.
The CI machine runs Redis at 127.0.0.1:6379; without it these tests fail rather than skip.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent.parent
REDIS = "redis://127.0.0.1:6379"

PROBE = """
from backend.wsgi import app
client = app.test_client()
for _ in range(11):
    r = client.post("/api/v1/auth/login", json={"email": "nobody@example.org", "password": "x"})
    print(r.status_code, r.headers.get("Retry-After"))
"""


def _env(database_url: str, instance: Path, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "TOKEN_PEPPER": "p" * 48,
        "RATELIMIT_STORAGE_URI": REDIS,
        "RATELIMIT_KEY_PREFIX": prefix,
    }


def test_the_production_limiter_boots_on_redis_and_answers_429_with_retry_after(database_url, tmp_path):
    env = _env(database_url, tmp_path / "instance", f"dd-test-{secrets.token_hex(6)}")
    run = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = [line.split() for line in run.stdout.splitlines()]
    assert [line[0] for line in lines] == ["401"] * 10 + ["429"]
    assert 1 <= int(lines[-1][1]) <= 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "backend.wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.3)
    raise AssertionError("gunicorn did not start")


def test_two_api_processes_share_the_limit_through_redis(database_url, tmp_path):
    env = _env(database_url, tmp_path / "instance", f"dd-test-{secrets.token_hex(6)}")
    ports = [_free_port(), _free_port()]
    processes = [_start(env, port) for port in ports]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait(port, process)
        answers = [
            requests.post(
                f"http://127.0.0.1:{ports[i % 2]}/api/v1/auth/login",
                json={"email": "nobody@example.org", "password": "wrong"},
                timeout=30,
            )
            for i in range(20)
        ]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    statuses = [a.status_code for a in answers]
    assert statuses == [401] * 10 + [429] * 10, statuses
    assert all(1 <= int(a.headers["Retry-After"]) <= 60 for a in answers[10:])
