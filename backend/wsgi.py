"""The production WSGI entry point: ``gunicorn -w 4 backend.wsgi:app``.

Builds the app once per worker, configures every ORM mapper up front and then freezes the
garbage collector's view of everything alive at that point (:func:`gc.freeze`). Without the
freeze, each full (generation 2) collection walks every object the app holds for its lifetime
(SQLAlchemy mappers and compiled statements, marshmallow schemas, Flask's routing) and stops the
worker for ~60 ms on a small VM: rare, but every request queued behind it waits, and that is
what the diary's p99 latency was made of (bench/diary_load.py).
"""

from __future__ import annotations

import gc

from sqlalchemy.orm import configure_mappers

from backend import create_app

app = create_app()
configure_mappers()
gc.collect()
gc.freeze()
