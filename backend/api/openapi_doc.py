"""The OpenAPI document says what the server enforces (issue 12, finding 10).

flask-smorest documents each operation's success and its 422; the rest of what the server does
is cross-cutting (the request hooks) and is added here, once, to the generated document:

- 401 and 403 on every authenticated operation (``backend.api.access``) and 401 on sign-in and
  activation (wrong credentials), 404 where the path, the query or the body names an id, 409 on
  writes (a concurrent write of the same unique row, or a state conflict) and 503 (the database
  busy), 400/413 where a body is taken, 429 with ``Retry-After`` on the rate-limited sign-in
  endpoints, and no catch-all ``default`` response any more;
- 422 everywhere: the input guard refuses over-deep JSON, huge numbers, NUL and lone
  surrogates on any route (``backend.api.guard``);
- the ``{date}`` path parameter as ``format: date`` with its pattern, the 400-day range of the
  calendar and dose lists, and the NUL ban as a pattern on every free-text input string.
"""

from __future__ import annotations

from typing import Any

from marshmallow import validate

from backend.api import guard
from backend.api.fields import DATE_PATTERN, EARLIEST, LATEST
from backend.services.diary import MAX_RANGE_DAYS

NO_NUL = "^[^\x00]*$"
RATE_LIMITED = ("/api/v1/auth/login", "/api/v1/device/activate")
PUBLIC_PATHS = (
    "/api/v1/auth/login",
    "/api/v1/device/activate",
    "/api/v1/push/vapid-public-key",
    "/api/v1/push/receipts",
)
WRITES = ("post", "put", "patch", "delete")
RANGED = ("/api/v1/me/calendar", "/api/v1/me/doses", "/api/v1/participants/{participant_id}/calendar")
INPUT_SUFFIXES = ("In", "Patch", "Args", "Filter", "Correction", "Ref")
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 1}}}

INFO = " ".join(
    [
        "Limits every request meets (else 4xx, never 5xx):",
        f"a body of at most {guard.MAX_BODY_BYTES // 1024} KiB (413),",
        f"JSON nested at most {guard.MAX_DEPTH} levels, numbers of at most 4,300 digits,",
        "strings without NUL characters (U+0000) and valid as Unicode (no lone surrogates),",
        f"dates and instants between {EARLIEST.isoformat()} and {LATEST.isoformat()}",
        "(dates exactly YYYY-MM-DD), times exactly HH:MM (422).",
        "Authentication comes before validation: no or a bad token 401, a token of the wrong kind",
        "or role 403. Ids outside the caller's scope are 404. Sign-in and activation are rate",
        "limited (429 with Retry-After); ten failed logins in a row lock an account for 15 minutes.",
    ]
)


def _add(responses: dict[str, Any], status: str, description: str, **extra: Any) -> None:
    responses.setdefault(status, {"description": description, "content": _ERROR, **extra})


_ERROR: dict[str, Any] = {}  # the error body's content, as flask-smorest documents its default error


def _operation(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    authenticated = path.startswith("/api/v1/") and path not in PUBLIC_PATHS
    _add(responses, "422", "invalid input (field errors), or a body the input guard refuses")
    if "requestBody" in operation:
        _add(responses, "400", "the body is not valid JSON")
        _add(responses, "413", f"the body is larger than {guard.MAX_BODY_BYTES // 1024} KiB")
    if authenticated or path in RATE_LIMITED:
        _add(
            responses,
            "401",
            "no valid bearer token",
            headers={"WWW-Authenticate": {"schema": {"type": "string"}}},
        )
        _add(responses, "403", "the token's kind or role may not use this operation")
    names_ids = (
        "{" in path
        or "requestBody" in operation
        or any(p.get("name", "").endswith("_id") for p in operation.get("parameters", []))
    )
    if authenticated and names_ids:  # an id in the path, the query or the body
        _add(responses, "404", "no such id within the caller's scope")
    if method in WRITES and authenticated:
        _add(responses, "409", "conflicts with the current state or a concurrent write; retry or reload")
        _add(responses, "503", "the database was busy; retry")
    # Every status the server answers is listed: no catch-all "default", so a client (and
    # schemathesis's status-code check) can rely on the list.
    responses.pop("default", None)
    if path in RATE_LIMITED:
        _add(responses, "429", "too many attempts (per address, or a locked account)", headers=RETRY_AFTER)
    for parameter in operation.get("parameters", []):
        _parameter(path, parameter)


def _parameter(path: str, parameter: dict[str, Any]) -> None:
    schema = parameter.setdefault("schema", {"type": "string"})
    if parameter.get("in") == "path" and parameter.get("name") == "date":
        schema.update(type="string", format="date", pattern=DATE_PATTERN)
        parameter["description"] = f"a local date, {EARLIEST.isoformat()} to {LATEST.isoformat()}"
    elif schema.get("type") == "string" and not {"pattern", "enum", "format"} & set(schema):
        schema["pattern"] = NO_NUL
    if path in RANGED and parameter.get("name") == "to":
        parameter["description"] = (
            parameter.get("description", "") + f"; at most {MAX_RANGE_DAYS} days from `from` to `to`"
        ).lstrip("; ")


def _input_strings(schema: dict[str, Any]) -> None:
    """The NUL ban, as a pattern, on every free-text string of an input schema."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if node.get("type") == "string" and not {"pattern", "enum", "format"} & set(node):
            node["pattern"] = NO_NUL
        stack.extend(node.get("properties", {}).values())
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                stack.append(node[key])


def document(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the cross-cutting responses and limits to the generated document (in place)."""
    spec.setdefault("info", {})["description"] = INFO
    _ERROR.clear()
    _ERROR.update(spec["components"]["responses"]["DEFAULT_ERROR"]["content"])
    for path, operations in spec.get("paths", {}).items():
        shared = operations.get("parameters", [])
        for parameter in shared:
            _parameter(path, parameter)
        for method, operation in operations.items():
            if method != "parameters":
                _operation(path, method, operation)
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        if name.endswith(INPUT_SUFFIXES):
            _input_strings(schema)
    return spec


def exclusive_bounds(self: Any, field: Any, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """apispec attribute function: a ``Range`` that excludes its bounds says so (OpenAPI 3.0's
    boolean ``exclusiveMinimum``/``exclusiveMaximum``), e.g. ``dose_mg`` > 0, not >= 0."""
    extra: dict[str, Any] = {}
    for validator in getattr(field, "validators", []):
        if isinstance(validator, validate.Range):
            if validator.min is not None and not validator.min_inclusive:
                extra["exclusiveMinimum"] = True
            if validator.max is not None and not validator.max_inclusive:
                extra["exclusiveMaximum"] = True
    return extra
