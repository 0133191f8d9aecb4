"""CTCAE v6.0's baseline-rise criterion for grade 3 (CLINICAL.md, "Blood pressure").

Grade 3 under v6.0 also when SBP > 140 with a rise in SBP > 20 mmHg or in MAP > 15 mmHg from the
participant's baseline, MAP = DBP + (SBP - DBP) / 3; without a baseline the evidence says the
criterion could not be applied. Every bound is strict, so each is tested on both sides.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from backend.domain.bp import Baseline, Reading, assess_sitting, grading, mean_arterial_pressure
from backend.domain.protocol import get_protocol

V5, V6 = "ctcae-5.0", "ctcae-6.0"
B120_80, B130_70 = Baseline(120, 80), Baseline(130, 70)  # MAP 93.3 and 90.0


@pytest.mark.parametrize(
    ("systolic", "diastolic", "expected"),
    [(120, 80, 93.3), (130, 70, 90.0), (141, 87, 105.0), (180, 120, 140.0), (145.5, 95.5, 112.2)],
)
def test_mean_arterial_pressure_is_dbp_plus_a_third_of_the_pulse_pressure(systolic, diastolic, expected):
    assert round(mean_arterial_pressure(systolic, diastolic), 1) == expected


@pytest.mark.parametrize(
    ("systolic", "diastolic", "baseline", "expected_grade", "met"),
    [
        # without a baseline: the table alone, and the evidence says why
        pytest.param(145, 95, None, 2, None, id="no-baseline"),
        # SBP rise: 21 > 20 (met), 20 (not met); both with SBP 141 > 140
        pytest.param(141, 85, B120_80, 3, True, id="sbp-rise-21"),
        pytest.param(141, 85, Baseline(121, 80), 2, False, id="sbp-rise-20"),
        # SBP must be above 140: 140 with a 25 mmHg rise is not enough
        pytest.param(140, 95, Baseline(115, 70), 2, False, id="sbp-140-not-above"),
        # MAP rise: 141/87 has MAP 105.0, 15.0 above 90.0 (not met); 141/88 has MAP 105.7 (met)
        pytest.param(141, 87, B130_70, 2, False, id="map-rise-15.0"),
        pytest.param(141, 88, B130_70, 3, True, id="map-rise-15.7"),
        pytest.param(145, 95, B130_70, 3, True, id="map-rise-only"),
        # a grade 4 stays 4; a low pressure stays 0 however far it rose
        pytest.param(182, 100, B120_80, 4, True, id="grade-4-stays"),
        pytest.param(130, 85, Baseline(100, 60), 0, False, id="below-140"),
    ],
)
def test_ctcae_6_baseline_rise(systolic, diastolic, baseline, expected_grade, met) -> None:  # type: ignore[no-untyped-def]
    result = grading(systolic, diastolic, V6, baseline)
    assert result.grade == expected_grade
    rise = result.evidence["baseline_rise"]
    assert rise["met"] is met
    assert rise["applied"] is (baseline is not None)
    if baseline is None:
        assert "could not be applied" in rise["reason"]
    else:
        assert rise["systolic_rise"] == systolic - baseline.systolic
        base_map = baseline.diastolic + (baseline.systolic - baseline.diastolic) / 3
        assert rise["map_rise"] == round(diastolic + (systolic - diastolic) / 3 - base_map, 1)


def test_ctcae_5_has_no_baseline_criterion() -> None:
    result = grading(150, 90, V5, Baseline(110, 70))
    assert result.grade == 2 and "baseline_rise" not in result.evidence
    assert result.evidence["table"] == V5 and result.evidence["map"] == 110.0


T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
RULES_V6 = replace(get_protocol().bp, grading_table=V6)


def test_a_sitting_graded_3_by_baseline_rise_is_not_a_160_100_alert() -> None:
    """The rise changes the grade (and counts toward persistence), not the 160/100 alert rules."""
    readings = [Reading(T0, 150, 90), Reading(T0 + timedelta(minutes=5), 152, 92)]
    with_baseline = assess_sitting(readings, RULES_V6, baseline=B120_80)
    assert (with_baseline.grade, with_baseline.findings) == (3, [])
    assert with_baseline.grading["baseline_rise"]["met"] is True
    assert with_baseline.advice_key == "advice.bp_elevated"
    without = assess_sitting(readings, RULES_V6)
    assert without.grade == 2 and without.grading["baseline_rise"]["applied"] is False


def test_the_grading_evidence_travels_with_a_finding() -> None:
    readings = [Reading(T0, 166, 103), Reading(T0 + timedelta(minutes=5), 164, 101)]
    [finding] = assess_sitting(readings, RULES_V6).findings
    assert finding.rule_id == "BP-CONFIRMED-160-100"
    assert "could not be applied" in finding.evidence["grading"]["baseline_rise"]["reason"]
