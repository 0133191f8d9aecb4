"""The command line: db upgrade, create-admin, seed-demo, and the console script."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect

from tests.conftest import IS_POSTGRES

ROOT = Path(__file__).resolve().parent.parent


def test_create_admin_then_login(app, client):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "Root@Example.org", "--password", "a very long password"]
    )
    assert result.exit_code == 0, result.output
    r = client.post(
        "/api/v1/auth/login", json={"email": "root@example.org", "password": "a very long password"}
    )
    assert r.status_code == 200
    assert r.json["user"]["role"] == "admin"


def test_create_admin_rejects_a_short_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "a@example.org", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "12 characters" in result.output


def test_seed_demo_prints_working_credentials(app, client):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    coordinator = next(line for line in lines if line.startswith("coordinator"))
    email, password = coordinator.split()[1], coordinator.split()[3]
    assert client.post("/api/v1/auth/login", json={"email": email, "password": password}).status_code == 200
    codes = [line.split("activation code ")[1].split()[0] for line in lines if "activation code" in line]
    assert len(codes) == 2
    r = client.post("/api/v1/device/activate", json={"code": codes[1]})
    assert r.status_code == 201
    assert r.json["participant"]["language"] == "en"


def test_seed_demo_twice_keeps_records_and_refreshes_credentials(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"]).output
    second = runner.invoke(args=["seed-demo"]).output
    site_line = [line for line in first.splitlines() if line.startswith("site")]
    assert site_line == [line for line in second.splitlines() if line.startswith("site")]
    assert first != second  # new passwords and codes


def test_flask_db_upgrade_creates_a_database_from_nothing(tmp_path, database_url):
    if IS_POSTGRES:
        # this run's own database, already at head (upgrade is a no-op there); never the shared
        # TEST_DATABASE_URL database, which parallel runs of other branches stamp with their heads
        url = database_url
    else:
        url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance")}
    for command in (
        [sys.executable, "-m", "flask", "--app", "backend", "db", "upgrade"],
        [str(Path(sys.executable).parent / "dosing-diary"), "db", "upgrade"],
    ):
        result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "database at head" in result.stdout
    if not IS_POSTGRES:
        tables = set(inspect(create_engine(url)).get_table_names())
        assert {"participants", "dose_logs", "audit_events", "alembic_version"} <= tables
    assert (tmp_path / "instance" / "token_pepper").exists()
    assert oct((tmp_path / "instance" / "token_pepper").stat().st_mode & 0o777) == "0o600"
