"""Where a field error points: the body, the query, the path or a header.

flask-smorest (through webargs) reports an argument's field errors under the location it was
read from: ``{"errors": {"json": {...}}}`` for the body, ``"query"``, ``"path"`` (its name for
``location="path"``, read from the URL's view args) and ``"headers"``. Services raise
:class:`~backend.services.errors.Invalid` with bare field names and know nothing of HTTP, so the
API puts each of those fields under the location the route reads it from:

- ``path``: a variable of the matched URL rule (``/me/doses/<date>``);
- ``headers``: one of the request headers the API reads as input (:data:`HEADERS`);
- ``query``: a field of the schema the view declares with ``@blp.arguments(..., location="query")``;
- ``json``: everything else (the body, as before).

A dotted field (``correction.dose_mg``) is located by its first part.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from marshmallow import Schema

# The request headers the API reads as input (and may answer 422 about), by their canonical names.
HEADERS = ("X-Device-Time", "X-Device-Timezone")
_HEADER_NAMES = frozenset(name.lower() for name in HEADERS)


def _declared(location: str) -> set[str]:
    """The field names (as sent, i.e. ``data_key``) of the view's arguments read from ``location``."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    method = request.method.lower()
    if view_class is not None and method == "head":
        method = "get"
    handler = getattr(view_class, method, None) if view_class is not None else view
    parameters = getattr(handler, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    names: set[str] = set()
    for parameter in parameters:
        if parameter.get("in") != location:
            continue
        schema: Any = parameter["schema"]
        if isinstance(schema, type) and issubclass(schema, Schema):
            schema = schema()
        names |= {field.data_key or name for name, field in schema.fields.items()}
    return names


def locate(errors: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    """``errors`` (field -> messages) grouped by where each field was sent, body (``json``) last."""
    path = set(request.view_args or {})
    query: set[str] | None = None  # looked up only when needed
    grouped: dict[str, dict[str, list[str]]] = {}
    for field, messages in errors.items():
        root = field.split(".", 1)[0]
        if root in path:
            location = "path"
        elif root.lower() in _HEADER_NAMES:
            location = "headers"
        else:
            if query is None:
                query = _declared("query")
            location = "query" if root in query else "json"
        grouped.setdefault(location, {})[field] = messages
    return grouped
