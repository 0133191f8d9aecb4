"""Test harness: every test at an instant it chooses; a migrated database per test.

Time: no test depends on the machine's clock
--------------------------------------------
Every test runs with the clock moved (time-machine) to an instant the test chooses: the
``frozen_clock`` fixture is autouse and travels to ``DEFAULT_NOW`` unless the test says
otherwise with ``@pytest.mark.now("2026-10-22T03:00:00Z")`` (``tick=False`` to stand still).
Fixtures that build data (``app``, ``world``, the browser's live server) depend on
``frozen_clock``, so they are built *inside* the chosen instant: a world's C1D1, tokens and
activation codes come from the test's clock, never from the real date. A test may move the clock
further (``frozen_clock.move_to(...)`` or a nested ``time_machine.travel``). Read "now" only
as ``backend.clock.now()`` (``tests/test_clock_discipline.py`` refuses any other wall-clock
read), and pass explicit instants (``scheduler tick --now``) to subprocesses, which do not see
time-machine. The browser tests install the same instant in Chromium's clock. ``make
test-anydate`` (run by ``.ci/run``) runs the suite with the machine's clock moved to awkward
dates (datefudge) to keep it so.

Databases
---------

``TEST_DATABASE_URL`` (a ``postgresql+psycopg://`` URL) switches the suite to PostgreSQL: a
fresh database named after this run is created from it, migrated once, emptied between tests
and dropped at the end, so parallel runs never share state. Without it, every test gets its
own copy of a migrated SQLite file.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backend import create_app
from backend.services import ops

BASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
IS_POSTGRES = BASE_URL.startswith("postgresql")
TEST_PEPPER = "test-pepper-" + "x" * 40

DEFAULT_NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
"""A Tuesday; 14:00 in Shanghai, 06:00 in London, 01:00 in New York: far from every boundary."""


def _instant(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    if moment.tzinfo is None:
        raise ValueError(f"@pytest.mark.now needs an aware instant, got {value!r}")
    return moment


@pytest.fixture(autouse=True)
def frozen_clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Traveller]:
    """Move the clock to the test's chosen instant (``@pytest.mark.now``, else ``DEFAULT_NOW``).

    ``tick=True`` (the default) lets time flow from there, as on a real machine, so servers,
    browsers and timeouts behave; ``tick=False`` stands still.
    """
    marker = request.node.get_closest_marker("now")
    instant = _instant(marker.args[0]) if marker else DEFAULT_NOW
    tick = marker.kwargs.get("tick", True) if marker else True
    with time_machine.travel(instant, tick=tick) as traveller:
        yield traveller


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> None:
    """argon2 at production cost takes ~50 ms a hash; tests use the same algorithm, cheaper."""
    from argon2 import PasswordHasher

    from backend import security

    security._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {'PostgreSQL ' + make_url(BASE_URL).render_as_string() if IS_POSTGRES else 'SQLite'}"


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a SQLite template file, or this run's PostgreSQL database URL."""
    if not IS_POSTGRES:
        path = tmp_path_factory.mktemp("db") / "template.sqlite3"
        ops.upgrade(f"sqlite:///{path}")
        yield str(path)
        return
    base = make_url(BASE_URL)
    name = f"dd_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        ops.upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    """A clean, migrated database for one test."""
    if not IS_POSTGRES:
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(database_template, path)
        yield f"sqlite:///{path}"
        return
    yield database_template
    engine = create_engine(database_template)
    with engine.begin() as conn:
        tables = (
            conn.execute(
                text(
                    "SELECT tablename FROM pg_tables "
                    "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        # The audit table refuses TRUNCATE; replica mode (superuser, tests only) skips its trigger.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


def make_app(database_url: str, instance: Path, **env: str):  # type: ignore[no-untyped-def]
    """Create the application for a test database; ``env`` overrides settings."""
    return create_app(
        {
            "ENV": {
                "INSTANCE_PATH": str(instance),
                "DATABASE_URL": database_url,
                "TOKEN_PEPPER": TEST_PEPPER,
                "RATELIMIT_ENABLED": "0",
                # The local push services of tests/support/push_endpoint.py listen on 127.0.0.1.
                "PUSH_ALLOW_LOOPBACK": "1",
                "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
                **env,
            },
            "TESTING": True,
        }
    )


@pytest.fixture
def app(database_url: str, tmp_path: Path, frozen_clock):  # type: ignore[no-untyped-def]
    """The application, configured for one test."""
    application = make_app(database_url, tmp_path / "instance")
    yield application
    from backend.db import db

    if db.engine is not None:
        db.engine.dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    """An HTTP client for the app."""
    return app.test_client()


@pytest.fixture
def world(app, frozen_clock):  # type: ignore[no-untyped-def]
    """Two sites with staff of every role, two participants at site A, one at site B."""
    from tests.factories import build_world

    return build_world(app)


@pytest.fixture
def reduced_protocol(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A v2 of SKB264-ANLO that allows 6 mg, registered for the services in this test."""
    from backend.domain import protocol as protocol_module
    from backend.services import participants as participants_service
    from backend.services import plans as plans_service

    source = (protocol_module.PROTOCOL_DIR / "skb264-anlo.v1.toml").read_text(encoding="utf-8")
    (tmp_path / "skb264-anlo.v1.toml").write_text(source, encoding="utf-8")
    v2 = source.replace("version = 1", "version = 2").replace(
        "allowed_dose_mg = [8]", "allowed_dose_mg = [8, 6]"
    )
    (tmp_path / "skb264-anlo.v2.toml").write_text(v2, encoding="utf-8")

    def lookup(ref=None, directory=tmp_path):
        return protocol_module.get_protocol(ref, directory=directory)

    monkeypatch.setattr(participants_service, "get_protocol", lookup)
    monkeypatch.setattr(plans_service, "get_protocol", lookup)
    return "SKB264-ANLO@2"
