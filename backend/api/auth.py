"""Staff login and logout."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from backend import clock
from backend.api.access import SECURITY, bearer_token, staff_actor
from backend.api.fields import Email
from backend.api.hooks import keep_changes_on_error
from backend.api.limits import LOGIN_LIMIT, limiter
from backend.api.sites import StaffOut
from backend.db import db
from backend.services import auth

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Staff sign-in")


class LoginIn(Schema):
    email = Email(required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class LoginOut(Schema):
    access_token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)
    user = fields.Nested(StaffOut, required=True)


@blp.route("/login")
class Login(MethodView):
    decorators = [limiter.limit(LOGIN_LIMIT)]

    @blp.arguments(LoginIn)
    @blp.response(200, LoginOut)
    def post(self, body: dict) -> dict:
        """Sign in with e-mail and password; returns a bearer token."""
        settings = current_app.config["SETTINGS"]
        keep_changes_on_error()  # the failed-login count must survive the 401/429
        token, row, user = auth.login(
            db.session,
            body["email"],
            body["password"],
            pepper=settings.token_pepper,
            hours=settings.staff_token_hours,
            now=clock.now(),
        )
        return {"access_token": token, "expires_at": row.expires_at, "user": user}


@blp.route("/logout")
class Logout(MethodView):
    @blp.doc(security=SECURITY)
    @blp.response(204)
    def post(self) -> None:
        """Revoke the token this request was made with."""
        actor = staff_actor()
        auth.logout(
            db.session,
            actor,
            bearer_token(),
            pepper=current_app.config["SETTINGS"].token_pepper,
            now=clock.now(),
        )
