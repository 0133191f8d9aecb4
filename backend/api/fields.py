"""Shared marshmallow fields and validators for the API schemas."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from marshmallow import ValidationError, fields, validate

# Where people live: IANA's geographic areas. Leaves out "Factory" (a placeholder zone whose
# abbreviation is "-00"), "localtime" and "posixrules" (files of the host, not zones),
# "Etc/GMT+5" (sign-inverted offsets nobody lives in) and the deprecated aliases ("US/Eastern").
_AREAS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)
# The plausible window of every date and instant a client sends: the trial runs in this century.
# Arithmetic near year 1 or 9999 overflows (a zone east of UTC turns 0001-01-01 into year 0).
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
EMAIL_MAX = 254  # RFC 5321: the longest forward path


@cache
def zone_names() -> tuple[str, ...]:
    """The IANA zone names a participant or site may have (geographic zones and UTC), sorted."""
    names = {z for z in available_timezones() if z.split("/", 1)[0] in _AREAS and "/" in z}
    return tuple(sorted(names | {"UTC"}))


def _window_error() -> str:
    return f"must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}"


def parse_day(value: Any) -> dt.date:
    """A calendar date written exactly ``YYYY-MM-DD`` within the plausible window, or ValueError."""
    if not isinstance(value, str) or not re.fullmatch(DATE_PATTERN, value):
        raise ValueError("expected a date YYYY-MM-DD")
    day = dt.date.fromisoformat(value)
    if not EARLIEST <= day <= LATEST:
        raise ValueError(_window_error())
    return day


def check_instant(value: dt.datetime) -> dt.datetime:
    """An aware instant within the plausible window, checked on its wall-clock date before any
    arithmetic (so converting it to UTC cannot overflow), or ValueError."""
    if not EARLIEST <= value.date() <= LATEST:
        raise ValueError(_window_error())
    return value


class Day(fields.Date):
    """A date field: exactly ``YYYY-MM-DD`` ("20261130" is refused) within 2000-2099."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": DATE_PATTERN, **kwargs.pop("metadata", {})}
        metadata["description"] = (metadata.get("description", "") + f" ({_window_error()})").strip()
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        try:
            return parse_day(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class Instant(fields.AwareDateTime):
    """An instant with its UTC offset, within 2000-2099 (checked before conversion)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {**kwargs.pop("metadata", {})}
        metadata["description"] = (metadata.get("description", "") + f" ({_window_error()})").strip()
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        try:
            return check_instant(parsed)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class StrictTime(fields.Time):
    """A wall-clock time written exactly ``HH:MM`` ("7:5" is refused)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.time:
        if not isinstance(value, str) or not re.fullmatch(TIME_PATTERN, value):
            raise ValidationError("expected a time HH:MM (00:00 to 23:59)")
        return super()._deserialize(value, attr, data, **kwargs)


def Email(**kwargs: Any) -> fields.Email:  # noqa: N802
    """An e-mail address of at most 254 characters."""
    return fields.Email(validate=validate.Length(max=EMAIL_MAX), **kwargs)


def TimeZone(**kwargs) -> fields.String:  # noqa: N802  (a field factory reads like a field class)
    """An IANA time zone field, documented as an enum so clients know the allowed names."""
    return fields.String(
        validate=validate.OneOf(zone_names(), error="must be an IANA time zone name, e.g. Asia/Shanghai"),
        metadata={"example": "Asia/Shanghai"},
        **kwargs,
    )


def LocalTime(**kwargs) -> fields.Time:  # noqa: N802
    """A local wall-clock time, ``HH:MM``."""
    return StrictTime(format="%H:%M", metadata={"example": "08:00", "pattern": TIME_PATTERN}, **kwargs)


def Reason(**kwargs) -> fields.String:  # noqa: N802
    """A human reason for a change, kept in the audit trail."""
    return fields.String(validate=validate.Length(min=3, max=1000), **kwargs)


LANGUAGES = ["zh-CN", "en"]


PHONE_PATTERN = r"^\+[1-9][0-9]{6,14}$"


def Phone(**kwargs) -> fields.String:  # noqa: N802
    """A telephone number in E.164 form (``+``, country code, number; 8 to 16 characters).

    Patients tap it to call (``tel:`` links), so it must dial from anywhere: no spaces, no
    national trunk prefix, no extension.
    """
    return fields.String(
        validate=validate.Regexp(
            PHONE_PATTERN,
            error="must be an E.164 number: +, country code and number, digits only, e.g. +861012345678",
        ),
        metadata={"example": "+861012345678", **kwargs.pop("metadata", {})},
        **kwargs,
    )
