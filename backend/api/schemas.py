"""Response schemas shared by several blueprints."""

from __future__ import annotations

from marshmallow import Schema, fields


class ParticipantOut(Schema):
    id = fields.String(required=True)
    study_id = fields.String(required=True)
    site_id = fields.String(required=True)
    timezone = fields.String(required=True)
    language = fields.String(required=True)
    reminder_time = fields.Time(format="%H:%M", required=True)
    bp_reminder_time = fields.Time(format="%H:%M", required=True)
    status = fields.String(required=True)
    protocol_ref = fields.String(required=True)
    c1d1 = fields.Date(required=True)
    initial_dose_mg = fields.Float(required=True)
    discontinued_on = fields.Date(allow_none=True, required=True)
    baseline_sbp = fields.Integer(allow_none=True, required=True)
    baseline_dbp = fields.Integer(allow_none=True, required=True)
    timezone_policy = fields.String(
        required=True, metadata={"description": "travel: home (dose on this zone's clock) or local"}
    )
    device_timezone = fields.String(
        required=True, allow_none=True, metadata={"description": "the phone's zone, as last reported"}
    )
    created_at = fields.AwareDateTime(required=True)


class AuditEventOut(Schema):
    id = fields.Integer(required=True)
    server_time = fields.AwareDateTime(required=True)
    actor_type = fields.String(required=True)
    actor_id = fields.String(required=True)
    actor_label = fields.String(allow_none=True)
    actor_name = fields.String(
        metadata={"description": "who acted, in words (staff name and role, or study id and device)"}
    )
    action = fields.String(required=True)
    entity = fields.String(required=True)
    entity_id = fields.String(required=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    reason = fields.String(allow_none=True)
    request_id = fields.String(required=True)


class DeviceOut(Schema):
    id = fields.String(required=True)
    label = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    last_seen_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
