"""Investigator sign-off over HTTP: a cycle's read with its signature manifest, signing, the to-sign list.

Status codes beyond the usual: a wrong password is 422 naming ``password`` (never 401, which
would end the dashboard's session), counted; the fifth in a row, and any signing request while
locked, is **423 Locked** with ``Retry-After`` (seconds): the account is locked, not the
request rate (429 stays Flask-Limiter's). The lock is also named on every API answer to the
account's sessions in ``X-Signing-Locked-Until`` and by ``GET /api/v1/staff/me/signing``.
"""

from __future__ import annotations

from datetime import UTC

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response

from backend import clock
from backend.api import ApiErrorSchema
from backend.api.access import SECURITY, allow, staff_actor
from backend.api.hooks import keep_changes_on_error
from backend.api.schemas import AuditEventOut
from backend.db import db
from backend.domain.signing import CycleSignState, Meaning, SignatureStatus
from backend.services import signatures, signing_lock, to_sign
from backend.services.errors import Locked, ServiceError
from backend.services.scope import INVESTIGATOR_ROLES

blp = Blueprint(
    "signatures", __name__, url_prefix="/api/v1", description="Electronic signatures (investigator)"
)

LOCK_HEADER = "X-Signing-Locked-Until"
LOCKED_DOC = {
    "description": "signing is locked after five wrong passwords; Retry-After says for how many seconds",
    "headers": {
        "Retry-After": {"schema": {"type": "integer"}, "description": "seconds until signing may be tried"}
    },
}


class SignIn(Schema):
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "the signer's own password, again (the second signature component)"},
    )
    meaning = fields.String(
        required=True,
        validate=validate.OneOf([m.value for m in Meaning]),
        metadata={"description": "what the signature means: reviewed or approved"},
    )


class CycleRef(Schema):
    participant_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    cycle = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))


class BatchSignIn(SignIn):
    cycles = fields.List(
        fields.Nested(CycleRef),
        required=True,
        validate=validate.Length(min=1, max=signatures.MAX_BATCH),
        metadata={"description": "the cycles to sign together: one password check, all or nothing"},
    )


class SignatureOut(Schema):
    id = fields.String(required=True)
    participant_id = fields.String(required=True)
    cycle = fields.Integer(attribute="cycle_number", required=True)
    first_date = fields.Date(required=True)
    last_date = fields.Date(required=True)
    signer_id = fields.String(required=True)
    signer_name = fields.String(required=True, metadata={"description": "the signer's full name at signing"})
    meaning = fields.String(required=True, validate=validate.OneOf([m.value for m in Meaning]))
    signed_at = fields.AwareDateTime(required=True, metadata={"description": "UTC"})
    content_hash = fields.String(required=True, metadata={"description": "SHA-256 of the signed document"})
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in SignatureStatus]))
    verified = fields.Boolean(
        required=True, metadata={"description": "valid, and the cycle's content still hashes to content_hash"}
    )
    invalidated_at = fields.AwareDateTime(required=True, allow_none=True)
    invalidated_by = fields.Nested(AuditEventOut, required=True, allow_none=True)
    batch_id = fields.String(required=True)


class SigningStatusOut(Schema):
    locked = fields.Boolean(required=True)
    locked_until = fields.AwareDateTime(required=True, allow_none=True)
    wrong_passwords = fields.Integer(required=True)
    tries_left = fields.Integer(required=True)
    max_wrong_passwords = fields.Integer(required=True)
    lock_minutes = fields.Integer(required=True)


class CycleReadOut(Schema):
    participant_id = fields.String(required=True)
    study_id = fields.String(required=True)
    cycle = fields.Integer(required=True)
    first_date = fields.Date(required=True)
    last_date = fields.Date(required=True, allow_none=True, metadata={"description": "null while running"})
    complete = fields.Boolean(required=True, metadata={"description": "only a complete cycle can be signed"})
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in CycleSignState]))
    content_hash = fields.String(required=True, allow_none=True)
    content = fields.Dict(
        required=True,
        metadata={
            "description": "what a signature covers: days with entries, BP readings, symptom reports, alerts"
        },
    )
    signatures = fields.List(fields.Nested(SignatureOut), required=True)


class BatchOut(Schema):
    signatures = fields.List(fields.Nested(SignatureOut), required=True)


class ToSignArgs(Schema):
    site_id = fields.String(validate=validate.Length(min=1, max=32))
    participant_id = fields.String(validate=validate.Length(min=1, max=32))


class ToSignItemOut(Schema):
    participant_id = fields.String(required=True)
    study_id = fields.String(required=True)
    site_id = fields.String(required=True)
    cycle = fields.Integer(required=True)
    first_date = fields.Date(required=True)
    last_date = fields.Date(required=True)
    state = fields.String(required=True, validate=validate.OneOf(["unsigned", "invalidated"]))
    signatures = fields.Integer(required=True, metadata={"description": "earlier (invalidated) signatures"})
    invalidated_by = fields.Nested(AuditEventOut, required=True, allow_none=True)


