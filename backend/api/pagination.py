"""``limit``/``cursor`` on the lists that grow (participants, alerts, audit, readings, reports).

The body stays the list it always was, so clients that do not page are unchanged. When more rows
follow, the answer carries the opaque cursor of the next page in ``X-Next-Cursor`` and a
``Link: <...>; rel="next"`` header (RFC 8288) with the same query and that cursor. A cursor is
the last row's sort key, base64url-encoded JSON (instants tagged, so they compare as instants);
a cursor that does not decode, or belongs to another list, is a 422 on ``cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import request
from marshmallow import Schema, fields, validate

from backend.services.errors import Invalid
from backend.services.paging import MAX_LIMIT, Page

NEXT_HEADERS = {
    "X-Next-Cursor": {
        "description": "cursor of the next page (absent on the last page)",
        "schema": {"type": "string"},
    },
    "Link": {
        "description": 'the next page\'s URL as `<...>; rel="next"` (absent on the last page)',
        "schema": {"type": "string"},
    },
}


class PageArgs(Schema):
    """Query arguments of a paged list."""

    limit = fields.Integer(
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"rows per page (1-{MAX_LIMIT}); without it, every row"},
    )
    cursor = fields.String(
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "X-Next-Cursor of the previous page"},
    )


def _encode_value(value: Any) -> Any:
    return {"dt": value.isoformat()} if isinstance(value, datetime) else value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"dt"}:
        return datetime.fromisoformat(value["dt"])
    if isinstance(value, list):
        return [_decode_value(item) for item in value]
    if isinstance(value, (str, int, float)) or value is None:
        return value
    raise ValueError("bad cursor value")


def encode_cursor(list_name: str, key: Sequence[Any]) -> str:
    """An opaque cursor for the page after the row whose sort key is ``key``."""
    raw = json.dumps([list_name, [_encode_value(value) for value in key]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(list_name: str, cursor: str | None) -> tuple[Any, ...] | None:
    """The sort key in ``cursor`` (None without one); 422 on ``cursor`` if it is not this list's."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if name != list_name or not isinstance(values, list):
            raise ValueError("another list's cursor")
        return tuple(_decode_value(value) for value in values)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Invalid({"cursor": "not a cursor of this list"}) from None


def page_headers(list_name: str, page: Page) -> dict[str, str]:
    """``X-Next-Cursor`` and ``Link`` for ``page`` (nothing when it is the last)."""
    if page.next_key is None:
        return {}
    return cursor_headers(encode_cursor(list_name, page.next_key))


def cursor_headers(cursor: str) -> dict[str, str]:
    """``X-Next-Cursor`` and a ``Link`` to this request with ``cursor`` in its query."""
    query = request.args.to_dict(flat=False)
    query["cursor"] = [cursor]
    url = f"{request.base_url}?{urlencode(query, doseq=True)}"
    return {"X-Next-Cursor": cursor, "Link": f'<{url}>; rel="next"'}
