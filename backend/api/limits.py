"""Rate limiting (Flask-Limiter): memory by default, Redis in production (RATELIMIT_STORAGE_URI)."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])

ACTIVATION_LIMIT = "10 per minute;60 per hour"
LOGIN_LIMIT = "10 per minute;100 per hour"
