"""Diary-day rules: entry windows and lateness, taken_at checks, deviations (make-up cut-off:
test_make_up_cutoff.py)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from backend.domain.calendar import CycleStart, DayInfo, DoseChangeRecord, HoldPeriod, TreatmentPlan, day_info
from backend.domain.diary import (
    check_taken_at,
    classify_entry,
    deviation_flags,
    entry_window_closes_at,
    patient_entry_deadline,
)
from backend.domain.protocol import EntryRules, get_protocol

NY, LONDON, SHANGHAI = "America/New_York", "Europe/London", "Asia/Shanghai"
SKB = get_protocol()
OTHER = get_protocol("OTHER-TRIAL@1", directory=Path(__file__).parent / "protocols")
ENTRY, OTHER_ENTRY = SKB.entry, OTHER.entry


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("d", "tz", "entry", "expected"),
    [
        (date(2026, 11, 23), SHANGHAI, ENTRY, utc(2026, 11, 24, 4, 0)),
        (date(2026, 11, 23), NY, ENTRY, utc(2026, 11, 24, 17, 0)),
        (date(2026, 3, 7), NY, ENTRY, utc(2026, 3, 8, 16, 0)),  # noon is already EDT
        (date(2026, 3, 8), NY, ENTRY, utc(2026, 3, 9, 16, 0)),
        (date(2026, 10, 31), NY, ENTRY, utc(2026, 11, 1, 17, 0)),  # noon is already EST
        (date(2026, 3, 28), LONDON, ENTRY, utc(2026, 3, 29, 11, 0)),
        (date(2026, 10, 24), LONDON, ENTRY, utc(2026, 10, 25, 12, 0)),
        (date(2026, 11, 23), SHANGHAI, OTHER_ENTRY, utc(2026, 11, 24, 1, 30)),  # 09:30 window
    ],
)
def test_entry_window_closes_at_noon_next_local_day(
    d: date, tz: str, entry: EntryRules, expected: datetime
) -> None:
    assert entry_window_closes_at(d, tz, entry) == expected


@pytest.mark.parametrize(
    ("d", "tz", "entry", "expected"),
    [
        (date(2026, 11, 23), SHANGHAI, ENTRY, utc(2026, 11, 26, 16, 0)),
        (date(2026, 3, 7), NY, ENTRY, utc(2026, 3, 11, 5, 0)),  # 72 elapsed hours, not wall-clock
        (date(2026, 10, 31), NY, ENTRY, utc(2026, 11, 4, 4, 0)),
        (date(2026, 10, 24), LONDON, ENTRY, utc(2026, 10, 27, 23, 0)),
        (date(2026, 11, 23), SHANGHAI, OTHER_ENTRY, utc(2026, 11, 25, 16, 0)),  # 48 h
    ],
)
def test_patient_entry_deadline_is_end_of_day_plus_max_age(
    d: date, tz: str, entry: EntryRules, expected: datetime
) -> None:
    assert patient_entry_deadline(d, tz, entry) == expected


@pytest.mark.parametrize(
    ("d", "now", "tz", "entry", "expected"),
    [
        # Shanghai, day 11-23: window to 12:00 on 11-24 (04:00Z), patients until 11-26 16:00Z
        (date(2026, 11, 23), utc(2026, 11, 23, 1, 0), SHANGHAI, ENTRY, "on_time"),
        (date(2026, 11, 23), utc(2026, 11, 24, 3, 59), SHANGHAI, ENTRY, "on_time"),
        (date(2026, 11, 23), utc(2026, 11, 24, 4, 0), SHANGHAI, ENTRY, "late"),
        (date(2026, 11, 23), utc(2026, 11, 26, 15, 59), SHANGHAI, ENTRY, "late"),
        (date(2026, 11, 23), utc(2026, 11, 26, 16, 0), SHANGHAI, ENTRY, "staff_only"),
        (date(2026, 11, 24), utc(2026, 11, 23, 15, 59), SHANGHAI, ENTRY, "future"),
        (date(2026, 11, 24), utc(2026, 11, 23, 16, 0), SHANGHAI, ENTRY, "on_time"),
        # New York around midnight
        (date(2026, 11, 24), utc(2026, 11, 25, 4, 59), NY, ENTRY, "on_time"),
        (date(2026, 11, 25), utc(2026, 11, 25, 4, 59), NY, ENTRY, "future"),
        (date(2026, 11, 25), utc(2026, 11, 25, 5, 0), NY, ENTRY, "on_time"),
        # New York spring forward (the window closes at 12:00 EDT = 16:00Z, not 17:00Z)
        (date(2026, 3, 7), utc(2026, 3, 8, 15, 59), NY, ENTRY, "on_time"),
        (date(2026, 3, 7), utc(2026, 3, 8, 16, 0), NY, ENTRY, "late"),
        (date(2026, 3, 8), utc(2026, 3, 8, 4, 59), NY, ENTRY, "future"),
        (date(2026, 3, 8), utc(2026, 3, 8, 5, 0), NY, ENTRY, "on_time"),
        # New York fall back (12:00 EST = 17:00Z)
        (date(2026, 10, 31), utc(2026, 11, 1, 16, 59), NY, ENTRY, "on_time"),
        (date(2026, 10, 31), utc(2026, 11, 1, 17, 0), NY, ENTRY, "late"),
        (date(2026, 10, 31), utc(2026, 11, 4, 3, 59), NY, ENTRY, "late"),
        (date(2026, 10, 31), utc(2026, 11, 4, 4, 0), NY, ENTRY, "staff_only"),
        # London spring forward and fall back
        (date(2026, 3, 28), utc(2026, 3, 29, 10, 59), LONDON, ENTRY, "on_time"),
        (date(2026, 3, 28), utc(2026, 3, 29, 11, 0), LONDON, ENTRY, "late"),
        (date(2026, 10, 24), utc(2026, 10, 25, 11, 59), LONDON, ENTRY, "on_time"),
        (date(2026, 10, 24), utc(2026, 10, 25, 12, 0), LONDON, ENTRY, "late"),
        (date(2026, 10, 24), utc(2026, 10, 27, 22, 59), LONDON, ENTRY, "late"),
        (date(2026, 10, 24), utc(2026, 10, 27, 23, 0), LONDON, ENTRY, "staff_only"),
        # a participant who moved from Shanghai to New York: the same instant, the new zone decides
        (date(2026, 11, 23), utc(2026, 11, 24, 4, 30), SHANGHAI, ENTRY, "late"),
        (date(2026, 11, 23), utc(2026, 11, 24, 4, 30), NY, ENTRY, "on_time"),
        (date(2026, 11, 24), utc(2026, 11, 24, 4, 30), SHANGHAI, ENTRY, "on_time"),
        (date(2026, 11, 24), utc(2026, 11, 24, 4, 30), NY, ENTRY, "future"),
        # another protocol: window to 09:30, patients for 48 h
        (date(2026, 11, 23), utc(2026, 11, 24, 1, 29), SHANGHAI, OTHER_ENTRY, "on_time"),
        (date(2026, 11, 23), utc(2026, 11, 24, 1, 30), SHANGHAI, OTHER_ENTRY, "late"),
        (date(2026, 11, 23), utc(2026, 11, 25, 16, 0), SHANGHAI, OTHER_ENTRY, "staff_only"),
    ],
)
def test_classify_entry(d: date, now: datetime, tz: str, entry: EntryRules, expected: str) -> None:
    assert classify_entry(d, now, tz, entry) == expected


@pytest.mark.parametrize(
    ("d", "taken_at", "tz", "now", "error"),
    [
        (date(2026, 11, 23), utc(2026, 11, 23, 0, 30), SHANGHAI, utc(2026, 11, 24), None),
        (date(2026, 11, 23), utc(2026, 11, 22, 16, 0), SHANGHAI, utc(2026, 11, 24), None),
        (date(2026, 11, 23), utc(2026, 11, 22, 15, 59), SHANGHAI, utc(2026, 11, 24), "2026-11-22 local"),
        (date(2026, 11, 23), utc(2026, 11, 23, 16, 0), SHANGHAI, utc(2026, 11, 24), "2026-11-24 local"),
        # up to five minutes ahead of the server clock is believed
        (date(2026, 11, 23), utc(2026, 11, 23, 1, 5), SHANGHAI, utc(2026, 11, 23, 1, 0), None),
        (date(2026, 11, 23), utc(2026, 11, 23, 1, 5, 1), SHANGHAI, utc(2026, 11, 23, 1, 0), "in the future"),
        # both 01:30s of the New York fall-back night belong to 11-01
        (date(2026, 11, 1), utc(2026, 11, 1, 5, 30), NY, utc(2026, 11, 3), None),
        (date(2026, 11, 1), utc(2026, 11, 1, 6, 30), NY, utc(2026, 11, 3), None),
        (date(2026, 11, 1), utc(2026, 11, 2, 4, 59), NY, utc(2026, 11, 3), None),
        (date(2026, 11, 1), utc(2026, 11, 2, 5, 0), NY, utc(2026, 11, 3), "not on the diary day"),
        (date(2026, 3, 29), utc(2026, 3, 29, 0, 30), LONDON, utc(2026, 3, 30), None),
        (date(2026, 3, 29), utc(2026, 3, 28, 23, 59), LONDON, utc(2026, 3, 30), "not on the diary day"),
    ],
)
def test_check_taken_at(d: date, taken_at: datetime, tz: str, now: datetime, error: str | None) -> None:
    result = check_taken_at(d, taken_at, tz, now)
    if error is None:
        assert result is None
    else:
        assert result is not None and error in result


def test_check_taken_at_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="taken_at must be timezone-aware"):
        check_taken_at(date(2026, 11, 23), datetime(2026, 11, 23, 8, 0), SHANGHAI, utc(2026, 11, 24))


def _day(phase: str, expected: float | None = None) -> DayInfo:
    """A DayInfo in ``phase``; the dates do not matter to the flags."""
    return DayInfo(date(2026, 11, 23), 1, 3, phase, expected, phase == "dosing")


@pytest.mark.parametrize(
    ("day", "taken", "dose", "expected"),
    [
        (_day("dosing", 8.0), True, None, ()),
        (_day("dosing", 8.0), True, 8.0, ()),
        (_day("dosing", 8.0), True, 8, ()),
        (_day("dosing", 8.0), True, 6.0, ("dose_mismatch",)),
        (_day("dosing", 8.0), False, 6.0, ()),
        (_day("dosing", 8.0), False, None, ()),
        (_day("break"), True, None, ("break_day_intake",)),
        (_day("break"), False, None, ()),
        (_day("hold"), True, 8.0, ("hold_intake",)),
        (_day("off_treatment"), True, None, ("off_treatment_intake",)),
        (_day("awaiting_cycle"), True, None, ("awaiting_cycle_intake",)),
        (_day("awaiting_cycle"), False, None, ()),
    ],
)
def test_deviation_flags(day: DayInfo, taken: bool, dose: float | None, expected: tuple[str, ...]) -> None:
    assert deviation_flags(day, taken, dose) == expected


def test_deviation_flags_follow_the_calendar_after_a_dose_reduction() -> None:
    treatment = dataclasses.replace(SKB.treatment, allowed_dose_mg=(8.0, 6.0))
    c1d1 = date(2026, 1, 5)
    plan = TreatmentPlan(
        treatment,
        c1d1,
        8.0,
        (CycleStart(1, c1d1),),
        holds=(HoldPeriod(date(2026, 1, 14), date(2026, 1, 15)),),
        dose_changes=(DoseChangeRecord(date(2026, 1, 12), 6.0),),
    )
    assert deviation_flags(day_info(plan, date(2026, 1, 11)), True, 8.0) == ()
    assert deviation_flags(day_info(plan, date(2026, 1, 12)), True, 8.0) == ("dose_mismatch",)
    assert deviation_flags(day_info(plan, date(2026, 1, 13)), True, 6.0) == ()
    assert deviation_flags(day_info(plan, date(2026, 1, 14)), True, 6.0) == ("hold_intake",)
    assert deviation_flags(day_info(plan, date(2026, 1, 20)), True, 6.0) == ("break_day_intake",)
    assert deviation_flags(day_info(plan, date(2026, 1, 26)), True, 6.0) == ("awaiting_cycle_intake",)
