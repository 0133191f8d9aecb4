"""Adherence per cycle and overall for the calendar scenarios of CLINICAL.md."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from backend.domain.adherence import CycleAdherence, DoseRecord, compute_adherence
from backend.domain.calendar import CycleStart, DoseChangeRecord, HoldPeriod, TreatmentPlan
from backend.domain.protocol import Protocol, Treatment, get_protocol

NY, LONDON, SHANGHAI = "America/New_York", "Europe/London", "Asia/Shanghai"
SKB = get_protocol()
OTHER = get_protocol("OTHER-TRIAL@1", directory=Path(__file__).parent / "protocols")
SKB_8_6 = dataclasses.replace(SKB.treatment, allowed_dose_mg=(8.0, 6.0))


def d(month: int, day: int) -> date:
    """A date in 2026."""
    return date(2026, month, day)


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


def make_plan(
    c1d1: date, *starts: date, treatment: Treatment = SKB.treatment, **kwargs: object
) -> TreatmentPlan:
    """A plan with cycle 1 on ``c1d1`` and further confirmed starts."""
    cycles = tuple(CycleStart(n, s) for n, s in enumerate((c1d1, *starts), start=1))
    return TreatmentPlan(treatment, c1d1, treatment.default_dose_mg, cycles, **kwargs)  # type: ignore[arg-type]


def taken(first: date, last: date) -> dict[date, DoseRecord]:
    """A taken, on-time entry for every day from ``first`` to ``last``."""
    count = (last - first).days + 1
    return {first + timedelta(days=n): DoseRecord(first + timedelta(days=n), True) for n in range(count)}


def entry(
    day: date, is_taken: bool = True, late: bool = False, deviation: bool = False
) -> dict[date, DoseRecord]:
    """One entry."""
    return {day: DoseRecord(day, is_taken, is_late=late, is_deviation=deviation)}


def counts(row: CycleAdherence) -> tuple[object, ...]:
    """(cycle, prescribed, taken, not_taken, not_reported, pending, late, deviations, percent, below)."""
    return (
        row.cycle,
        row.prescribed,
        row.taken,
        row.not_taken,
        row.not_reported,
        row.pending,
        row.late,
        row.deviations,
        row.percent,
        row.below_threshold,
    )


JAN = d(1, 5)  # cycle 1: dosing 01-05..01-18, planned cycle 2: 01-26

SCENARIOS = [
    pytest.param(
        # yesterday (11-09) still open before 12:00 Shanghai: pending, out of the denominator
        make_plan(d(11, 2)),
        taken(d(11, 2), d(11, 8)) | entry(d(11, 10)),
        utc(2026, 11, 10, 3, 59),
        SHANGHAI,
        SKB,
        [(1, 8, 7, 0, 0, 1, 0, 0, 100.0, False)],
        (None, 8, 7, 0, 0, 1, 0, 0, 100.0, False),
        id="pending-before-noon",
    ),
    pytest.param(
        # from 12:00 it is not reported and counts as not taken; today's dose never counts yet
        make_plan(d(11, 2)),
        taken(d(11, 2), d(11, 8)) | entry(d(11, 10)),
        utc(2026, 11, 10, 4, 0),
        SHANGHAI,
        SKB,
        [(1, 8, 7, 0, 1, 0, 0, 0, 87.5, False)],
        (None, 8, 7, 0, 1, 0, 0, 0, 87.5, False),
        id="not-reported-from-noon",
    ),
    pytest.param(
        # cycle 2 confirmed 5 days late: the awaiting days are not prescribed, intake there is a deviation
        make_plan(JAN, d(1, 31)),
        taken(JAN, d(1, 18))
        | entry(d(1, 10), False)
        | {d(1, 12): None}
        | entry(d(1, 27), deviation=True)
        | taken(d(1, 31), d(2, 3)),
        utc(2026, 2, 5, 6, 0),
        SHANGHAI,
        SKB,
        [(1, 14, 12, 1, 1, 0, 0, 1, 85.7, False), (2, 5, 4, 0, 1, 0, 0, 0, 80.0, False)],
        (None, 19, 16, 1, 2, 0, 0, 1, 84.2, False),
        id="delayed-cycle",
    ),
    pytest.param(
        # hold from cycle 1 day 11 to cycle 2 day 5: held days are not prescribed
        make_plan(JAN, d(1, 26), holds=(HoldPeriod(d(1, 15), d(1, 30)),)),
        taken(JAN, d(1, 14))
        | entry(d(1, 16), deviation=True)
        | entry(d(1, 27), deviation=True, late=True)
        | taken(d(1, 31), d(2, 8)),
        utc(2026, 2, 10, 6, 0),
        SHANGHAI,
        SKB,
        [(1, 10, 10, 0, 0, 0, 0, 1, 100.0, False), (2, 9, 9, 0, 0, 0, 1, 1, 100.0, False)],
        (None, 19, 19, 0, 0, 0, 1, 2, 100.0, False),
        id="hold-across-two-cycles",
    ),
    pytest.param(
        # reduced to 6 mg from day 8; 8 mg taken on day 9 is a deviation but still a dose taken
        make_plan(JAN, treatment=SKB_8_6, dose_changes=(DoseChangeRecord(d(1, 12), 6.0),)),
        taken(JAN, d(1, 18)) | entry(d(1, 13), deviation=True),
        utc(2026, 1, 20, 6, 0),
        SHANGHAI,
        SKB,
        [(1, 14, 14, 0, 0, 0, 0, 1, 100.0, False)],
        (None, 14, 14, 0, 0, 0, 0, 1, 100.0, False),
        id="dose-reduction-mid-cycle",
    ),
    pytest.param(
        # discontinued on cycle 2 day 6: only days 1-5 prescribed; intake afterwards is a deviation
        make_plan(JAN, d(1, 26), discontinued_on=d(1, 31)),
        taken(JAN, d(1, 18))
        | entry(d(1, 6), late=True)
        | entry(d(1, 7), late=True)
        | entry(d(1, 26))
        | entry(d(1, 27), False)
        | entry(d(1, 28), late=True)
        | entry(d(1, 30))
        | entry(d(2, 1), deviation=True),
        utc(2026, 2, 20, 6, 0),
        SHANGHAI,
        SKB,
        [(1, 14, 14, 0, 0, 0, 2, 0, 100.0, False), (2, 5, 3, 1, 1, 0, 1, 1, 60.0, True)],
        (None, 19, 17, 1, 1, 0, 3, 1, 89.5, False),
        id="discontinued-mid-cycle",
    ),
    pytest.param(
        # New York fall back: the 10-31 window closes at 12:00 EST = 17:00Z (pending at 16:59Z)
        make_plan(d(10, 26)),
        taken(d(10, 26), d(10, 30)),
        utc(2026, 11, 1, 16, 59),
        NY,
        SKB,
        [(1, 6, 5, 0, 0, 1, 0, 0, 100.0, False)],
        (None, 6, 5, 0, 0, 1, 0, 0, 100.0, False),
        id="ny-fall-back-pending",
    ),
    pytest.param(
        make_plan(d(10, 26)),
        taken(d(10, 26), d(10, 30)),
        utc(2026, 11, 1, 17, 0),
        NY,
        SKB,
        [(1, 6, 5, 0, 1, 0, 0, 0, 83.3, False)],
        (None, 6, 5, 0, 1, 0, 0, 0, 83.3, False),
        id="ny-fall-back-not-reported",
    ),
    pytest.param(
        # New York spring forward: the 03-07 window closes at 12:00 EDT = 16:00Z
        make_plan(d(3, 2)),
        taken(d(3, 2), d(3, 6)),
        utc(2026, 3, 8, 16, 0),
        NY,
        SKB,
        [(1, 6, 5, 0, 1, 0, 0, 0, 83.3, False)],
        (None, 6, 5, 0, 1, 0, 0, 0, 83.3, False),
        id="ny-spring-forward-not-reported",
    ),
    pytest.param(
        # London: the 03-28 window closes at 12:00 BST = 11:00Z; the 10-24 one at 12:00 GMT = 12:00Z
        make_plan(d(3, 23)),
        taken(d(3, 23), d(3, 27)),
        utc(2026, 3, 29, 10, 59),
        LONDON,
        SKB,
        [(1, 6, 5, 0, 0, 1, 0, 0, 100.0, False)],
        (None, 6, 5, 0, 0, 1, 0, 0, 100.0, False),
        id="london-spring-forward-pending",
    ),
    pytest.param(
        make_plan(d(10, 19)),
        taken(d(10, 19), d(10, 23)),
        utc(2026, 10, 25, 12, 0),
        LONDON,
        SKB,
        [(1, 6, 5, 0, 1, 0, 0, 0, 83.3, False)],
        (None, 6, 5, 0, 1, 0, 0, 0, 83.3, False),
        id="london-fall-back-not-reported",
    ),
    pytest.param(
        # the same instant for a participant who moved to New York: today is still 01-09 there
        make_plan(JAN),
        taken(JAN, d(1, 7)),
        utc(2026, 1, 10, 2, 0),
        SHANGHAI,
        SKB,
        [(1, 5, 3, 0, 1, 1, 0, 0, 75.0, True)],
        (None, 5, 3, 0, 1, 1, 0, 0, 75.0, True),
        id="moved-zone-before-shanghai",
    ),
    pytest.param(
        make_plan(JAN),
        taken(JAN, d(1, 7)),
        utc(2026, 1, 10, 2, 0),
        NY,
        SKB,
        [(1, 4, 3, 0, 1, 0, 0, 0, 75.0, True)],
        (None, 4, 3, 0, 1, 0, 0, 0, 75.0, True),
        id="moved-zone-after-new-york",
    ),
    pytest.param(
        # nothing due yet: before C1D1 (an early intake is a deviation in no cycle), and on C1D1
        make_plan(JAN),
        entry(d(1, 3), deviation=True),
        utc(2026, 1, 4, 6, 0),
        SHANGHAI,
        SKB,
        [(1, 0, 0, 0, 0, 0, 0, 0, None, False)],
        (None, 0, 0, 0, 0, 0, 0, 1, None, False),
        id="before-c1d1",
    ),
    pytest.param(
        make_plan(JAN),
        entry(JAN),
        utc(2026, 1, 5, 15, 59),
        SHANGHAI,
        SKB,
        [(1, 0, 0, 0, 0, 0, 0, 0, None, False)],
        (None, 0, 0, 0, 0, 0, 0, 0, None, False),
        id="on-c1d1-today-not-counted",
    ),
    pytest.param(
        make_plan(JAN),
        {},
        utc(2026, 1, 6, 1, 0),
        SHANGHAI,
        SKB,
        [(1, 1, 0, 0, 0, 1, 0, 0, None, False)],
        (None, 1, 0, 0, 0, 1, 0, 0, None, False),
        id="only-pending-no-percent",
    ),
    pytest.param(
        # another protocol (28-day cycles, 21 dosing days, 90 % threshold, 09:30 window)
        make_plan(JAN, treatment=OTHER.treatment),
        taken(JAN, d(1, 23)) | entry(d(1, 24), False),
        utc(2026, 2, 3, 6, 0),
        SHANGHAI,
        OTHER,
        [(1, 21, 19, 1, 1, 0, 0, 0, 90.5, False)],
        (None, 21, 19, 1, 1, 0, 0, 0, 90.5, False),
        id="other-trial-at-threshold",
    ),
    pytest.param(
        make_plan(JAN, treatment=OTHER.treatment),
        taken(JAN, d(1, 22)) | entry(d(1, 24), False),
        utc(2026, 2, 3, 6, 0),
        SHANGHAI,
        OTHER,
        [(1, 21, 18, 1, 2, 0, 0, 0, 85.7, True)],
        (None, 21, 18, 1, 2, 0, 0, 0, 85.7, True),
        id="other-trial-below-threshold",
    ),
]


@pytest.mark.parametrize(("plan", "records", "now", "tz", "protocol", "cycles", "overall"), SCENARIOS)
def test_compute_adherence(
    plan: TreatmentPlan,
    records: dict[date, DoseRecord | None],
    now: datetime,
    tz: str,
    protocol: Protocol,
    cycles: list[tuple[object, ...]],
    overall: tuple[object, ...],
) -> None:
    present = {day: record for day, record in records.items() if record is not None}
    report = compute_adherence(plan, present, now, tz, protocol.entry, protocol.adherence_threshold_percent)
    assert [counts(row) for row in report.cycles] == cycles
    assert counts(report.overall) == overall


def test_overall_is_the_sum_of_the_cycles() -> None:
    plan = make_plan(JAN, d(1, 31), d(2, 21))
    records = taken(JAN, d(1, 10)) | taken(d(1, 31), d(2, 12)) | entry(d(2, 22), late=True)
    report = compute_adherence(plan, records, utc(2026, 3, 20), SHANGHAI, SKB.entry, 80)
    for name in ("prescribed", "taken", "not_taken", "not_reported", "pending", "late", "deviations"):
        assert getattr(report.overall, name) == sum(getattr(row, name) for row in report.cycles)
    assert [row.percent for row in report.cycles] == [42.9, 92.9, 7.1]
    assert [row.below_threshold for row in report.cycles] == [True, False, True]


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        compute_adherence(make_plan(JAN), {}, datetime(2026, 2, 1), SHANGHAI, SKB.entry, 80)


def test_days_confirmed_late_by_the_site_are_left_out_unless_logged() -> None:
    """Cycle 2 confirmed on 01-29 for 01-26 (08:00 doses): 01-26..01-28 were never announced in time."""
    cycles = (CycleStart(1, d(1, 5)), CycleStart(2, d(1, 26), late_through=d(1, 28)))
    plan = TreatmentPlan(SKB.treatment, d(1, 5), 8.0, cycles)
    records = {**taken(d(1, 5), d(1, 18)), **entry(d(1, 27)), **entry(d(1, 28), is_taken=False)}
    records |= taken(d(1, 29), d(1, 30))
    report = compute_adherence(plan, records, utc(2026, 1, 31, 6), SHANGHAI, SKB.entry, 80)
    cycle2 = report.cycles[1]
    # 01-26 unlogged: left out; 01-27 taken and 01-28 not taken were logged: they count
    assert (cycle2.prescribed, cycle2.taken, cycle2.not_taken, cycle2.not_reported) == (4, 3, 1, 0)
    assert (cycle2.confirmed_late, cycle2.percent) == (1, 75.0)
    assert report.overall.confirmed_late == 1 and report.overall.prescribed == 18
