"""The attack suite's concurrency cases: identical requests at once, across both gunicorn workers.

Each case fires N identical requests from N threads behind a barrier, then counts in the
database what was stored. A race is "won" when more was stored (or answered as success) than
the rule allows: one device per activation code, one acknowledgement per alert, one hold for
identical orders, one fever alert per episode, one row per unique key (duplicates answer 409).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import requests
from sqlalchemy import create_engine, text

from bench.attack_cases import Tally, Target, headers_for, send


def burst(
    target: Target, tally: Tally, label: str, n: int, make: Callable[[int], tuple[str, str, dict[str, Any]]]
) -> list:
    """Send ``n`` requests at once (one thread each, released together); their responses."""
    barrier, results = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        method, path, kwargs = make(i)
        session = requests.Session()
        part = Tally()
        barrier.wait()
        results[i] = send(session, part, f"race {label}", method, target.base + path, **kwargs)
        with lock:
            tally.add(part)

    lock = threading.Lock()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _ok(results: list) -> int:
    return sum(1 for r in results if r is not None and r.status_code < 300)


def races(target: Target, database_url: str, n: int = 10) -> tuple[Tally, dict[str, tuple[int, int]]]:
    """Run every case; returns the tally and, per case, (what was stored or accepted, what is allowed)."""
    tally, found = Tally(), {}
    engine = create_engine(database_url)

    def count(sql: str, **params: str) -> int:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar_one()

    coord, inv, admin = (headers_for(target, w) for w in ("coordinator_a", "investigator_a", "admin"))
    p2 = target.ids["p2"]

    code = requests.post(
        f"{target.base}/api/v1/participants/{p2}/activation-code", headers=coord, timeout=60
    ).json()["code"]
    results = burst(
        target,
        tally,
        "activation",
        n,
        lambda i: ("post", "/api/v1/device/activate", {"json": {"code": code}}),
    )
    found["one device per activation code"] = (_ok(results), 1)

    alert_id = target.ids["alert_id"]
    burst(
        target,
        tally,
        "acknowledge",
        n,
        lambda i: (
            "post",
            f"/api/v1/alerts/{alert_id}/acknowledge",
            {"json": {"note": "seen"}, "headers": coord},
        ),
    )
    acks = count(
        "SELECT count(*) FROM audit_events WHERE entity_id = :a AND action LIKE '%acknowledge%'", a=alert_id
    )
    found["one acknowledgement per alert"] = (acks, 1)

    c1d1 = requests.get(f"{target.base}/api/v1/participants/{p2}", headers=coord, timeout=60).json()["c1d1"]
    start = (date.fromisoformat(c1d1) + timedelta(days=1)).isoformat()
    hold = {"start_date": start, "reason": "attack: identical orders"}
    burst(
        target,
        tally,
        "hold",
        n,
        lambda i: ("post", f"/api/v1/participants/{p2}/holds", {"json": hold, "headers": inv}),
    )
    found["one hold for identical orders"] = (
        count("SELECT count(*) FROM holds WHERE participant_id = :p", p=p2),
        1,
    )

    def fever(i):
        return (
            "post",
            "/api/v1/me/symptom-reports",
            {
                "headers": headers_for(target, "p3"),
                "json": {
                    "client_id": str(uuid.uuid4()),
                    "answers": {"fever_chills_presence": 1},
                    "temperature_c": 38.6,
                },
            },
        )

    burst(target, tally, "fever", n, fever)
    fevers = count(
        "SELECT count(*) FROM alerts WHERE participant_id = :p AND rule_id LIKE 'SYM-FEVER%'",
        p=target.ids["p3"],
    )
    found["one fever alert per episode"] = (fevers, 1)

    duplicates = {
        "site": (
            "/api/v1/sites",
            admin,
            {"name": "Dup", "code": "DUP1", "timezone": "UTC", "alert_emails": []},
        ),
        "staff": (
            "/api/v1/staff",
            admin,
            {
                "email": "dup@example.org",
                "name": "Dup",
                "role": "monitor",
                "password": "a long enough password",
            },
        ),
        "enrolment": (
            "/api/v1/participants",
            coord,
            {
                "study_id": "09-999",
                "site_id": target.ids["site_id"],
                "timezone": "Asia/Shanghai",
                "reminder_time": "08:00",
                "c1d1": date.today().isoformat(),
            },
        ),
    }
    for name, (path, headers, body) in duplicates.items():  # the losers answer 409, never 500
        results = burst(
            target,
            tally,
            f"duplicate {name}",
            n,
            lambda i, p=path, h=headers, b=body: ("post", p, {"json": b, "headers": h}),
        )
        found[f"one {name} per unique key"] = (_ok(results), 1)
    engine.dispose()
    return tally, found
