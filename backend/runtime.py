"""Builds a :class:`~backend.services.context.ServiceContext` from the app: the Flask side of it.

The API's request hook adds the request id; the scheduler runner and every other session of the
app (CLI, tests) use the app's settings with the request id ``system``.
"""

from __future__ import annotations

from functools import partial

from flask import Flask, g, has_request_context

from backend.db import db
from backend.notify.transport import transport_for
from backend.services.context import ServiceContext


def service_context(app: Flask, request_id: str = "system") -> ServiceContext:
    """The context of a unit of work in ``app``: its public URL, transport, sessions and deliverer."""
    return ServiceContext(
        request_id=request_id,
        public_base_url=app.config["SETTINGS"].public_base_url,
        transport=partial(transport_for, app),
        session_factory=db.session_scope,
        deliverer=app.extensions.get("deliverer"),
    )


def session_context(app: Flask) -> ServiceContext:
    """The context of a session opened without one: inside a request (an export's own session,
    say) it carries that request's id, elsewhere (CLI, tests) ``system``."""
    request_id = g.get("request_id", "unknown") if has_request_context() else "system"
    return service_context(app, request_id)
