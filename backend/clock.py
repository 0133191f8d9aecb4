"""The one source of "now" for the whole product; tests move it with time-machine."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current instant as an aware UTC datetime."""
    return datetime.now(UTC)
