"""Patient self-reports (BP readings, symptom questionnaires) and the staff views of them."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from backend import clock
from backend.api.access import SECURITY, device_actor, staff_actor
from backend.api.alerts import AlertOut, reader_language, serialise
from backend.api.fields import Instant
from backend.api.pagination import NEXT_HEADERS, PageArgs, decode_cursor, page_headers
from backend.db import db
from backend.domain.bp import DIASTOLIC_BOUNDS, PULSE_BOUNDS, SYSTOLIC_BOUNDS
from backend.domain.questionnaire import TEMPERATURE_BOUNDS_C, QuestionnaireError, load_questionnaire, render
from backend.services import bp_readings, self_reports, symptom_reports
from backend.services.errors import NotFound
from backend.services.scope import READ_ROLES, get_participant, require_role

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Symptom and BP self-reports")

SAME_CLIENT_ID = "the same client_id was sent before: the first result, nothing new recorded"


def _bounds(bounds: tuple[float, float]) -> dict:
    """OpenAPI metadata for a plausibility range the service checks (the 422 names the bound)."""
    return {"minimum": bounds[0], "maximum": bounds[1]}


class PatientAdviceOut(Schema):
    code = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(self_reports.LEVELS))
    text = fields.String(required=True)


class BpReadingIn(Schema):
    client_id = fields.UUID(required=True)
    measured_at = Instant(required=True)
    systolic = fields.Integer(required=True, strict=True, metadata=_bounds(SYSTOLIC_BOUNDS))
    diastolic = fields.Integer(required=True, strict=True, metadata=_bounds(DIASTOLIC_BOUNDS))
    pulse = fields.Integer(load_default=None, allow_none=True, strict=True, metadata=_bounds(PULSE_BOUNDS))
    sitting_id = fields.UUID(load_default=None, allow_none=True)


class BpReadingOut(Schema):
    id = fields.String(required=True)
    participant_id = fields.String(required=True)
    client_id = fields.String(required=True)
    sitting_id = fields.String(required=True)
    measured_at = fields.AwareDateTime(required=True)
    systolic = fields.Integer(required=True)
    diastolic = fields.Integer(required=True)
    pulse = fields.Integer(allow_none=True, required=True)
    grade = fields.Integer(allow_none=True, required=True)
    grading = fields.Dict(
        allow_none=True,
        required=True,
        metadata={
            "description": "evidence of the grade: table, mean, MAP and, under CTCAE v6.0, whether the "
            "baseline-rise criterion could be applied and was met"
        },
    )
    advice_shown = fields.Nested(PatientAdviceOut, allow_none=True, required=True)
    received_at = fields.AwareDateTime(required=True)


class BpResultOut(Schema):
    reading = fields.Nested(BpReadingOut, required=True)
    grade = fields.Integer(allow_none=True, required=True)
    advice = fields.Nested(PatientAdviceOut, required=True)
    repeat_requested = fields.Boolean(required=True)
    alert = fields.Nested(AlertOut, allow_none=True, required=True)


class SymptomReportIn(Schema):
    client_id = fields.UUID(required=True)
    reported_at = Instant(load_default=None, allow_none=True)
    # Scores are checked against each item's own scale by the service, so every bad answer
    # gets one message naming answers.<item code> (unknown item, out of range, not an integer).
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=64)),
        values=fields.Raw(allow_none=True, metadata={"type": "integer", "minimum": 0, "maximum": 4}),
        required=True,
        metadata={"description": "item code (1 to 64 characters) -> answer 0-4, or null for a skipped item"},
    )
    temperature_c = fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(
            min=TEMPERATURE_BOUNDS_C[0],
            max=TEMPERATURE_BOUNDS_C[1],
            error="must be from {min} to {max} °C",
        ),
    )


class SymptomReportOut(Schema):
    id = fields.String(required=True)
    participant_id = fields.String(required=True)
    client_id = fields.String(required=True)
    questionnaire = fields.String(required=True)
    reported_at = fields.AwareDateTime(required=True)
    answers = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    temperature_c = fields.Float(allow_none=True, required=True)
    advice_shown = fields.List(fields.Nested(PatientAdviceOut), allow_none=True, required=True)
    received_at = fields.AwareDateTime(required=True)


class SymptomResultOut(Schema):
    report = fields.Nested(SymptomReportOut, required=True)
    advice = fields.List(fields.Nested(PatientAdviceOut), required=True)
    alerts = fields.List(fields.Nested(AlertOut), required=True)


class OptionOut(Schema):
    value = fields.Integer(required=True)
    label = fields.String(required=True)


class ItemOut(Schema):
    code = fields.String(required=True)
    attribute = fields.String(required=True)
    question = fields.String(required=True)
    options = fields.List(fields.Nested(OptionOut), required=True)


class SymptomGroupOut(Schema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    temperature = fields.Boolean(required=True)
    items = fields.List(fields.Nested(ItemOut), required=True)


class QuestionnaireOut(Schema):
    questionnaire = fields.String(required=True)
    language = fields.String(required=True)
    recall = fields.String(required=True)
    symptoms = fields.List(fields.Nested(SymptomGroupOut), required=True)


@blp.route("/me/symptom-items")
class SymptomItems(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, QuestionnaireOut)
    def get(self) -> dict:
        """The symptom questionnaire in the participant's language: items, wording and options."""
        actor = device_actor()
        participant = get_participant(db.session, actor, actor.participant_id or "")
        return render(symptom_reports.questionnaire_for(participant), participant.language)


