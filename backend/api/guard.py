"""Hostile-input guard: every request body is bounded before anything parses or walks it.

Runs before the views (after authentication, see ``backend.api.access.enforce``) so that no
input, however malformed, reaches code that can crash on it:

- the body size is capped (``MAX_CONTENT_LENGTH``, answered 413 by werkzeug);
- the JSON nesting depth is measured on the raw bytes, without recursion, before the parser
  (which recurses) ever sees the body: ``json.loads`` on ~900 levels raises ``RecursionError``;
- the body is parsed once here; integers of more than 4,300 digits (Python refuses to parse
  them, ``ValueError``) and other unparsable bodies are answered 400/422 here;
- every string and key is walked iteratively: NUL characters (PostgreSQL text cannot store
  them) and lone surrogates (``"\\ud800"`` parses as JSON but is not UTF-8: psycopg and argon2
  raise ``UnicodeEncodeError``) are refused with the path of the offending field.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 32
_OPEN, _CLOSE, _QUOTE, _ESCAPE = frozenset(b"[{"), frozenset(b"]}"), ord('"'), ord("\\")


def json_depth(raw: bytes, limit: int = MAX_DEPTH) -> int:
    """The nesting depth of the JSON text ``raw`` (brackets outside strings), stopping past ``limit``.

    A byte scan with a counter: no recursion, linear time, and it stops as soon as the limit is
    passed, so a 64 KiB body of ``[`` costs one short loop.
    """
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _ESCAPE:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif byte in _CLOSE:
            depth -= 1
    return deepest


def bad_strings(value: Any) -> dict[str, list[str]]:
    """Field paths of strings or keys under ``value`` holding NUL or not encodable as UTF-8.

    Iterative (an explicit stack), so it never recurses whatever the shape of the value.
    """
    errors: dict[str, list[str]] = {}
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            problem = _string_problem(item)
            if problem:
                errors[path or "_schema"] = [problem]
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = _string_problem(str(key))
                if problem:
                    errors[path or "_schema"] = [f"keys {problem}"]
                    continue
                stack.append((f"{path}.{key}".lstrip("."), child))
        elif isinstance(item, list):
            stack.extend((f"{path}.{index}".lstrip("."), child) for index, child in enumerate(item))
    return errors


def _string_problem(text: str) -> str | None:
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text (no lone surrogates)"
    return None


def _error(status: int, message: str, errors: dict[str, dict[str, list[str]]] | None = None):
    payload: dict[str, Any] = {
        "code": status,
        "status": "Unprocessable Entity" if status == 422 else "Bad Request",
        "message": message,
    }
    if errors:
        payload["errors"] = errors
    return current_app.make_response((payload, status))


def check_request():
    """Refuse an over-deep, unparsable or badly encoded JSON body, or NUL in the query or path."""
    errors: dict[str, dict[str, list[str]]] = {}
    if request.is_json:
        raw = request.get_data(cache=True)  # werkzeug answers 413 past MAX_CONTENT_LENGTH
        if json_depth(raw) > MAX_DEPTH:
            return _error(
                422, f"JSON nested deeper than {MAX_DEPTH} levels", {"json": {"_schema": ["nested too deep"]}}
            )
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError as error:  # includes integers past Python's 4,300-digit limit
                if "digits" in str(error):
                    return _error(
                        422, "number too long", {"json": {"_schema": ["a number has too many digits"]}}
                    )
                return _error(400, "the body is not valid JSON")
            if found := bad_strings(body):
                errors["json"] = found
    query = {
        key: ["must not contain NUL characters"]
        for key, v in request.args.items(multi=True)
        if "\x00" in key + v
    }
    if query:
        errors["query"] = query
    if "\x00" in request.path:
        errors["path"] = {"_schema": ["must not contain NUL characters"]}
    if not errors:
        return None
    first = next(iter(next(iter(errors.values())).values()))[0]
    return _error(422, "NUL characters are not allowed" if "NUL" in first else first, errors)
