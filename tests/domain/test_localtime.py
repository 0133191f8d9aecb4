"""Local dates and local wall times around midnight and both DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from backend.domain.localtime import day_bounds, day_length, is_valid_zone, local_date, local_instant

NY, LONDON, SHANGHAI = "America/New_York", "Europe/London", "Asia/Shanghai"


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "tz", "expected"),
    [
        # plain midnight, New York winter (UTC-5)
        (utc(2026, 11, 24, 4, 59), NY, date(2026, 11, 23)),
        (utc(2026, 11, 24, 5, 0), NY, date(2026, 11, 24)),
        # Shanghai (UTC+8, no DST)
        (utc(2026, 11, 23, 15, 59), SHANGHAI, date(2026, 11, 23)),
        (utc(2026, 11, 23, 16, 0), SHANGHAI, date(2026, 11, 24)),
        (utc(2026, 7, 1, 15, 59, 59), SHANGHAI, date(2026, 7, 1)),
        # New York spring forward 2026-03-08: the day starts in EST and ends in EDT
        (utc(2026, 3, 8, 4, 59), NY, date(2026, 3, 7)),
        (utc(2026, 3, 8, 5, 0), NY, date(2026, 3, 8)),
        (utc(2026, 3, 9, 3, 59), NY, date(2026, 3, 8)),
        (utc(2026, 3, 9, 4, 0), NY, date(2026, 3, 9)),
        # New York fall back 2026-11-01: starts in EDT, ends in EST
        (utc(2026, 11, 1, 3, 59), NY, date(2026, 10, 31)),
        (utc(2026, 11, 1, 4, 0), NY, date(2026, 11, 1)),
        (utc(2026, 11, 2, 4, 59), NY, date(2026, 11, 1)),
        (utc(2026, 11, 2, 5, 0), NY, date(2026, 11, 2)),
        # London spring forward 2026-03-29 (GMT -> BST)
        (utc(2026, 3, 28, 23, 59), LONDON, date(2026, 3, 28)),
        (utc(2026, 3, 29, 0, 0), LONDON, date(2026, 3, 29)),
        (utc(2026, 3, 29, 22, 59), LONDON, date(2026, 3, 29)),
        (utc(2026, 3, 29, 23, 0), LONDON, date(2026, 3, 30)),
        # London fall back 2026-10-25 (BST -> GMT)
        (utc(2026, 10, 24, 22, 59), LONDON, date(2026, 10, 24)),
        (utc(2026, 10, 24, 23, 0), LONDON, date(2026, 10, 25)),
        (utc(2026, 10, 25, 23, 59), LONDON, date(2026, 10, 25)),
        (utc(2026, 10, 26, 0, 0), LONDON, date(2026, 10, 26)),
        # an aware instant in another offset is the same instant
        (datetime(2026, 11, 24, 7, 59, tzinfo=timezone(timedelta(hours=8))), NY, date(2026, 11, 23)),
    ],
)
def test_local_date(now: datetime, tz: str, expected: date) -> None:
    assert local_date(now, tz) == expected


@pytest.mark.parametrize(
    ("d", "t", "tz", "expected"),
    [
        (date(2026, 11, 24), time(8, 0), SHANGHAI, utc(2026, 11, 24, 0, 0)),
        (date(2026, 11, 24), time(0, 30), SHANGHAI, utc(2026, 11, 23, 16, 30)),
        (date(2026, 11, 24), time(23, 30), NY, utc(2026, 11, 25, 4, 30)),
        (date(2026, 6, 15), time(0, 30), LONDON, utc(2026, 6, 14, 23, 30)),
        (date(2026, 6, 15), time(23, 30), LONDON, utc(2026, 6, 15, 22, 30)),
        # New York spring forward: 02:00-02:59 does not exist; it moves forward by the hour
        (date(2026, 3, 8), time(1, 59), NY, utc(2026, 3, 8, 6, 59)),
        (date(2026, 3, 8), time(2, 30), NY, utc(2026, 3, 8, 7, 30)),  # = 03:30 EDT
        (date(2026, 3, 8), time(3, 30), NY, utc(2026, 3, 8, 7, 30)),
        (date(2026, 3, 8), time(8, 0), NY, utc(2026, 3, 8, 12, 0)),
        # New York fall back: 01:00-01:59 happens twice; the first (EDT) one is meant
        (date(2026, 11, 1), time(0, 30), NY, utc(2026, 11, 1, 4, 30)),
        (date(2026, 11, 1), time(1, 30), NY, utc(2026, 11, 1, 5, 30)),
        (date(2026, 11, 1), time(1, 30, fold=1), NY, utc(2026, 11, 1, 5, 30)),
        (date(2026, 11, 1), time(2, 0), NY, utc(2026, 11, 1, 7, 0)),
        # London spring forward: 01:00-01:59 does not exist
        (date(2026, 3, 29), time(1, 30), LONDON, utc(2026, 3, 29, 1, 30)),  # = 02:30 BST
        (date(2026, 3, 29), time(0, 30), LONDON, utc(2026, 3, 29, 0, 30)),
        # London fall back: 01:00-01:59 happens twice; first occurrence is still BST
        (date(2026, 10, 25), time(1, 30), LONDON, utc(2026, 10, 25, 0, 30)),
        (date(2026, 10, 25), time(2, 0), LONDON, utc(2026, 10, 25, 2, 0)),
    ],
)
def test_local_instant(d: date, t: time, tz: str, expected: datetime) -> None:
    result = local_instant(d, t, tz)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("d", "tz", "start", "hours"),
    [
        (date(2026, 11, 24), SHANGHAI, utc(2026, 11, 23, 16), 24),
        (date(2026, 11, 24), NY, utc(2026, 11, 24, 5), 24),
        (date(2026, 3, 8), NY, utc(2026, 3, 8, 5), 23),
        (date(2026, 11, 1), NY, utc(2026, 11, 1, 4), 25),
        (date(2026, 3, 29), LONDON, utc(2026, 3, 29, 0), 23),
        (date(2026, 10, 25), LONDON, utc(2026, 10, 24, 23), 25),
        (date(2026, 1, 10), LONDON, utc(2026, 1, 10, 0), 24),
    ],
)
def test_day_bounds_follow_the_wall_clock(d: date, tz: str, start: datetime, hours: int) -> None:
    assert day_bounds(d, tz) == (start, start + timedelta(hours=hours))
    assert day_length(d, tz) == timedelta(hours=hours)


def test_a_day_where_midnight_does_not_exist_starts_at_one() -> None:
    # Chile moves clocks from 00:00 to 01:00 on 2026-09-06: the day starts at 01:00 local
    start, end = day_bounds(date(2026, 9, 6), "America/Santiago")
    assert start == utc(2026, 9, 6, 4, 0)
    assert end - start == timedelta(hours=23)
    assert local_date(start, "America/Santiago") == date(2026, 9, 6)
    assert local_date(start - timedelta(seconds=1), "America/Santiago") == date(2026, 9, 5)


def test_naive_datetimes_and_unknown_zones_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2026, 11, 24, 12, 0), NY)
    with pytest.raises(ValueError, match="naive wall-clock"):
        local_instant(date(2026, 11, 24), time(8, 0, tzinfo=UTC), NY)
    with pytest.raises(ValueError, match="unknown time zone"):
        local_date(utc(2026, 11, 24), "Mars/Olympus_Mons")
    assert is_valid_zone(SHANGHAI) and not is_valid_zone("Mars/Olympus_Mons") and not is_valid_zone("")
