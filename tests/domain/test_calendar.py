"""The dosing calendar: cycles, phases, expected doses and the site-action checks."""

from __future__ import annotations

import ast
import dataclasses
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from backend.domain.calendar import (
    PHASES,
    CycleStart,
    DayInfo,
    DoseChangeRecord,
    HoldPeriod,
    TreatmentPlan,
    current_cycle,
    day_info,
    days,
    planned_next_start,
)
from backend.domain.plan_checks import (
    check_cycle_confirmation,
    check_discontinuation,
    check_dose_change,
    check_hold,
    check_hold_end,
)
from backend.domain.protocol import Treatment, get_protocol
from tests.helpers import PLAN_C1D1, SKB, make_plan

SKB_8_6 = dataclasses.replace(SKB, allowed_dose_mg=(8.0, 6.0))
OTHER = get_protocol("OTHER-TRIAL@1", directory=Path(__file__).parent / "protocols").treatment

C1D1 = PLAN_C1D1  # 2026-01-05; cycle 1: 01-05..01-25, dosing 01-05..01-18; planned cycle 2: 01-26


def d(month: int, day: int) -> date:
    """A date in 2026."""
    return date(2026, month, day)


def row(info: DayInfo) -> tuple[object, ...]:
    """The parts of a DayInfo the tables compare."""
    return (info.cycle, info.cycle_day, info.phase, info.expected_dose_mg)


SINGLE_CYCLE = make_plan()
DELAYED = make_plan(d(1, 31))  # cycle 2 confirmed 5 days after its planned 01-26
HOLD_ACROSS = make_plan(d(1, 26), holds=(HoldPeriod(d(1, 15), d(1, 30)),))
OPEN_HOLD = make_plan(holds=(HoldPeriod(d(1, 15)),))
REDUCED = make_plan(d(1, 26), treatment=SKB_8_6, dose_changes=(DoseChangeRecord(d(1, 12), 6.0),))
DISCONTINUED = make_plan(d(1, 26), discontinued_on=d(1, 31), holds=(HoldPeriod(d(1, 29), None),))
OTHER_PLAN = make_plan(treatment=OTHER)


