"""Export of 100 participants x 2 years: time and peak memory, against a plain SELECT and COPY.

One run:

1. creates a fresh PostgreSQL database (``--pg-url`` names a server database the user may connect
   to; needs CREATEDB), migrates it and bulk-loads ``--participants`` participants at two sites,
   each with ``--days`` of history: cycles confirmed every 21 days, a diary entry on every dosing
   day (5 % not taken), a two-reading BP sitting on every dosing day, a symptom report three days
   a week (with a temperature), one alert each;
2. for each export (EC, VS, QS as CSV, EC as Dataset-JSON, ODM) streams the API response
   in-process (``buffered=False``, chunks read and dropped, as a client downloading it) as a
   monitor, and measures wall time (one run) and peak traced memory (a second run under
   tracemalloc);
3. measures the baseline on the same source rows in the same run: a plain ``SELECT`` of the
   tables the export reads (rows iterated with a server-side cursor and dropped) and
   ``COPY (SELECT ...) TO STDOUT`` (chunks dropped), same time and memory method;
4. prints a table with the ratios and writes JSON to ``bench/results/``; drops the database.

Run: ``.venv/bin/python bench/export_scale.py [--participants 100 --days 730]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
PEPPER = "bench-pepper" * 4


def _id() -> str:
    return uuid.uuid4().hex


def _monitor(conn, token: str) -> str:  # type: ignore[no-untyped-def]
    """A monitor (sees every site) and a bearer token for it."""
    from backend.models import StaffToken, StaffUser
    from backend.security import token_digest

    monitor = _id()
    conn.execute(insert(StaffUser), [dict(id=monitor, email="m@example.org", name="monitor", role="monitor",
                                          site_id=None, password_hash="x", is_active=True, created_at=NOW)])
    conn.execute(insert(StaffToken), [dict(id=_id(), user_id=monitor, token_hash=token_digest(PEPPER, token),
                                           created_at=NOW, expires_at=NOW + timedelta(days=1))])
    return monitor


def _dosing_day(pid: str, d, rng: random.Random) -> tuple[dict, list[dict]]:  # type: ignore[no-untyped-def]
    """One dosing day: the diary entry (5 % not taken) and a two-reading BP sitting."""
    at = datetime.combine(d, clock_time(0, 30), UTC)
    taken = rng.random() > 0.05
    log = dict(id=_id(), participant_id=pid, local_date=d, taken=taken, taken_at=at if taken else None,
               dose_mg=None, vomited_after=False, missed_reason=None if taken else "forgot", note=None,
               entered_by=pid, entered_at=at, device_time=at, source="patient", source_detail=None,
               is_late=False, is_deviation=False, flags=[], version=1)
    sitting = str(uuid.uuid4())
    readings = [dict(id=_id(), participant_id=pid, client_id=str(uuid.uuid4()), sitting_id=sitting,
                     measured_at=at + timedelta(minutes=5 * k), systolic=rng.randint(115, 150),
                     diastolic=rng.randint(70, 95), pulse=rng.randint(60, 90), grade=1, advice_shown=None,
                     received_at=at) for k in range(2)]
    return log, readings


def _report(pid: str, d, rng: random.Random) -> dict:  # type: ignore[no-untyped-def]
    """A symptom report at noon UTC with a temperature."""
    at = datetime.combine(d, clock_time(12), UTC)
    answers = {"nausea_frequency": rng.randint(0, 2), "fatigue_severity": rng.randint(0, 2),
               "cough_severity": 0, "headache_frequency": rng.randint(0, 1)}
    return dict(id=_id(), participant_id=pid, client_id=str(uuid.uuid4()), questionnaire="anlo-daily.v1",
                reported_at=at, answers=answers, temperature_c=36.8, advice_shown=[], received_at=at)


def _history(conn, pid: str, site_id: str, c1d1, days: int, monitor: str, rng) -> None:  # type: ignore[no-untyped-def]
    """One participant's cycles, diary, BP sittings, symptom reports (Mon/Wed/Fri) and an alert."""
    from backend.models import Alert, BpReading, Cycle, DoseLog, SymptomReport

    cycles, logs, readings = [], [], []
    for number, start in enumerate(range(0, days, 21), start=1):
        first = c1d1 + timedelta(days=start)
        cycles.append(dict(id=_id(), participant_id=pid, number=number, planned_start=first,
                           confirmed_start=first, confirmed_by=monitor, confirmed_at=NOW))
        for d in (first + timedelta(days=k) for k in range(14)):
            if d < NOW.date():
                log, sitting = _dosing_day(pid, d, rng)
                logs.append(log)
                readings.extend(sitting)
    span = (c1d1 + timedelta(days=k) for k in range(days))
    reports = [_report(pid, d, rng) for d in span if d.weekday() in (0, 2, 4) and d < NOW.date()]
    for model, rows in ((Cycle, cycles), (DoseLog, logs), (BpReading, readings), (SymptomReport, reports)):
        conn.execute(insert(model), rows)
    conn.execute(insert(Alert), [dict(id=_id(), participant_id=pid, site_id=site_id, kind="bp",
                                      rule_id="BP-PERSISTENT-G2", severity="review", status="open", title="t",
                                      source="s", evidence=[], advice_shown=[], occurrences=1,
                                      opened_at=NOW - timedelta(days=3), last_seen_at=NOW)])


