"""Shared marshmallow fields and validators for the API schemas."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from marshmallow import fields, validate


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows (tzdata), sorted."""
    return tuple(sorted(available_timezones()))


def TimeZone(**kwargs) -> fields.String:  # noqa: N802  (a field factory reads like a field class)
    """An IANA time zone field, documented as an enum so clients know the allowed names."""
    return fields.String(
        validate=validate.OneOf(zone_names(), error="must be an IANA time zone name, e.g. Asia/Shanghai"),
        metadata={"example": "Asia/Shanghai"},
        **kwargs,
    )


def LocalTime(**kwargs) -> fields.Time:  # noqa: N802
    """A local wall-clock time, ``HH:MM``."""
    return fields.Time(format="%H:%M", metadata={"example": "08:00"}, **kwargs)


def Reason(**kwargs) -> fields.String:  # noqa: N802
    """A human reason for a change, kept in the audit trail."""
    return fields.String(validate=validate.Length(min=3, max=1000), **kwargs)


Language = fields.String
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
