"""The diary API's dose schemas: a day's entry as the patient or the site sends it, and as answered."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from backend.api.fields import Day, Instant, Reason


class RangeArgs(Schema):
    start = Day(data_key="from", load_default=None, metadata={"description": "first date (local)"})
    end = Day(data_key="to", load_default=None, metadata={"description": "last date, inclusive"})


class DoseIn(Schema):
    taken = fields.Boolean(required=True)
    taken_at = Instant(load_default=None, allow_none=True)
    dose_mg = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=0, min_inclusive=False, max=10000)
    )
    vomited_after = fields.Boolean(load_default=False)
    missed_reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class PatientDoseIn(DoseIn):
    reason_for_change = Reason(load_default=None, allow_none=True)


class SiteDoseIn(DoseIn):
    reason = Reason(required=True)
    source_detail = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200),
        metadata={"description": 'how the site learned it, e.g. "phone call", "pill count"'},
    )


class DoseLogOut(Schema):
    id = fields.String(required=True)
    date = fields.Date(attribute="local_date", required=True)
    taken = fields.Boolean(required=True)
    taken_at = fields.AwareDateTime(required=True, allow_none=True)
    dose_mg = fields.Float(required=True, allow_none=True)
    vomited_after = fields.Boolean(required=True)
    missed_reason = fields.String(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)
    entered_by = fields.String(required=True)
    entered_at = fields.AwareDateTime(required=True)
    device_time = fields.AwareDateTime(required=True, allow_none=True)
    device_timezone = fields.String(
        required=True, allow_none=True, metadata={"description": "the phone's zone"}
    )
    source = fields.String(required=True)
    source_detail = fields.String(required=True, allow_none=True)
    late = fields.Boolean(attribute="is_late", required=True)
    deviation = fields.Boolean(attribute="is_deviation", required=True)
    flags = fields.List(fields.String(), required=True)
    version = fields.Integer(required=True)