def seed(url: str, participants: int, days: int) -> str:
    """Bulk-load the study (two sites) with Core inserts; returns the monitor's bearer token."""
    from backend.models import Participant, Site
    from backend.security import new_token

    engine = create_engine(url)
    rng = random.Random(18)
    c1d1 = (NOW - timedelta(days=days)).date()
    token = new_token("st_")
    with engine.begin() as conn:
        sites = [dict(id=_id(), name=f"Site {c}", code=f"S{c}", timezone="Asia/Shanghai", alert_emails=[],
                      created_at=NOW) for c in "AB"]
        conn.execute(insert(Site), sites)
        monitor = _monitor(conn, token)
        for n in range(participants):
            pid, site_id = _id(), sites[n % 2]["id"]
            conn.execute(insert(Participant), [dict(
                id=pid, site_id=site_id, study_id=f"{n:03d}", timezone="Asia/Shanghai", language="en",
                reminder_time=clock_time(8), bp_reminder_time=clock_time(8), status="on_treatment",
                protocol_ref="SKB264-ANLO@1", c1d1=c1d1, initial_dose_mg=8.0, created_at=NOW, updated_at=NOW,
                plan_token=_id())])
            _history(conn, pid, site_id, c1d1, days, monitor, rng)
    engine.dispose()
    return token


def measure(run: Callable[[], int]) -> dict:
    """Wall time of one run, then peak traced memory of a second run."""
    started = time.perf_counter()
    size = run()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    run()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": round(seconds, 3), "peak_mib": round(peak / 2**20, 2), "bytes_or_rows": size}


def product(client, token: str, path: str) -> Callable[[], int]:
    def run() -> int:
        response = client.get(path, headers={"Authorization": f"Bearer {token}"}, buffered=False)
        assert response.status_code == 200, response.status_code
        size = 0
        for chunk in response.response:
            size += len(chunk)
        response.close()
        return size

    return run


SOURCES = {
    "ec": ["dose_logs"],
    "vs": ["bp_readings", "symptom_reports"],
    "qs": ["symptom_reports"],
    "ec.json": ["dose_logs"],
    "odm": ["dose_logs", "bp_readings", "symptom_reports", "alerts"],
}


def select_baseline(engine, tables: list[str]) -> Callable[[], int]:
    def run() -> int:
        rows = 0
        with engine.connect() as conn:
            for table in tables:
                result = conn.execution_options(yield_per=1000).execute(text(f"SELECT * FROM {table}"))
                for _row in result:
                    rows += 1
        return rows

    return run


def copy_baseline(engine, tables: list[str]) -> Callable[[], int]:
    def run() -> int:
        size = 0
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                for table in tables:
                    with cursor.copy(f"COPY (SELECT * FROM {table}) TO STDOUT WITH (FORMAT csv)") as copy:
                        for data in copy:
                            size += len(data)
        finally:
            raw.close()
        return size

    return run


PATHS = {
    "ec": "/api/v1/exports/sdtm/ec.csv",
    "vs": "/api/v1/exports/sdtm/vs.csv",
    "qs": "/api/v1/exports/sdtm/qs.csv",
    "ec.json": "/api/v1/exports/sdtm/ec.json",
    "odm": "/api/v1/exports/odm.xml",
}


def _measure_exports(client, token: str, engine) -> dict:  # type: ignore[no-untyped-def]
    """Each export against SELECT and COPY of its source tables; prints one line per export."""
    results = {}
    for key, path in PATHS.items():
        entry = {
            "export": measure(product(client, token, path)),
            "select": measure(select_baseline(engine, SOURCES[key])),
            "copy": measure(copy_baseline(engine, SOURCES[key])),
        }
        for name in ("select", "copy"):
            entry[f"time_vs_{name}"] = round(entry["export"]["seconds"] / entry[name]["seconds"], 1)
        results[key] = entry
        e, sel, cp = entry["export"], entry["select"], entry["copy"]
        print(f"{key:8} export {e['seconds']:7.2f} s peak {e['peak_mib']:6.2f} MiB "
              f"(output {e['bytes_or_rows'] / 2**20:6.1f} MiB) | SELECT {sel['seconds']:6.2f} s "
              f"{sel['peak_mib']:5.2f} MiB | COPY {cp['seconds']:6.2f} s {cp['peak_mib']:5.2f} MiB | "
              f"time x{entry['time_vs_select']} of SELECT, x{entry['time_vs_copy']} of COPY", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--days", type=int, default=730)
    args = parser.parse_args()

    import time_machine

    from backend import create_app
    from backend.services import ops

    base = make_url(args.pg_url)
    name = f"dd_bench_export_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    results: dict = {"participants": args.participants, "days": args.days, "exports": {}}
    try:
        ops.upgrade(url)
        started = time.perf_counter()
        token = seed(url, args.participants, args.days)
        results["seed_seconds"] = round(time.perf_counter() - started, 1)
        engine = create_engine(url)
        with engine.connect() as conn:
            results["source_rows"] = {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("dose_logs", "bp_readings", "symptom_reports", "alerts")
            }
        with time_machine.travel(NOW, tick=True):
            app = create_app({"ENV": {"DATABASE_URL": url, "TOKEN_PEPPER": PEPPER, "RATELIMIT_ENABLED": "0",
                                      "INSTANCE_PATH": str(ROOT / "instance" / "bench")}})
            results["exports"] = _measure_exports(app.test_client(), token, engine)
        engine.dispose()
        from backend.db import db

        if db.engine is not None:
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"export_scale-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json").write_text(
        json.dumps(results, indent=2)
    )
    print(json.dumps({k: v for k, v in results.items() if k != "exports"}))


if __name__ == "__main__":
    main()
