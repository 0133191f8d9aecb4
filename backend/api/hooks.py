"""Per-request plumbing: request id, the single commit, service errors, headers and CORS."""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.http import HTTP_STATUS_CODES as HTTP_STATUS_NAMES

from backend.api import access, guard, locations
from backend.db import db
from backend.runtime import service_context
from backend.services.errors import ServiceError

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
# The API docs page: Swagger UI from this server (the swagger-ui-bundle package), nothing from
# another origin; flask-smorest's page starts it with an inline script, so only it allows one.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def keep_changes_on_error() -> None:
    """Commit this request's writes even though it answers with an error (e.g. a failed-try counter)."""
    g.commit_on_error = True


def _start_request():
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming[:64] if incoming.isprintable() and incoming else secrets.token_hex(8)
    g.service_context = service_context(current_app._get_current_object(), g.request_id)
    access.enforce()  # who is calling, before anything reads the body (401/403 before 422)
    return guard.check_request()


RETRY_AFTER_SECONDS = 5
UNAVAILABLE = {"code": 503, "status": "Service Unavailable", "message": "database unavailable; retry"}
CONFLICT = {"code": 409, "status": "Conflict", "message": "conflicting concurrent write; retry"}


def _unavailable_response() -> Response:
    """503 with Retry-After: the database is down, restarting or busy; the request changed nothing."""
    return current_app.make_response((UNAVAILABLE, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}))


def _is_outage(error: BaseException) -> bool:
    """A database that cannot be reached or answer (not a bug in a statement)."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def _database_unavailable(error: DBAPIError | PoolTimeout):
    """Any request that meets a database outage answers 503 + Retry-After, never 500."""
    if not _is_outage(error):
        raise error
    current_app.logger.warning("database unavailable: %s", type(error).__name__)
    g.database_unavailable = True
    try:
        db.rollback_request()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it
        current_app.logger.debug("rollback after an outage failed", exc_info=True)
    return UNAVAILABLE, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _finish_request(response: Response) -> Response:
    """Commit (or roll back) the request's writes, then give the answer, whichever it turned out
    to be (a 409 or 503 produced by the commit itself included), its headers and request id."""
    if not g.get("database_unavailable"):
        response = _commit(response)
    return _headers(response)


def _commit(response: Response) -> Response:
    """Commit on success (or ``keep_changes_on_error``), else roll back; the answer to give."""
    try:
        if response.status_code < 400 or g.get("commit_on_error"):
            db.commit_request()
        else:
            db.rollback_request()
    except IntegrityError:
        # A concurrent request wrote the same unique row first: the client should retry.
        return current_app.make_response((CONFLICT, 409))
    except (OperationalError, InterfaceError, PoolTimeout, DBAPIError) as exc:
        if not _is_outage(exc):
            raise
        current_app.logger.exception("commit failed")
        return _unavailable_response()
    return response


# X-Device-Time: the phone's clock when an entry was captured (stored next to server time);
# X-Device-Timezone: the phone's IANA zone on every request (travel prompt, entries' zone).
CORS_HEADERS = "Authorization, Content-Type, X-Request-ID, X-Device-Time, X-Device-Timezone"


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Content-Security-Policy", DOCS_CSP if request.path.startswith("/api/docs") else CSP)
    headers["X-Request-ID"] = g.get("request_id", "")
    if request.path.startswith("/api/") or request.path in ("/healthz", "/readyz"):
        headers["Cache-Control"] = "no-store"
    origin = request.headers.get("Origin")
    allowed = current_app.config["SETTINGS"].cors_origins
    if origin and origin in allowed:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Vary"] = "Origin"
        headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
        headers["Access-Control-Max-Age"] = "600"
    return response


def _service_error(error: ServiceError):
    """Answer with flask-smorest's error body: code, status, message, field errors (under where
    each field was sent, see ``backend.api.locations``) and the reason."""
    payload: dict = {
        "code": error.status,
        "status": HTTP_STATUS_NAMES[error.status],
        "message": error.message,
    }
    if error.errors:
        payload["errors"] = locations.locate(error.errors)
    if error.reason:
        payload["reason"] = error.reason
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
    retry_after = getattr(error, "retry_after_seconds", None)  # a Locked error's wait
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return payload, error.status, headers


def init_app(app: Flask) -> None:
    """Register the hooks on ``app``."""
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(DBAPIError, _database_unavailable)
    app.register_error_handler(PoolTimeout, _database_unavailable)
