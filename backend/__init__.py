"""Dosing Diary: the application factory."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Flask

from backend.config import Settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app: settings, database, API blueprints, web front end, CLI."""
    from backend import api, cli, runtime, web
    from backend.api import guard, hooks
    from backend.db import db  # imported here: a package-level name `db` would shadow the module
    from backend.services import plan_cache

    settings = Settings.from_env(dict(config.pop("ENV", {})) if config and "ENV" in config else None)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SETTINGS=settings,
        DATABASE_URL=settings.database_url,
        SECRET_KEY=settings.token_pepper,
        RATELIMIT_ENABLED=settings.ratelimit_enabled,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        RATELIMIT_KEY_PREFIX=settings.ratelimit_key_prefix,
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=guard.MAX_BODY_BYTES,
    )
    if config:
        app.config.update(config)
    db.init_app(app)
    plan_cache.register_listeners()  # sessions that write plan rows skip the cache
    db.context_factory = partial(runtime.session_context, app)  # sessions opened without one
    hooks.init_app(app)
    api.init_app(app)
    app.register_blueprint(web.bp)
    cli.init_app(app)
    return app
