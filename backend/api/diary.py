"""The dosing diary over HTTP: the patient's today, calendar and entries, and the site's view and entry."""

from __future__ import annotations

import datetime as dt

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from backend import clock
from backend.api.access import SECURITY, allow, device_actor, staff_actor
from backend.api.dose_schemas import DoseLogOut, PatientDoseIn, RangeArgs, SiteDoseIn
from backend.api.fields import check_instant
from backend.api.fields import parse_day as fields_parse_day
from backend.db import db
from backend.domain import instruction
from backend.domain.i18n import LANGUAGES
from backend.services import diary, patient_day, travel
from backend.services.errors import Invalid
from backend.services.scope import WRITE_ROLES

blp = Blueprint("diary", __name__, url_prefix="/api/v1", description="Dosing diary")

DEVICE_TIME_HEADER = "X-Device-Time"


_MOVED = "a change of time zone moved this day's dose off the dose time (12 h after the previous dose)"
_DUE = "prescribed days: when the dose is due (a change of zone keeps it 12 h after the previous one)"


class CalendarDayOut(Schema):
    date = fields.Date(required=True)
    cycle = fields.Integer(required=True, allow_none=True)
    cycle_day = fields.Integer(required=True, allow_none=True)
    phase = fields.String(required=True)
    expected_dose_mg = fields.Float(required=True, allow_none=True)
    status = fields.String(required=True)
    late = fields.Boolean(required=True)
    confirmed_late = fields.Boolean(
        required=True,
        metadata={
            "description": "a dosing day the site confirmed for a past date (never announced to the "
            "patient in time); without an entry its status is confirmed_late"
        },
    )
    wait_for_team = fields.Boolean(
        required=True,
        metadata={
            "description": "a day of waiting for the study team after a confirmed >=160/100 sitting: "
            "no anlotinib was to be taken (not prescribed: no reminder, not in adherence)"
        },
    )
    dose_due_at = fields.AwareDateTime(required=True, allow_none=True, metadata={"description": _DUE})
    dose_time_moved = fields.Boolean(required=True, metadata={"description": _MOVED})
    dose_log = fields.Nested(DoseLogOut, required=True, allow_none=True)


class CalendarOut(Schema):
    start = fields.Date(data_key="from", required=True)
    end = fields.Date(data_key="to", required=True)
    days = fields.List(fields.Nested(CalendarDayOut), required=True)


class DayAdviceOut(Schema):
    code = fields.String(required=True)
    level = fields.String(required=True)
    text = fields.String(required=True)


class InstructionOut(Schema):
    state = fields.String(required=True, validate=validate.OneOf(instruction.STATES))
    level = fields.String(required=True)
    headline = fields.String(required=True)
    text = fields.String(required=True)
    dose_form = fields.String(
        required=True,
        validate=validate.OneOf((instruction.FORM_ASK, instruction.FORM_RECORDED, instruction.FORM_ANYWAY)),
        metadata={"description": "ask: the taken / not taken question; recorded: the entry, with "
                  "'change'; anyway: only 'I took a dose anyway: record it'"},
    )  # fmt: skip
    take_dose = fields.Boolean(required=True)
    make_up_until = fields.AwareDateTime(required=True, allow_none=True)
    next_dose_date = fields.Date(required=True, allow_none=True)
    wait_since = fields.AwareDateTime(required=True, allow_none=True)


class SiteContactOut(Schema):
    phone_day = fields.String(required=True, allow_none=True, metadata={"description": "E.164"})
    phone_night = fields.String(required=True, allow_none=True, metadata={"description": "E.164"})


class TravelPromptOut(Schema):
    device_timezone = fields.String(required=True, metadata={"description": "the phone's zone"})
    timezone = fields.String(required=True, metadata={"description": "the participant's zone (home)"})
    dose_time = fields.String(required=True, metadata={"description": "dose time at home, HH:MM"})
    dose_time_here = fields.String(
        required=True, metadata={"description": "the same instant on the phone's clock"}
    )
    effective_date = fields.Date(required=True, metadata={"description": "first day on local time if moved"})


class TodayOut(Schema):
    date = fields.Date(required=True)
    cycle = fields.Integer(required=True, allow_none=True)
    cycle_day = fields.Integer(required=True, allow_none=True)
    phase = fields.String(required=True)
    expected_dose_mg = fields.Float(required=True, allow_none=True)
    cycle_dosing_days = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "on a dosing day, how many dosing days its cycle has (day 3 of 14)"},
    )
    status = fields.String(required=True)
    dose_log = fields.Nested(DoseLogOut, required=True, allow_none=True)
    bp_due = fields.Boolean(required=True)
    advice = fields.Nested(DayAdviceOut, required=True)
    dose_due_at = fields.AwareDateTime(required=True, allow_none=True, metadata={"description": _DUE})
    dose_time_moved = fields.Boolean(required=True, metadata={"description": _MOVED})
    travel_prompt = fields.Nested(
        TravelPromptOut,
        required=True,
        allow_none=True,
        metadata={"description": "the phone is in another zone: keep home time or move to local time"},
    )
    instruction = fields.Nested(
        InstructionOut,
        required=True,
        metadata={"description": "the one instruction for today: headline, advice and dose form follow it"},
    )
    contact = fields.Nested(
        SiteContactOut, required=True, metadata={"description": "the study site's numbers (tap to call)"}
    )
    valid_until = fields.AwareDateTime(
        required=True,
        metadata={
            "description": "when the clock alone changes this answer (the make-up cut-off, else the end of "
            "the participant's day): the app never shows a copy it kept as current after it"
        },
    )


