"""Home blood pressure: plausibility, CTCAE grading and the alert rules of one sitting.

Anlotinib causes hypertension in about 39-65 % of patients (CLINICAL.md). A patient measures at
home, so one reading is never the grade on its own: readings of one *sitting* are graded on
their mean, a single reading at or above the repeat level asks for a second one after 5 minutes
of rest, and two or more readings make a *confirmed* sitting. Thresholds come from the protocol's
:class:`~backend.domain.protocol.BpRules`; the grading tables are CTCAE's and ship in code.

Grading tables (higher of the SBP grade and the DBP grade wins; bounds are on the mean, so
159.5 mmHg is still grade 2 and 160.0 is grade 3):

- ``ctcae-5.0``: 0 = <120 and <80; 1 = 120-139 or 80-89; 2 = 140-159 or 90-99; 3 = >=160 or
  >=100. Grade 4 means life-threatening consequences and cannot come from numbers alone.
- ``ctcae-6.0``: no grade 1, so <140 and <90 is 0; 2 = 140-159 or 90-99; 3 = 160-179 or
  100-109; 4 = >=180 or >=110. v6.0 adds "persisting over 1 hour" to grades 3 and 4; home
  readings cannot check that, so the mean of the sitting (after the 5-minute repeat) stands in
  for it, and the urgent alert does not wait for an hour to pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from backend.domain.findings import Finding, make_finding
from backend.domain.localtime import local_date
from backend.domain.protocol import BpRules

ADVICE_NORMAL = "advice.bp_normal"
ADVICE_ELEVATED = "advice.bp_elevated"
ADVICE_REPEAT = "advice.bp_repeat"
ADVICE_CONTACT_TEAM_TODAY = "advice.bp_contact_team_today"
ADVICE_EMERGENCY = "advice.bp_emergency"
ADVICE_PERSISTENT = "advice.bp_persistent"

# Plausible bounds of a home reading (CLINICAL.md); outside them a reading is rejected (422).
SYSTOLIC_BOUNDS = (50, 300)
DIASTOLIC_BOUNDS = (20, 200)
PULSE_BOUNDS = (20, 250)

# (systolic lower bounds, diastolic lower bounds) per grade 1..4; None = grade not defined.
_TABLES: dict[str, dict[int, tuple[float, float] | None]] = {
    "ctcae-5.0": {1: (120, 80), 2: (140, 90), 3: (160, 100), 4: None},
    "ctcae-6.0": {1: None, 2: (140, 90), 3: (160, 100), 4: (180, 110)},
}


@dataclass
class Reading:
    """One home blood-pressure reading (mmHg; pulse in beats per minute, optional)."""

    measured_at: datetime
    systolic: int
    diastolic: int
    pulse: int | None = None


@dataclass
class SittingAssessment:
    """The outcome of one sitting: mean, grade, whether to repeat, advice and findings."""

    mean_systolic: float
    mean_diastolic: float
    grade: int
    repeat_requested: bool
    confirmed: bool
    advice_key: str
    findings: list[Finding] = field(default_factory=list)


def plausibility_errors(systolic: float, diastolic: float, pulse: float | None) -> dict[str, str]:
    """Field -> message for every implausible value; each message names the bound it breaks."""
    errors: dict[str, str] = {}
    lo, hi = SYSTOLIC_BOUNDS
    if not lo <= systolic <= hi:
        errors["systolic"] = f"must be from {lo} to {hi} mmHg"
    lo, hi = DIASTOLIC_BOUNDS
    if not lo <= diastolic <= hi:
        errors["diastolic"] = f"must be from {lo} to {hi} mmHg"
    if not errors and systolic <= diastolic:
        errors["systolic"] = "must be higher than diastolic (SBP > DBP)"
    lo, hi = PULSE_BOUNDS
    if pulse is not None and not lo <= pulse <= hi:
        errors["pulse"] = f"must be from {lo} to {hi} beats per minute"
    return errors


def grade(systolic: float, diastolic: float, table: str) -> int:
    """CTCAE hypertension grade of a (mean) pressure: the higher of the SBP and DBP grades."""
    try:
        bounds = _TABLES[table]
    except KeyError:
        raise ValueError(f"unknown grading table {table!r}; expected one of {', '.join(_TABLES)}") from None
    result = 0
    for level, limits in bounds.items():
        if limits is not None and (systolic >= limits[0] or diastolic >= limits[1]):
            result = level
    return result


def _at_least(systolic: float, diastolic: float, limit_systolic: int, limit_diastolic: int) -> bool:
    """True when either pressure reaches its limit (an "or" threshold such as 160/100)."""
    return systolic >= limit_systolic or diastolic >= limit_diastolic


def _evidence(readings: Sequence[Reading], mean_s: float, mean_d: float, grd: int, table: str) -> dict:
    """The JSON-able evidence stored with a BP finding: readings, means, grade and table."""
    return {
        "readings": [
            {
                "measured_at": r.measured_at.isoformat(),
                "systolic": r.systolic,
                "diastolic": r.diastolic,
                "pulse": r.pulse,
            }
            for r in readings
        ],
        "mean_systolic": mean_s,
        "mean_diastolic": mean_d,
        "grade": grd,
        "table": table,
    }


def assess_sitting(
    readings: list[Reading], rules: BpRules, crisis_symptoms: bool = False
) -> SittingAssessment:
    """Grade one sitting on its mean and apply the BP alert rules (CLINICAL.md).

    - any reading >= the urgent level (180/110): BP-CRISIS (urgent), emergency advice;
    - mean >= the review level (160/100) with crisis symptoms (severe headache, chest pain,
      confusion or vision changes): BP-CRISIS. This does not wait for a repeat: the symptoms
      cannot be rested away and the crisis rule must not depend on a second measurement;
    - a single reading >= the repeat level (160/100): rest 5 minutes and measure again, no alert;
    - a confirmed sitting (2+ readings) with mean >= the review level: BP-CONFIRMED-160-100
      (review), "contact your study team today; no more anlotinib until they call";
    - otherwise no finding: normal advice for grade 0, "elevated" advice above it.

    ``grade`` is the grade of the mean; for a single reading it is provisional (``confirmed`` is
    False). Raises ValueError for an empty sitting.
    """
    if not readings:
        raise ValueError("a sitting needs at least one reading")
    readings = sorted(readings, key=lambda r: r.measured_at)
    mean_s = round(sum(r.systolic for r in readings) / len(readings), 1)
    mean_d = round(sum(r.diastolic for r in readings) / len(readings), 1)
    grd = grade(mean_s, mean_d, rules.grading_table)
    confirmed = len(readings) >= 2
    evidence = _evidence(readings, mean_s, mean_d, grd, rules.grading_table)

    def result(advice_key: str, repeat: bool = False, rule_id: str | None = None) -> SittingAssessment:
        """The assessment with ``advice_key`` and, when a rule fired, its finding."""
        findings = [] if rule_id is None else [make_finding(rule_id, evidence, advice_key)]
        return SittingAssessment(mean_s, mean_d, grd, repeat, confirmed, advice_key, findings)

    any_urgent = any(
        _at_least(r.systolic, r.diastolic, rules.urgent_systolic, rules.urgent_diastolic) for r in readings
    )
    mean_review = _at_least(mean_s, mean_d, rules.review_systolic, rules.review_diastolic)
    if any_urgent or (mean_review and crisis_symptoms):
        evidence["crisis_symptoms"] = crisis_symptoms
        return result(ADVICE_EMERGENCY, rule_id="BP-CRISIS")
    if not confirmed and _at_least(
        mean_s, mean_d, rules.repeat_prompt_systolic, rules.repeat_prompt_diastolic
    ):
        return result(ADVICE_REPEAT, repeat=True)
    if confirmed and mean_review:
        return result(ADVICE_CONTACT_TEAM_TODAY, rule_id="BP-CONFIRMED-160-100")
    return result(ADVICE_NORMAL if grd == 0 else ADVICE_ELEVATED)


def persistent_grade2(
    sittings: list[tuple[datetime, int]], now: datetime, rules: BpRules, tz: str
) -> Finding | None:
    """BP-PERSISTENT-G2: grade >= 2 on enough sittings, on enough local days, over enough hours.

    CTCAE grade 2 is "recurrent or persistent >= 24 h" (CLINICAL.md): by default 3 sittings
    measured in ``(now - 7 days, now]``, on at least 2 different local dates of zone ``tz`` and
    spanning at least 24 hours from the first to the last; three sittings in one afternoon are
    not persistence. ``sittings`` are (sitting time, grade of its mean); sittings after ``now``
    are ignored. Grades above 2 count too: a grade-3 sitting does not make hypertension less
    persistent (it also has its own rule). The sittings in the window together are the best
    candidate set (most days, longest span), so checking them all is checking every subset.
    """
    start = now - timedelta(days=rules.persistent_grade2_days)
    hits = sorted((at, g) for at, g in sittings if start < at <= now and g >= 2)
    if len(hits) < rules.persistent_grade2_sittings:
        return None
    days = sorted({local_date(at, tz) for at, _ in hits})
    span = hits[-1][0] - hits[0][0]
    if len(days) < rules.persistent_grade2_local_days or span < timedelta(
        hours=rules.persistent_grade2_span_hours
    ):
        return None
    evidence = {
        "sittings": [{"measured_at": at.isoformat(), "grade": g} for at, g in hits],
        "local_days": [d.isoformat() for d in days],
        "span_hours": round(span.total_seconds() / 3600, 2),
        "window_days": rules.persistent_grade2_days,
        "required_sittings": rules.persistent_grade2_sittings,
        "required_local_days": rules.persistent_grade2_local_days,
        "required_span_hours": rules.persistent_grade2_span_hours,
        "table": rules.grading_table,
    }
    return make_finding("BP-PERSISTENT-G2", evidence, ADVICE_PERSISTENT)
