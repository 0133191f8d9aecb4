"""CTCAE hypertension grading of a (mean) home BP, with the evidence for each grade.

Grading tables (higher of the SBP grade and the DBP grade wins; bounds are on the mean, so
159.5 mmHg is still grade 2 and 160.0 is grade 3):

- ``ctcae-5.0``: 0 = <120 and <80; 1 = 120-139 or 80-89; 2 = 140-159 or 90-99; 3 = >=160 or
  >=100. Grade 4 means life-threatening consequences and cannot come from numbers alone.
- ``ctcae-6.0``: no grade 1, so <140 and <90 is 0; 2 = 140-159 or 90-99; 3 = 160-179 or
  100-109; 4 = >=180 or >=110. v6.0 adds "persisting over 1 hour" to grades 3 and 4; home
  readings cannot check that, so the mean of the sitting (after the 5-minute repeat) stands in
  for it, and the urgent alert does not wait for an hour to pass. v6.0 grade 3 also has a
  *baseline-rise* criterion: SBP > 140 with a rise in SBP > 20 mmHg or in mean arterial pressure
  (MAP = DBP + (SBP - DBP) / 3) > 15 mmHg from the participant's baseline. It needs a baseline
  BP recorded by the site; without one the grade's evidence says the criterion could not be
  applied (never a silent "not met"). All bounds of the criterion are strict (">").

Every grade comes with its evidence (:class:`Grading`): the table, the mean, the MAP and, under
v6.0, what the baseline-rise criterion found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# CTCAE v6.0 grade 3, baseline rise: SBP > 140 and (SBP rise > 20 or MAP rise > 15), all strict.
BASELINE_RISE_SBP_ABOVE = 140
BASELINE_RISE_SBP_BY = 20
BASELINE_RISE_MAP_BY = 15

# (systolic lower bounds, diastolic lower bounds) per grade 1..4; None = grade not defined.
_TABLES: dict[str, dict[int, tuple[float, float] | None]] = {
    "ctcae-5.0": {1: (120, 80), 2: (140, 90), 3: (160, 100), 4: None},
    "ctcae-6.0": {1: None, 2: (140, 90), 3: (160, 100), 4: (180, 110)},
}


@dataclass(frozen=True)
class Baseline:
    """The participant's baseline BP (mmHg), recorded by the site; CTCAE v6.0's reference point."""

    systolic: int
    diastolic: int


@dataclass(frozen=True)
class Grading:
    """A grade and the evidence for it (JSON-able), stored with the reading and the alert."""

    grade: int
    evidence: dict[str, Any]


def mean_arterial_pressure(systolic: float, diastolic: float) -> float:
    """MAP = DBP + (SBP - DBP) / 3 (the formula CTCAE v6.0's baseline-rise criterion uses)."""
    return diastolic + (systolic - diastolic) / 3


def _table_grade(systolic: float, diastolic: float, table: str) -> int:
    try:
        bounds = _TABLES[table]
    except KeyError:
        raise ValueError(f"unknown grading table {table!r}; expected one of {', '.join(_TABLES)}") from None
    result = 0
    for level, limits in bounds.items():
        if limits is not None and (systolic >= limits[0] or diastolic >= limits[1]):
            result = level
    return result


def _baseline_rise(systolic: float, diastolic: float, baseline: Baseline | None) -> dict[str, Any]:
    """What CTCAE v6.0's grade-3 baseline-rise criterion found for a (mean) pressure."""
    if baseline is None:
        return {
            "applied": False,
            "met": None,
            "reason": "no baseline BP recorded for the participant: the CTCAE v6.0 baseline-rise "
            "criterion (SBP > 140 with SBP rise > 20 or MAP rise > 15 mmHg) could not be applied",
        }
    mean_map = mean_arterial_pressure(systolic, diastolic)
    base_map = mean_arterial_pressure(baseline.systolic, baseline.diastolic)
    sbp_rise, map_rise = systolic - baseline.systolic, mean_map - base_map
    met = systolic > BASELINE_RISE_SBP_ABOVE and (
        sbp_rise > BASELINE_RISE_SBP_BY or map_rise > BASELINE_RISE_MAP_BY
    )
    return {
        "applied": True,
        "met": met,
        "baseline": {
            "systolic": baseline.systolic,
            "diastolic": baseline.diastolic,
            "map": round(base_map, 1),
        },
        "systolic_rise": round(sbp_rise, 1),
        "map_rise": round(map_rise, 1),
    }


def grading(systolic: float, diastolic: float, table: str, baseline: Baseline | None = None) -> Grading:
    """CTCAE hypertension grade of a (mean) pressure with its evidence.

    The higher of the SBP and DBP grades; under ``ctcae-6.0`` raised to 3 when the baseline-rise
    criterion is met (a grade 4 stays 4). ``baseline`` is ignored under ``ctcae-5.0``, which has
    no such criterion.
    """
    result = _table_grade(systolic, diastolic, table)
    evidence: dict[str, Any] = {
        "table": table,
        "systolic": systolic,
        "diastolic": diastolic,
        "map": round(mean_arterial_pressure(systolic, diastolic), 1),
        "table_grade": result,
    }
    if table == "ctcae-6.0":
        rise = _baseline_rise(systolic, diastolic, baseline)
        evidence["baseline_rise"] = rise
        if rise["met"]:
            result = max(result, 3)
    evidence["grade"] = result
    return Grading(result, evidence)


def grade(systolic: float, diastolic: float, table: str, baseline: Baseline | None = None) -> int:
    """CTCAE hypertension grade of a (mean) pressure (see :func:`grading` for its evidence)."""
    return grading(systolic, diastolic, table, baseline).grade