@blp.route("/me/symptom-reports")
class MySymptomReports(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(SymptomReportIn)
    @blp.response(201, SymptomResultOut)
    @blp.alt_response(200, schema=SymptomResultOut, description=SAME_CLIENT_ID)
    def post(self, body: dict):
        """Report symptoms: every answer is checked, the advice shown is returned with any alerts."""
        result = symptom_reports.record_symptom_report(
            db.session,
            device_actor(),
            client_id=str(body["client_id"]),
            answers=body["answers"],
            temperature_c=body["temperature_c"],
            reported_at=body["reported_at"],
            now=clock.now(),
        )
        out = {
            "report": result.report,
            "advice": result.advice,
            "alerts": serialise(db.session, result.alerts),
        }
        return out, 201 if result.created else 200


@blp.route("/me/bp-readings")
class MyBpReadings(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(BpReadingIn)
    @blp.response(201, BpResultOut)
    @blp.alt_response(200, schema=BpResultOut, description=SAME_CLIENT_ID)
    def post(self, body: dict):
        """Record a home BP reading; its sitting is graded on the mean and advice is returned."""
        sitting = body["sitting_id"]
        result = bp_readings.record_bp_reading(
            db.session,
            device_actor(),
            client_id=str(body["client_id"]),
            measured_at=body["measured_at"],
            systolic=body["systolic"],
            diastolic=body["diastolic"],
            pulse=body["pulse"],
            sitting_id=str(sitting) if sitting is not None else None,
            now=clock.now(),
        )
        alert = serialise(db.session, [result.alert])[0] if result.alert is not None else None
        out = {
            "reading": result.reading,
            "grade": result.grade,
            "advice": result.advice,
            "repeat_requested": result.repeat_requested,
            "alert": alert,
        }
        return out, 201 if result.created else 200


@blp.route("/participants/<participant_id>/bp-readings")
class ParticipantBpReadings(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, BpReadingOut(many=True), headers=NEXT_HEADERS)
    def get(self, paging: dict, participant_id: str):
        """A participant's home BP readings, newest first; paged with ``limit``/``cursor``."""
        actor = staff_actor()
        after = decode_cursor("bp-readings", paging.get("cursor"))
        limit = paging.get("limit")
        page = bp_readings.list_bp_readings(db.session, actor, participant_id, after=after, limit=limit)
        return page.rows, page_headers("bp-readings", page)


@blp.route("/participants/<participant_id>/symptom-reports")
class ParticipantSymptomReports(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, SymptomReportOut(many=True), headers=NEXT_HEADERS)
    def get(self, paging: dict, participant_id: str):
        """A participant's symptom reports, newest first; paged with ``limit``/``cursor``."""
        actor = staff_actor()
        after = decode_cursor("symptom-reports", paging.get("cursor"))
        page = symptom_reports.list_symptom_reports(
            db.session, actor, participant_id, after=after, limit=paging.get("limit")
        )
        return page.rows, page_headers("symptom-reports", page)


class StaffQuestionnaireArgs(Schema):
    questionnaire = fields.String(
        validate=validate.Regexp(r"^[a-z0-9][a-z0-9.-]{0,63}$"),
        metadata={
            "description": "the key a report names (its ``questionnaire``); default: the participant's"
        },
    )


@blp.route("/participants/<participant_id>/symptom-items")
class ParticipantSymptomItems(MethodView):
    @blp.doc(security=SECURITY)
    @blp.arguments(StaffQuestionnaireArgs, location="query")
    @blp.response(200, QuestionnaireOut)
    def get(self, args: dict, participant_id: str):
        """The symptom questionnaire as the participant saw it, worded in the reader's language.

        The same items, questions and answer labels as the patient's app (PRO-CTCAE), in the
        language of ``Accept-Language`` (en or zh-CN), so the site reads a report's scores as the
        questions that were asked. A fixed, small document: no paging.
        """
        actor = staff_actor()
        require_role(actor, READ_ROLES)
        participant = get_participant(db.session, actor, participant_id)
        key = args.get("questionnaire")
        if key is None:
            questionnaire = symptom_reports.questionnaire_for(participant)
        else:
            try:
                questionnaire = load_questionnaire(key)
            except QuestionnaireError:
                raise NotFound("questionnaire not found") from None
        return render(questionnaire, reader_language())