class ToSignOut(Schema):
    signing = fields.Nested(SigningStatusOut, required=True)
    cycles = fields.List(fields.Nested(ToSignItemOut), required=True)


def _signature(signature, verified: bool) -> dict:
    event = signatures.invalidating_event(db.session, signature)
    return {**vars(signature), "verified": verified, "invalidated_by": event}


def _sign(cycles: list[tuple[str, int]], body: dict) -> list[signatures.Signed]:
    try:
        return signatures.sign_cycles(
            db.session,
            staff_actor(),
            cycles,
            password=body["password"],
            meaning=body["meaning"],
            now=clock.now(),
        )
    except ServiceError:
        keep_changes_on_error()  # the wrong-password count and its audit events must survive
        raise


@blp.errorhandler(Locked)
def _locked(error: Locked):
    payload = {"code": 423, "status": "Locked", "message": error.message}
    return payload, 423, {"Retry-After": str(error.retry_after_seconds)}


@blp.after_app_request
def _tell_locked_sessions(response: Response) -> Response:
    """Name the signing lock on every answer to a session of a locked account."""
    actor = g.get("actor")
    until = getattr(actor, "signing_locked_until", None)
    if until is not None and until > clock.now():
        response.headers[LOCK_HEADER] = until.astimezone(UTC).isoformat()
    return response


@blp.route("/participants/<participant_id>/cycles/<int:number>")
class CycleRead(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, CycleReadOut)
    def get(self, participant_id: str, number: int) -> dict:
        """One cycle: what a signature covers, its sign-off state and the signature manifest."""
        view = signatures.read_cycle(db.session, staff_actor(), participant_id, number, now=clock.now())
        return {
            "participant_id": view.participant.id,
            "study_id": view.participant.study_id,
            "cycle": view.span.number,
            "first_date": view.span.first,
            "last_date": view.span.last,
            "complete": view.complete,
            "state": view.state,
            "content_hash": view.content_hash,
            "content": view.content,
            "signatures": [_signature(s, ok) for s, ok in view.signatures],
        }


@blp.route("/participants/<participant_id>/cycles/<int:number>/signatures")
class CycleSignatures(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, SignatureOut(many=True))
    def get(self, participant_id: str, number: int) -> list:
        """The cycle's signature manifest, newest first, each verified against the current content."""
        view = signatures.read_cycle(db.session, staff_actor(), participant_id, number, now=clock.now())
        return [_signature(s, ok) for s, ok in view.signatures]

    @allow(*INVESTIGATOR_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(SignIn)
    @blp.response(201, SignatureOut, description="signed")
    @blp.alt_response(200, schema=SignatureOut, description="you already signed it so, and it is unchanged")
    @blp.alt_response(409, schema=ApiErrorSchema, description="the cycle is still running")
    @blp.alt_response(423, schema=ApiErrorSchema, **LOCKED_DOC)
    def post(self, body: dict, participant_id: str, number: int):
        """Sign a complete cycle (investigator of the participant's site) with your password and a meaning."""
        (signed,) = _sign([(participant_id, number)], body)
        return _signature(signed.signature, True), 201 if signed.created else 200


@blp.route("/signatures")
class BatchSign(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(BatchSignIn)
    @blp.response(201, BatchOut, description="every cycle signed (or found already signed)")
    @blp.alt_response(409, schema=ApiErrorSchema, description="a cycle is still running: nothing signed")
    @blp.alt_response(423, schema=ApiErrorSchema, **LOCKED_DOC)
    def post(self, body: dict) -> dict:
        """Sign several complete cycles with one password: one signature per cycle, all or nothing."""
        cycles = [(item["participant_id"], item["cycle"]) for item in body["cycles"]]
        return {"signatures": [_signature(s.signature, True) for s in _sign(cycles, body)]}


@blp.route("/signatures/to-sign")
class ToSignList(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(ToSignArgs, location="query")
    @blp.response(200, ToSignOut)
    def get(self, args: dict) -> dict:
        """Complete cycles with no valid signature (never signed, or invalidated), and your signing lock."""
        actor = staff_actor()
        items = to_sign.to_sign(db.session, actor, **args)
        return {
            "signing": signing_lock.status(db.session, actor, clock.now()),
            "cycles": [
                {
                    "participant_id": item.participant.id,
                    "study_id": item.participant.study_id,
                    "site_id": item.participant.site_id,
                    "cycle": item.span.number,
                    "first_date": item.span.first,
                    "last_date": item.span.last,
                    "state": item.state,
                    "signatures": item.signatures,
                    "invalidated_by": item.invalidated_by,
                }
                for item in items
            ],
        }


@blp.route("/staff/me/signing")
class SigningStatus(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, SigningStatusOut)
    def get(self):
        """Your signing lock: wrong passwords so far, tries left, and until when signing is locked."""
        return signing_lock.status(db.session, staff_actor(), clock.now())
