"""The HTTP API (flask-smorest): one Blueprint per resource, mounted under /api/v1."""

from __future__ import annotations

import json

from flask import Flask, current_app
from flask_smorest import Api as SmorestApi
from flask_smorest.error_handler import ErrorSchema
from marshmallow import fields
from werkzeug.exceptions import HTTPException

from backend.api.limits import limiter

API_CONFIG = {
    "API_TITLE": "Dosing Diary API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    # Swagger UI's assets come from the swagger-ui-bundle package, served by docs_assets.
    "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
}


class ApiErrorSchema(ErrorSchema):
    """flask-smorest's error body plus ``reason``: a stable code for what happened, where the status
    alone does not say it (e.g. ``activation_code_expired``), so clients can word it themselves."""

    errors = fields.Dict(
        keys=fields.String(),
        # A field's messages are a list of strings, or, for a field inside a list or a map (the
        # symptom answers, a sitting's readings), an object of the same shape keyed by the
        # position or key: marshmallow's nested error layout.
        values=fields.Dict(keys=fields.String(), values=fields.Raw()),
        metadata={
            "description": "Field errors grouped by where each field was sent: `json` (the body), "
            "`query`, `path` or `headers`; each maps a field name to its messages, e.g. "
            '`{"path": {"date": ["2026-12-02 is in the future"]}}`, or for a field inside a '
            "list or map to an object of the same shape keyed by position or key, e.g. "
            '`{"json": {"answers": {"": {"key": ["Length must be between 1 and 64."]}}}}`'
        },
    )
    reason = fields.String(metadata={"description": "Machine-readable cause, when there is one"})


class Api(SmorestApi):
    """flask-smorest's Api, with the ``Allow`` header on 405 answers (RFC 9110)."""

    ERROR_SCHEMA = ApiErrorSchema

    def handle_http_exception(self, error: HTTPException):
        payload, code, headers = super().handle_http_exception(error)
        valid = getattr(error, "valid_methods", None)
        if code == 405 and valid:
            headers = {**headers, "Allow": ", ".join(valid)}
        if "message" not in payload and error.description and code != 500:
            payload["message"] = error.description
        return payload, code, headers

    def _openapi_json(self):
        """The generated document, completed with what the request hooks enforce."""
        from backend.api import openapi_doc  # not at the top: `backend.api.fields` would shadow `fields`

        return current_app.response_class(
            json.dumps(openapi_doc.document(self.spec.to_dict()), indent=2, sort_keys=False),
            mimetype="application/json",
        )


def init_app(app: Flask) -> None:
    """Attach the API and every resource blueprint to ``app``."""
    from backend.api import (
        adherence,
        alerts,
        auth,
        deliveries,
        device,
        diary,
        exports,
        health,
        overview,
        participants,
        pill_counts,
        push,
        queries,
        reports,
        signatures,
        sites,
        travel,
        treatment,
    )

    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {"components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}}},
    )
    api = Api(app)
    from backend.api import docs_assets

    app.register_blueprint(docs_assets.bp)
    from backend.api import openapi_doc

    api.ma_plugin.converter.add_attribute_function(openapi_doc.exclusive_bounds)
    limiter.init_app(app)
    for module in (
        auth,
        sites,
        participants,
        device,
        health,
        treatment,
        diary,
        adherence,
        overview,
        push,
        reports,
        alerts,
        exports,
        signatures,
        queries,
        pill_counts,
        travel,
        deliveries,
    ):
        api.register_blueprint(module.blp)
    queries.register_components(api)
    app.extensions["smorest_api"] = api
