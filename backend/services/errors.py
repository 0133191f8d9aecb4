"""Errors a service raises; the API maps them to HTTP statuses, the CLI to messages."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class; ``status`` is the HTTP status the API answers with."""

    status = 400

    def __init__(
        self, message: str, errors: dict[str, list[str]] | None = None, *, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors
        # A stable machine-readable cause ("activation_code_expired"): the status alone does not
        # say what happened, and the patient's app shows its own text for it in their language.
        self.reason = reason


class NotFound(ServiceError):
    """The id does not exist or lies outside the caller's scope (never tell which)."""

    status = 404


class Forbidden(ServiceError):
    """The caller is known but their role may not do this."""

    status = 403


class Unauthorized(ServiceError):
    """No valid credentials."""

    status = 401


class Conflict(ServiceError):
    """The request contradicts the current state (e.g. a cycle before the previous ended)."""

    status = 409


class Invalid(ServiceError):
    """A field is invalid in a way only the service can tell (422 with field messages)."""

    status = 422

    def __init__(self, errors: dict[str, list[str]] | dict[str, str], message: str | None = None) -> None:
        normalised = {k: v if isinstance(v, list) else [v] for k, v in errors.items()}
        first = next(iter(normalised.items()))
        super().__init__(message or f"{first[0]}: {first[1][0]}", normalised)


class Locked(ServiceError):
    """An action is locked for a while (e.g. signing after five wrong passwords): 423 with Retry-After."""

    status = 423

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
