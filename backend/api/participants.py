"""Participants: enrolment, details, activation codes, devices and the audit trail."""

from __future__ import annotations

import io
from urllib.parse import quote

import segno
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from backend import clock
from backend.api.access import SECURITY, allow, staff_actor
from backend.api.fields import LANGUAGES, Day, LocalTime, Reason, TimeZone
from backend.api.pagination import NEXT_HEADERS, PageArgs, decode_cursor, page_headers
from backend.api.schemas import AuditEventOut, DeviceOut, ParticipantOut
from backend.db import db
from backend.models.participants import STATUSES
from backend.services import activation, audit, participants
from backend.services.audit_views import actor_names
from backend.services.scope import READ_ROLES, WRITE_ROLES, require_role

blp = Blueprint("participants", __name__, url_prefix="/api/v1/participants", description="Participants")


def BaselineMmHg(**kwargs: object) -> fields.Integer:  # noqa: N802 - reads as a field type in the schemas
    """An optional baseline pressure in mmHg (CTCAE v6.0 baseline rise); null clears it."""
    return fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=20, max=300),
        metadata={"description": "baseline BP in mmHg (set together with its pair; null clears)"},
        **kwargs,  # type: ignore[arg-type]  # marshmallow's typed keywords, passed through as given
    )


class ParticipantIn(Schema):
    study_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$"))
    site_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    timezone = TimeZone(required=True)
    language = fields.String(load_default="zh-CN", validate=validate.OneOf(LANGUAGES))
    reminder_time = LocalTime(required=True)
    bp_reminder_time = LocalTime(load_default=None, allow_none=True)
    c1d1 = Day(required=True)
    dose_mg = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=0, min_inclusive=False, max=10000)
    )
    baseline_sbp = BaselineMmHg(load_default=None)
    baseline_dbp = BaselineMmHg(load_default=None)


class ParticipantPatch(Schema):
    timezone = TimeZone()
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    reminder_time = LocalTime()
    bp_reminder_time = LocalTime()
    status = fields.String(validate=validate.OneOf([s for s in STATUSES if s != "off_treatment"]))
    baseline_sbp = BaselineMmHg()
    baseline_dbp = BaselineMmHg()
    reason = Reason(required=True)


class ParticipantFilter(PageArgs):
    status = fields.String(validate=validate.OneOf(STATUSES))
    site_id = fields.String(validate=validate.Length(max=32))


class ActivationCodeOut(Schema):
    code = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)
    activation_url = fields.String(
        required=True, metadata={"description": "opens the patient app with the code filled in"}
    )
    qr_svg = fields.String(required=True, metadata={"description": "a QR code of activation_url, SVG"})


class RevokeIn(Schema):
    reason = Reason(required=True)


@blp.route("")
class ParticipantList(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(ParticipantFilter, location="query")
    @blp.response(200, ParticipantOut(many=True), headers=NEXT_HEADERS)
    def get(self, filters: dict):
        """Participants the caller may see (site-scoped), by study id; paged with ``limit``/``cursor``."""
        actor = staff_actor()
        after = decode_cursor("participants", filters.pop("cursor", None))
        page = participants.list_participants(db.session, actor, after=after, **filters)
        return page.rows, page_headers("participants", page)

    @allow(*WRITE_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(ParticipantIn)
    @blp.response(201, ParticipantOut)
    def post(self, body: dict):
        """Enrol a participant; cycle 1 is confirmed with day 1 = c1d1."""
        return participants.enrol(db.session, staff_actor(), now=clock.now(), **body)


@blp.route("/<participant_id>")
class ParticipantItem(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, ParticipantOut)
    def get(self, participant_id: str):
        """One participant."""
        return participants.read(db.session, staff_actor(), participant_id)

    @allow(*WRITE_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(ParticipantPatch)
    @blp.response(200, ParticipantOut)
    def patch(self, body: dict, participant_id: str):
        """Change details; a reason is required and goes to the audit trail."""
        reason = body.pop("reason")
        return participants.update(
            db.session, staff_actor(), participant_id, body, reason=reason, now=clock.now()
        )


def qr_svg(url: str) -> str:
    """A QR code of ``url`` as SVG (medium error correction: survives a creased printout)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False)
    return buffer.getvalue().decode()


@blp.route("/<participant_id>/activation-code")
class ActivationCodeView(MethodView):
    @allow(*WRITE_ROLES)
    @blp.doc(security=SECURITY)
    @blp.response(201, ActivationCodeOut)
    def post(self, participant_id: str) -> dict:
        """Issue a single-use activation code (valid 72 h); any earlier unused code is revoked."""
        pepper = current_app.config["SETTINGS"].token_pepper
        code, row = activation.issue_code(
            db.session, staff_actor(), participant_id, pepper=pepper, now=clock.now()
        )
        url = f"{current_app.config['SETTINGS'].public_base_url}/?code={quote(code)}"
        return {"code": code, "expires_at": row.expires_at, "activation_url": url, "qr_svg": qr_svg(url)}


@blp.route("/<participant_id>/devices")
class Devices(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, DeviceOut(many=True))
    def get(self, participant_id: str) -> list:
        """The participant's enrolled phones."""
        return activation.list_devices(db.session, staff_actor(), participant_id)


@blp.route("/<participant_id>/devices/<device_id>/revoke")
class DeviceRevoke(MethodView):
    @allow(*WRITE_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(RevokeIn)
    @blp.response(200, DeviceOut)
    def post(self, body: dict, participant_id: str, device_id: str):
        """Revoke a device token (lost phone); the device's next request gets 401."""
        return activation.revoke_device(
            db.session, staff_actor(), participant_id, device_id, reason=body["reason"], now=clock.now()
        )


@blp.route("/<participant_id>/audit")
class Audit(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, AuditEventOut(many=True), headers=NEXT_HEADERS)
    def get(self, paging: dict, participant_id: str):
        """The participant's audit trail, oldest first; paged with ``limit``/``cursor``."""
        actor = staff_actor()
        require_role(actor, READ_ROLES)
        participant = participants.read(db.session, actor, participant_id)
        after = decode_cursor("audit", paging.get("cursor"))
        limit = paging.get("limit")
        page = audit.events_for_participant(db.session, participant.id, after=after, limit=limit)
        names = actor_names(db.session, page.rows, participant)
        columns = [name for name in AuditEventOut._declared_fields if name != "actor_name"]
        rows = [
            {**{column: getattr(event, column) for column in columns}, "actor_name": name}
            for event, name in zip(page.rows, names, strict=True)
        ]
        return rows, page_headers("audit", page)
