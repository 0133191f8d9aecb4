"""Pill counts (drug accountability): dispensings, returns and their reconciliation with the diary."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from backend import clock
from backend.api.access import SECURITY, staff_actor
from backend.api.fields import Day, Reason
from backend.db import db
from backend.domain.accountability import Reconciliation
from backend.models import Dispensing
from backend.services import pill_counts

blp = Blueprint(
    "pill_counts",
    __name__,
    url_prefix="/api/v1/participants",
    description="Pill counts (drug accountability)",
)

_TABLETS = validate.Range(min=0, max=100_000)


def staff_first(view: Callable[..., Any]) -> Callable[..., Any]:
    """Authenticate before the body is validated: no token is a 401 whatever the body says."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        staff_actor()
        return view(*args, **kwargs)

    return wrapper


class DispensingIn(Schema):
    dispensed_on = Day(required=True, metadata={"description": "the visit at which it was handed out"})
    tablets_dispensed = fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))
    strength_mg = fields.Float(
        load_default=None,
        validate=validate.Range(min=0, min_inclusive=False, max=100_000),
        metadata={"description": "one of the protocol's strengths; default its first"},
    )
    reference = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={"description": "kit/bottle"},
    )


class DispensingPatch(Schema):
    returned_on = Day(metadata={"description": "the visit at which the rest came back"})
    tablets_returned = fields.Integer(validate=_TABLETS)
    dispensed_on = Day()
    tablets_dispensed = fields.Integer(validate=validate.Range(min=1, max=100_000))
    strength_mg = fields.Float(validate=validate.Range(min=0, min_inclusive=False, max=100_000))
    reference = fields.String(allow_none=True, validate=validate.Length(max=64))
    reason = Reason(
        load_default=None,
        metadata={"description": "needed for any change except recording the first return"},
    )


class ReconciliationOut(Schema):
    tablets_dispensed = fields.Integer(required=True)
    tablets_returned = fields.Integer(required=True)
    counted_taken = fields.Integer(required=True, metadata={"description": "dispensed - returned"})
    expected_taken = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "from the diary: doses taken x tablets per dose"},
    )
    difference = fields.Integer(required=True, allow_none=True)
    percent = fields.Float(required=True, allow_none=True)
    direction = fields.String(
        required=True, metadata={"description": "exact, over (more gone than logged), under, not_computable"}
    )
    is_discrepancy = fields.Boolean(required=True)
    days_taken = fields.Integer(required=True)
    tablets_by_dose_mg = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    not_whole_dates = fields.List(fields.String(), required=True)


class DispensingOut(Schema):
    id = fields.String(required=True)
    dispensed_on = fields.Date(required=True)
    strength_mg = fields.Float(required=True)
    tablets_dispensed = fields.Integer(required=True)
    reference = fields.String(required=True, allow_none=True)
    returned_on = fields.Date(required=True, allow_none=True)
    tablets_returned = fields.Integer(required=True, allow_none=True)
    recorded_by = fields.String(required=True)
    updated_at = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True)
    reconciliation = fields.Nested(ReconciliationOut, required=True, allow_none=True)


def _out(pair: tuple[Dispensing, Reconciliation | None]) -> dict[str, Any]:
    row, result = pair
    body = {name: getattr(row, name) for name in DispensingOut._declared_fields if name != "reconciliation"}
    body["reconciliation"] = None
    if result is not None:
        body["reconciliation"] = {**result.evidence(), "is_discrepancy": result.is_discrepancy}
    return body


@blp.route("/<participant_id>/dispensings")
class Dispensings(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, DispensingOut(many=True))
    def get(self, participant_id: str) -> list:
        """The participant's dispensings, oldest first, each reconciled with the diary once returned."""
        return [_out(p) for p in pill_counts.list_dispensings(db.session, staff_actor(), participant_id)]

    @blp.doc(security=SECURITY)
    @staff_first
    @blp.arguments(DispensingIn)
    @blp.response(201, DispensingOut)
    def post(self, body: dict, participant_id: str):
        """Record a supply handed out (coordinator or investigator); the previous one must be returned."""
        pair = pill_counts.dispense(db.session, staff_actor(), participant_id, now=clock.now(), **body)
        return _out(pair)


@blp.route("/<participant_id>/dispensings/<dispensing_id>")
class DispensingItem(MethodView):
    @blp.doc(security=SECURITY)
    @staff_first
    @blp.arguments(DispensingPatch)
    @blp.response(200, DispensingOut)
    def patch(self, body: dict, participant_id: str, dispensing_id: str):
        """Record the return (returned_on + tablets_returned) or correct a count with a reason.

        A count that differs from the diary above the protocol's threshold opens one review alert
        (rule PILL-COUNT-DISCREPANCY) with both counts in its evidence.
        """
        reason = body.pop("reason", None)
        pair = pill_counts.update(
            db.session,
            staff_actor(),
            participant_id,
            dispensing_id,
            changes=body,
            reason=reason,
            now=clock.now(),
        )
        return _out(pair)