@pytest.mark.parametrize(
    ("plan", "day", "expected"),
    [
        # plain first cycle
        (SINGLE_CYCLE, d(1, 4), (None, None, "awaiting_cycle", None)),
        (SINGLE_CYCLE, d(1, 5), (1, 1, "dosing", 8.0)),
        (SINGLE_CYCLE, d(1, 18), (1, 14, "dosing", 8.0)),
        (SINGLE_CYCLE, d(1, 19), (1, 15, "break", None)),
        (SINGLE_CYCLE, d(1, 25), (1, 21, "break", None)),
        (SINGLE_CYCLE, d(1, 26), (1, None, "awaiting_cycle", None)),  # planned, not confirmed
        (SINGLE_CYCLE, d(6, 1), (1, None, "awaiting_cycle", None)),
        # cycle 2 confirmed 5 days late: nothing expected in between
        (DELAYED, d(1, 25), (1, 21, "break", None)),
        (DELAYED, d(1, 26), (1, None, "awaiting_cycle", None)),
        (DELAYED, d(1, 30), (1, None, "awaiting_cycle", None)),
        (DELAYED, d(1, 31), (2, 1, "dosing", 8.0)),
        (DELAYED, d(2, 13), (2, 14, "dosing", 8.0)),
        (DELAYED, d(2, 14), (2, 15, "break", None)),
        (DELAYED, d(2, 20), (2, 21, "break", None)),
        (DELAYED, d(2, 21), (2, None, "awaiting_cycle", None)),
        # a hold from cycle 1 day 11 to cycle 2 day 5 keeps the cycle days
        (HOLD_ACROSS, d(1, 14), (1, 10, "dosing", 8.0)),
        (HOLD_ACROSS, d(1, 15), (1, 11, "hold", None)),
        (HOLD_ACROSS, d(1, 19), (1, 15, "hold", None)),
        (HOLD_ACROSS, d(1, 26), (2, 1, "hold", None)),
        (HOLD_ACROSS, d(1, 30), (2, 5, "hold", None)),
        (HOLD_ACROSS, d(1, 31), (2, 6, "dosing", 8.0)),
        # an open hold covers everything after it, awaiting days too
        (OPEN_HOLD, d(1, 14), (1, 10, "dosing", 8.0)),
        (OPEN_HOLD, d(1, 15), (1, 11, "hold", None)),
        (OPEN_HOLD, d(3, 1), (1, None, "hold", None)),
        # a reduction to 6 mg from cycle 1 day 8 carries into cycle 2
        (REDUCED, d(1, 11), (1, 7, "dosing", 8.0)),
        (REDUCED, d(1, 12), (1, 8, "dosing", 6.0)),
        (REDUCED, d(1, 19), (1, 15, "break", None)),
        (REDUCED, d(1, 26), (2, 1, "dosing", 6.0)),
        # discontinued on cycle 2 day 6: off treatment wins over the open hold
        (DISCONTINUED, d(1, 28), (2, 3, "dosing", 8.0)),
        (DISCONTINUED, d(1, 29), (2, 4, "hold", None)),
        (DISCONTINUED, d(1, 31), (2, 6, "off_treatment", None)),
        (DISCONTINUED, d(2, 15), (2, 21, "off_treatment", None)),
        (DISCONTINUED, d(2, 16), (2, None, "off_treatment", None)),
        (DISCONTINUED, d(1, 4), (None, None, "awaiting_cycle", None)),
        # another protocol: 28-day cycles, days 1-21, 400 mg
        (OTHER_PLAN, d(1, 25), (1, 21, "dosing", 400.0)),
        (OTHER_PLAN, d(1, 26), (1, 22, "break", None)),
        (OTHER_PLAN, d(2, 1), (1, 28, "break", None)),
        (OTHER_PLAN, d(2, 2), (1, None, "awaiting_cycle", None)),
    ],
)
def test_day_info(plan: TreatmentPlan, day: date, expected: tuple[object, ...]) -> None:
    info = day_info(plan, day)
    assert info.date == day
    assert row(info) == expected
    assert info.is_prescribed is (info.phase == "dosing")


def test_later_dose_changes_win_whatever_order_they_are_given_in() -> None:
    plan = make_plan(
        d(1, 26),
        treatment=SKB_8_6,
        dose_changes=(DoseChangeRecord(d(1, 28), 8.0), DoseChangeRecord(d(1, 12), 6.0)),
    )
    assert [day_info(plan, x).expected_dose_mg for x in (d(1, 11), d(1, 12), d(1, 27), d(1, 28))] == [
        8.0,
        6.0,
        6.0,
        8.0,
    ]


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        (SINGLE_CYCLE, d(1, 26)),
        (DELAYED, d(2, 21)),
        (OTHER_PLAN, d(2, 2)),
    ],
)
def test_planned_next_start(plan: TreatmentPlan, expected: date) -> None:
    assert planned_next_start(plan) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (d(1, 4), None),
        (d(1, 5), CycleStart(1, d(1, 5))),
        (d(1, 30), CycleStart(1, d(1, 5))),
        (d(1, 31), CycleStart(2, d(1, 31))),
        (d(12, 31), CycleStart(2, d(1, 31))),
    ],
)
def test_current_cycle(day: date, expected: CycleStart | None) -> None:
    assert current_cycle(DELAYED, day) == expected


def test_days_over_a_year_matches_day_info_and_counts_dosing_days() -> None:
    starts = [C1D1 + timedelta(days=21 * n) for n in range(1, 18)]
    plan = make_plan(*starts, holds=(HoldPeriod(d(2, 25), d(3, 8)),))
    calendar = days(plan, d(1, 1), d(12, 31))
    assert len(calendar) == 365
    assert calendar == [day_info(plan, d(1, 1) + timedelta(days=n)) for n in range(365)]
    assert {info.phase for info in calendar} <= set(PHASES)
    # 17 full cycles, 4 days of cycle 18 (from 12-28), minus cycle 3 days 10-14 (held)
    assert sum(info.is_prescribed for info in calendar) == 17 * 14 + 4 - 5
    assert [x.phase for x in calendar if x.cycle == 3 and x.cycle_day in (9, 10, 14, 15)] == [
        "dosing",
        "hold",
        "hold",
        "hold",
    ]
    assert days(plan, d(2, 1), d(1, 31)) == []
    assert days(plan, d(2, 1), d(2, 1)) == [day_info(plan, d(2, 1))]


