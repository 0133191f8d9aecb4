"""Swagger UI's files for /api/docs, from the ``swagger-ui-bundle`` package (a dependency that
ships them), so the API documentation works on a hospital intranet without any CDN."""

from __future__ import annotations

from flask import Blueprint, Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("swagger_ui_assets", __name__)


@bp.get("/api/docs/assets/<path:filename>")
def asset(filename: str) -> Response:
    """One Swagger UI file (404 for anything the package does not ship)."""
    return send_from_directory(str(swagger_ui_path), filename)
