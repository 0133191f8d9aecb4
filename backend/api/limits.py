"""Rate limiting (Flask-Limiter): memory by default, Redis in production (RATELIMIT_STORAGE_URI).

Memory storage is per process: with several gunicorn workers each counts on its own, so the
production configuration is ``RATELIMIT_STORAGE_URI=redis://host:6379`` (the ``redis`` client
is a dependency, ``limits[redis]``), where every worker and every API host share one count.
Every 429 carries ``Retry-After`` (headers enabled). The per-account login lock
(:mod:`backend.services.login_lock`) does not depend on this: it counts in the database.
"""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)

ACTIVATION_LIMIT = "10 per minute;60 per hour"
LOGIN_LIMIT = "10 per minute;100 per hour"