@pytest.mark.parametrize(
    ("cycles", "message"),
    [
        ((), "must begin with cycle 1"),
        ((CycleStart(1, d(1, 6)),), "must begin with cycle 1"),
        ((CycleStart(1, C1D1), CycleStart(3, d(1, 26))), "cycle 3 does not follow cycle 1"),
        ((CycleStart(1, C1D1), CycleStart(2, C1D1)), "cycle 2 does not follow cycle 1"),
    ],
)
def test_inconsistent_plans_are_refused(cycles: tuple[CycleStart, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TreatmentPlan(SKB, C1D1, 8.0, cycles)


def test_cycles_are_ordered_by_number() -> None:
    plan = TreatmentPlan(SKB, C1D1, 8.0, (CycleStart(2, d(1, 26)), CycleStart(1, C1D1)))
    assert plan.cycles == (CycleStart(1, C1D1), CycleStart(2, d(1, 26)))
    assert day_info(plan, d(1, 26)).cycle == 2


@pytest.mark.parametrize(
    ("plan", "start", "error"),
    [
        (SINGLE_CYCLE, d(1, 26), None),
        (SINGLE_CYCLE, d(1, 31), None),
        # planned 01-26, the protocol's window is 2 days: 01-24 is the first allowed day
        (SINGLE_CYCLE, d(1, 24), None),
        (SINGLE_CYCLE, d(1, 23), "may start at most 2 day(s) earlier (from 2026-01-24)"),
        (SINGLE_CYCLE, d(1, 19), "would cut cycle 1's break short"),
        (SINGLE_CYCLE, d(1, 18), "cycle 1 doses until 2026-01-18"),
        (SINGLE_CYCLE, d(1, 5), "cycle 1 doses until 2026-01-18"),
        (SINGLE_CYCLE, d(1, 4), "before cycle 1 day 1"),
        (DELAYED, d(2, 13), "cycle 2 doses until 2026-02-13"),
        (DELAYED, d(2, 18), "planned for 2026-02-21"),  # cycle 2 started 01-31: cycle 3 planned 02-21
        (DELAYED, d(2, 19), None),
        # another protocol: 28-day cycles, a 3-day window
        (make_plan(treatment=OTHER), d(1, 29), "from 2026-01-30"),
        (make_plan(treatment=OTHER), d(1, 30), None),
        (DISCONTINUED, d(2, 16), "on or after discontinuation"),
        (DISCONTINUED, d(1, 31), "on or after discontinuation"),
    ],
)
def test_check_cycle_confirmation(plan: TreatmentPlan, start: date, error: str | None) -> None:
    _assert_error(check_cycle_confirmation(plan, start), error)


WITH_HOLD = make_plan(holds=(HoldPeriod(d(1, 15), d(1, 20)),), discontinued_on=d(2, 1))


@pytest.mark.parametrize(
    ("plan", "start", "end", "error"),
    [
        (WITH_HOLD, d(1, 10), d(1, 14), None),
        (WITH_HOLD, d(1, 21), None, None),
        (WITH_HOLD, d(1, 10), d(1, 10), None),
        (WITH_HOLD, d(1, 31), d(2, 5), None),
        (WITH_HOLD, d(1, 10), d(1, 9), "before its start"),
        (WITH_HOLD, d(1, 1), d(1, 3), "before cycle 1 day 1"),
        (WITH_HOLD, d(1, 20), d(1, 22), "overlaps the hold from 2026-01-15 to 2026-01-20"),
        (WITH_HOLD, d(1, 10), None, "overlaps the hold from 2026-01-15"),
        (WITH_HOLD, d(1, 10), d(1, 15), "overlaps"),
        (WITH_HOLD, d(2, 1), None, "on or after discontinuation"),
        (OPEN_HOLD, d(2, 1), d(2, 3), "overlaps the hold from 2026-01-15 to open"),
        (OPEN_HOLD, d(1, 10), d(1, 14), None),
    ],
)
def test_check_hold(plan: TreatmentPlan, start: date, end: date | None, error: str | None) -> None:
    _assert_error(check_hold(plan, start, end), error)


TWO_HOLDS = make_plan(holds=(HoldPeriod(d(1, 15), d(1, 20)), HoldPeriod(d(1, 25), d(1, 27))))


@pytest.mark.parametrize(
    ("plan", "hold", "end", "error"),
    [
        (OPEN_HOLD, HoldPeriod(d(1, 15)), d(1, 20), None),
        (OPEN_HOLD, HoldPeriod(d(1, 15)), d(1, 15), None),
        (OPEN_HOLD, HoldPeriod(d(1, 15)), d(1, 14), "before its start"),
        (TWO_HOLDS, HoldPeriod(d(1, 15), d(1, 20)), d(1, 22), None),  # a correction of an ended hold
        (TWO_HOLDS, HoldPeriod(d(1, 15), d(1, 20)), d(1, 25), "would overlap the hold from 2026-01-25"),
        (TWO_HOLDS, HoldPeriod(d(1, 25), d(1, 27)), d(2, 5), None),
        (TWO_HOLDS, HoldPeriod(d(1, 10), None), d(1, 12), "not part of this participant's plan"),
    ],
)
def test_check_hold_end(plan: TreatmentPlan, hold: HoldPeriod, end: date, error: str | None) -> None:
    _assert_error(check_hold_end(plan, hold, end), error)


@pytest.mark.parametrize(
    ("treatment", "effective", "dose", "error"),
    [
        (SKB_8_6, d(1, 12), 6.0, None),
        (SKB_8_6, d(1, 12), 8.0, None),
        (SKB_8_6, d(1, 12), 4.0, "dose 4 mg is not an allowed dose level (8, 6 mg)"),
        (SKB, d(1, 12), 6.0, "dose 6 mg is not an allowed dose level (8 mg)"),
        (SKB_8_6, d(1, 4), 6.0, "before cycle 1 day 1"),
        (SKB_8_6, d(2, 1), 6.0, "on or after discontinuation"),
        (OTHER, d(1, 12), 300.0, None),
        (OTHER, d(1, 12), 8.0, "not an allowed dose level (400, 300 mg)"),
    ],
)
def test_check_dose_change(treatment: Treatment, effective: date, dose: float, error: str | None) -> None:
    _assert_error(check_dose_change(WITH_HOLD, treatment, effective, dose), error)


@pytest.mark.parametrize(
    ("plan", "day", "error"),
    [
        (SINGLE_CYCLE, d(1, 31), None),
        (SINGLE_CYCLE, C1D1, None),
        (SINGLE_CYCLE, d(1, 4), "before cycle 1 day 1"),
        (DISCONTINUED, d(2, 5), "already discontinued on 2026-01-31"),
    ],
)
def test_check_discontinuation(plan: TreatmentPlan, day: date, error: str | None) -> None:
    _assert_error(check_discontinuation(plan, day), error)


def _assert_error(result: str | None, expected: str | None) -> None:
    """None must stay None; otherwise the message must contain ``expected``."""
    if expected is None:
        assert result is None
    else:
        assert result is not None and expected in result, result


@pytest.mark.parametrize("module", ["calendar", "diary", "adherence", "localtime"])
def test_domain_module_imports_only_the_standard_library(module: str) -> None:
    path = Path(__file__).resolve().parents[2] / "backend" / "domain" / f"{module}.py"
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    outside = {
        name
        for name in imported
        if not name.startswith("backend.domain.") and name.split(".")[0] not in sys.stdlib_module_names
    }
    assert outside == set()
    assert path.read_text(encoding="utf-8").startswith('"""')