def parse_day(value: str) -> dt.date:
    """A diary date from the path, exactly ``YYYY-MM-DD``, within the plausible window."""
    try:
        return fields_parse_day(value)
    except ValueError as error:
        raise Invalid({"date": str(error)}) from None


def device_time() -> dt.datetime | None:
    """The phone's clock when the entry was captured, from ``X-Device-Time`` (ISO 8601 with offset).

    The PWA sends the capture time, not the sending time: an entry queued offline and synced
    hours later still says when the patient made it (ALCOA+ contemporaneous), next to the server's
    ``entered_at``.
    """
    raw = request.headers.get(DEVICE_TIME_HEADER)
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        value = None
    if value is None or value.utcoffset() is None:
        raise Invalid({DEVICE_TIME_HEADER: "expected an ISO 8601 instant with an offset"})
    try:
        return check_instant(value).astimezone(dt.UTC)
    except ValueError as error:
        raise Invalid({DEVICE_TIME_HEADER: str(error)}) from None


def _range(args: dict, participant, now: dt.datetime) -> tuple[dt.date, dt.date]:
    start, end = patient_day.default_range(participant, now)
    return args["start"] or start, args["end"] or end


def _calendar(participant, args: dict) -> dict:
    now = clock.now()
    start, end = _range(args, participant, now)
    days = patient_day.calendar_for(db.session, participant, start, end, now)
    return {"start": start, "end": end, "days": days}


class TodayArgs(Schema):
    lang = fields.String(
        load_default=None,
        validate=validate.OneOf(LANGUAGES),
        metadata={"description": "the app's language for the instruction (default: the participant's)"},
    )


@blp.route("/me/today")
class Today(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(TodayArgs, location="query")
    @blp.response(200, TodayOut)
    def get(self, args: dict) -> dict:
        """Today for the patient: phase, expected dose, today's entry, whether BP is due, and the
        one instruction for the day (headline, advice and dose form all follow it)."""
        return patient_day.today(db.session, device_actor(), clock.now(), language=args["lang"])


@blp.route("/me/calendar")
class MyCalendar(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(RangeArgs, location="query")
    @blp.response(200, CalendarOut)
    def get(self, args: dict) -> dict:
        """The patient's calendar (default: four weeks back, two ahead; at most 400 days)."""
        return _calendar(diary.me(db.session, device_actor()), args)


@blp.route("/me/doses")
class MyDoses(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(RangeArgs, location="query")
    @blp.response(200, DoseLogOut(many=True))
    def get(self, args: dict) -> list:
        """The patient's entries in a date range (default: four weeks back)."""
        participant = diary.me(db.session, device_actor())
        start, end = _range(args, participant, clock.now())
        return diary.list_doses(db.session, participant, start, end)


@blp.route("/me/doses/<date>")
class MyDose(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(PatientDoseIn)
    @blp.response(200, DoseLogOut, description="updated, or an identical repeat (no change)")
    @blp.alt_response(201, schema=DoseLogOut, description="created")
    def put(self, body: dict, date: str):
        """Enter or change the day's dose (upsert by local date; a change needs reason_for_change)."""
        actor = device_actor()
        day = parse_day(date)
        reason = body.pop("reason_for_change")
        log, created = diary.put_patient_dose(
            db.session,
            actor,
            day,
            body,
            reason_for_change=reason,
            device_time=device_time(),
            device_timezone=travel.device_zone(request.headers.get(travel.HEADER)),
            now=clock.now(),
        )
        return log, 201 if created else 200


@blp.route("/participants/<participant_id>/calendar")
class SiteCalendar(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(RangeArgs, location="query")
    @blp.response(200, CalendarOut)
    def get(self, args: dict, participant_id: str) -> dict:
        """A participant's calendar with each day's entry and flags (site staff)."""
        return _calendar(diary.site_reader(db.session, staff_actor(), participant_id), args)


@blp.route("/participants/<participant_id>/doses/<date>")
class SiteDose(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, DoseLogOut)
    def get(self, participant_id: str, date: str):
        """A participant's entry for one day (404 when there is none)."""
        participant = diary.site_reader(db.session, staff_actor(), participant_id)
        return diary.get_dose(db.session, participant, parse_day(date))

    @allow(*WRITE_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(SiteDoseIn)
    @blp.response(200, DoseLogOut, description="updated, or an identical repeat (no change)")
    @blp.alt_response(201, schema=DoseLogOut, description="created")
    def put(self, body: dict, participant_id: str, date: str):
        """Enter or change a day on the patient's behalf, at any age, with reason and source_detail."""
        actor = staff_actor()
        reason, source_detail = body.pop("reason"), body.pop("source_detail")
        log, created = diary.put_site_dose(
            db.session,
            actor,
            participant_id,
            parse_day(date),
            body,
            reason=reason,
            source_detail=source_detail,
            now=clock.now(),
        )
        return log, 201 if created else 200
