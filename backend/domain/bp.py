"""Home blood pressure: plausibility, CTCAE grading and the alert rules of one sitting.

Anlotinib causes hypertension in about 39-65 % of patients (CLINICAL.md). A patient measures at
home, so one reading is never the grade on its own: readings of one *sitting* are graded on
their mean, a single reading at or above the repeat level asks for a second one after 5 minutes
of rest, and two or more readings make a *confirmed* sitting. Thresholds come from the protocol's
:class:`~backend.domain.protocol.BpRules`; the grading tables are CTCAE's and ship in code.

Grading (CTCAE v5.0 / v6.0, with v6.0's baseline-rise criterion) lives in
:mod:`backend.domain.bp_grading`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# Grading is re-exported (``as`` form): callers import every BP rule from this module.
from backend.domain.bp_grading import Baseline as Baseline
from backend.domain.bp_grading import Grading as Grading
from backend.domain.bp_grading import grade as grade
from backend.domain.bp_grading import grading
from backend.domain.bp_grading import mean_arterial_pressure as mean_arterial_pressure
from backend.domain.findings import Finding, make_finding
from backend.domain.localtime import local_date
from backend.domain.protocol import BpRules

ADVICE_NORMAL = "advice.bp_normal"
ADVICE_ELEVATED = "advice.bp_elevated"
ADVICE_REPEAT = "advice.bp_repeat"
ADVICE_CONTACT_TEAM_TODAY = "advice.bp_contact_team_today"
ADVICE_EMERGENCY = "advice.bp_emergency"
ADVICE_PERSISTENT = "advice.bp_persistent"

# "A single reading >= 160/100 whose repeat never comes" (CLINICAL.md, product decision): one push
# asking to measure again when no later reading came within the protocol's
# ``bp.repeat_nudge_minutes`` (30), and a review alert "high reading not confirmed" when none came
# within ``bp.unconfirmed_alert_minutes`` (120).
NUDGE = "nudge"
ALERT_UNCONFIRMED = "alert"
ANSWERED = "answered"

# Plausible bounds of a home reading (CLINICAL.md); outside them a reading is rejected (422).
SYSTOLIC_BOUNDS = (50, 300)
DIASTOLIC_BOUNDS = (20, 200)
PULSE_BOUNDS = (20, 250)


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
    grading: dict[str, Any] = field(default_factory=dict)


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


def _at_least(systolic: float, diastolic: float, limit_systolic: int, limit_diastolic: int) -> bool:
    """True when either pressure reaches its limit (an "or" threshold such as 160/100)."""
    return systolic >= limit_systolic or diastolic >= limit_diastolic


def _evidence(
    readings: Sequence[Reading], mean_s: float, mean_d: float, grd: int, table: str
) -> dict[str, Any]:
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
    readings: list[Reading], rules: BpRules, crisis_symptoms: bool = False, baseline: Baseline | None = None
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

    ``grade`` is the grade of the mean (``grading`` its evidence, with the participant's
    ``baseline`` under CTCAE v6.0); for a single reading it is provisional (``confirmed`` is
    False). Raises ValueError for an empty sitting.
    """
    if not readings:
        raise ValueError("a sitting needs at least one reading")
    readings = sorted(readings, key=lambda r: r.measured_at)
    mean_s = round(sum(r.systolic for r in readings) / len(readings), 1)
    mean_d = round(sum(r.diastolic for r in readings) / len(readings), 1)
    graded = grading(mean_s, mean_d, rules.grading_table, baseline)
    grd = graded.grade
    confirmed = len(readings) >= 2
    evidence = _evidence(readings, mean_s, mean_d, grd, rules.grading_table)
    evidence["grading"] = graded.evidence

    def result(advice_key: str, repeat: bool = False, rule_id: str | None = None) -> SittingAssessment:
        """The assessment with ``advice_key`` and, when a rule fired, its finding."""
        findings = [] if rule_id is None else [make_finding(rule_id, evidence, advice_key)]
        return SittingAssessment(
            mean_s, mean_d, grd, repeat, confirmed, advice_key, findings, graded.evidence
        )

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


def unconfirmed_high_step(
    prompted_at: datetime, now: datetime, later_reading: bool, nudged: bool, rules: BpRules
) -> str | None:
    """What to do now about a single high reading that asked for a repeat at ``prompted_at``.

    ``answered`` once any later reading arrived (the repeat, or a new sitting graded on its own);
    else ``alert`` from the protocol's ``rules.unconfirmed_alert_after`` on (the reading opens a
    review alert, never silently dropped); else ``nudge`` (one push, "measure again") from
    ``rules.repeat_nudge_after`` on unless already sent; else None (nothing yet).
    """
    if later_reading:
        return ANSWERED
    if now >= prompted_at + rules.unconfirmed_alert_after:
        return ALERT_UNCONFIRMED
    if now >= prompted_at + rules.repeat_nudge_after and not nudged:
        return NUDGE
    return None


def unconfirmed_high_finding(reading: Reading, prompted_at: datetime, grade_: int, table: str) -> Finding:
    """BP-UNCONFIRMED-HIGH for a single high reading whose repeat never came."""
    evidence = _evidence([reading], float(reading.systolic), float(reading.diastolic), grade_, table)
    evidence["prompted_at"] = prompted_at.isoformat()
    evidence["confirmed"] = False
    return make_finding("BP-UNCONFIRMED-HIGH", evidence, None)
