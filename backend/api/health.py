"""Liveness and readiness probes for the load balancer and the operator."""

from __future__ import annotations

from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from backend import clock
from backend.db import db
from backend.services import ops

blp = Blueprint("health", __name__, url_prefix="", description="Health checks")


class HealthOut(Schema):
    status = fields.String(required=True)


class ReadyOut(Schema):
    status = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthOut)
    def get(self) -> dict:
        """The process is up."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200, ReadyOut)
    @blp.alt_response(503, schema=ReadyOut, description="Not ready: see checks")
    def get(self):
        """Database reachable, migrations at head, scheduler heartbeat younger than 2 minutes."""
        checks = ops.readiness(db.engine, now=clock.now(), max_heartbeat_age=timedelta(minutes=2))
        ok = all(check["ok"] for check in checks.values())
        return {"status": "ok" if ok else "not ready", "checks": checks}, (200 if ok else 503)
