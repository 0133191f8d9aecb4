"""Sites and staff accounts."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from backend import clock
from backend.api.access import SECURITY, allow, staff_actor
from backend.api.fields import Email, Phone, Reason, TimeZone
from backend.db import db
from backend.models.sites import ROLES
from backend.services import login_lock, sites
from backend.services.scope import WRITE_ROLES

blp = Blueprint("sites", __name__, url_prefix="/api/v1", description="Sites and staff")


class SiteIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$"))
    timezone = TimeZone(required=True)
    alert_emails = fields.List(Email(), required=True, validate=validate.Length(max=20))
    phone_day = Phone(load_default=None, allow_none=True)
    phone_night = Phone(load_default=None, allow_none=True)


class SitePatchIn(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    alert_emails = fields.List(Email(), validate=validate.Length(max=20))
    phone_day = Phone(
        allow_none=True, metadata={"description": "shown to patients in urgent advice (daytime)"}
    )
    phone_night = Phone(allow_none=True, metadata={"description": "night and weekend number"})
    reason = Reason(required=True)


class SiteOut(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    code = fields.String(required=True)
    timezone = fields.String(required=True)
    alert_emails = fields.List(fields.String(), required=True)
    phone_day = fields.String(required=True, allow_none=True)
    phone_night = fields.String(required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class StaffIn(Schema):
    email = Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    site_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=32))
    password = fields.String(required=True, validate=validate.Length(min=12, max=200))


class StaffOut(Schema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    site_id = fields.String(allow_none=True, required=True)
    is_active = fields.Boolean(required=True)
    login_locked_until = fields.AwareDateTime(
        allow_none=True, metadata={"description": "password login locked until (ten failed logins)"}
    )


@blp.route("/sites")
class Sites(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, SiteOut(many=True))
    def get(self) -> list:
        """Sites the caller may see."""
        return sites.list_sites(db.session, staff_actor())

    @allow("admin")
    @blp.doc(security=SECURITY)
    @blp.arguments(SiteIn)
    @blp.response(201, SiteOut)
    def post(self, body: dict):
        """Create a site (admin)."""
        return sites.create_site(db.session, staff_actor(), now=clock.now(), **body)


@blp.route("/sites/<site_id>")
class SiteItem(MethodView):
    @allow("admin", *WRITE_ROLES)
    @blp.doc(security=SECURITY)
    @blp.arguments(SitePatchIn)
    @blp.response(200, SiteOut)
    def patch(self, body: dict, site_id: str):
        """Change a site's name, alert e-mails or day/night phone numbers, with a reason (audited).

        Admins, and the site's own coordinators and investigators.
        """
        return sites.update_site(db.session, staff_actor(), site_id, now=clock.now(), **body)


@blp.route("/staff")
class Staff(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(200, StaffOut(many=True))
    def get(self) -> list:
        """All staff accounts (admin)."""
        return sites.list_staff(db.session, staff_actor())

    @allow("admin")
    @blp.doc(security=SECURITY)
    @blp.arguments(StaffIn)
    @blp.response(201, StaffOut)
    def post(self, body: dict):
        """Create a staff account (admin)."""
        return sites.create_staff(db.session, staff_actor(), now=clock.now(), **body)


class UnlockIn(Schema):
    reason = Reason(required=True)


@blp.route("/staff/<user_id>/unlock")
class StaffUnlock(MethodView):
    @allow("admin")
    @blp.doc(security=SECURITY)
    @blp.arguments(UnlockIn)
    @blp.response(200, StaffOut)
    def post(self, body: dict, user_id: str):
        """Lift an account's login lock (ten failed logins lock it for 15 minutes) early (admin, audited)."""
        return login_lock.unlock(db.session, staff_actor(), user_id, reason=body["reason"], now=clock.now())
