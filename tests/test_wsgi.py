"""The production WSGI entry point: one app per worker, mappers configured, startup objects frozen."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import gc
from backend.wsgi import app
from backend.models import Participant
assert app.name == "backend", app.name
assert Participant.__mapper__.configured
print(gc.get_freeze_count())
client = app.test_client()
print(client.get("/healthz").status_code)
"""


def test_wsgi_module_serves_the_app_with_startup_objects_out_of_the_collectors_way(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    out = subprocess.run(  # noqa: S603  (our own interpreter and a fixed probe)
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    frozen, health = int(out[0]), int(out[1])
    assert frozen > 50_000  # Flask, SQLAlchemy's mappers, marshmallow schemas: all out of gen 2
    assert health == 200
