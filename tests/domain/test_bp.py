"""Blood pressure: plausibility bounds, CTCAE v5.0 / v6.0 grading and the sitting alert rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from backend.domain import bp
from backend.domain.bp import Reading, assess_sitting, grade, persistent_grade2, plausibility_errors
from backend.domain.findings import RULES
from backend.domain.i18n import LANGUAGES, catalogue
from backend.domain.protocol import get_protocol

RULES_V5 = get_protocol().bp
RULES_V6 = replace(RULES_V5, grading_table="ctcae-6.0")
T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SH, LDN = "Asia/Shanghai", "Europe/London"


def readings(*pairs: tuple[int, int]) -> list[Reading]:
    """Readings of one sitting, 5 minutes apart."""
    return [Reading(T0 + timedelta(minutes=5 * i), s, d, 72) for i, (s, d) in enumerate(pairs)]


@pytest.mark.parametrize(
    ("systolic", "diastolic", "v5", "v6"),
    [
        (119, 79, 0, 0),
        (120, 79, 1, 0),
        (119, 80, 1, 0),
        (120, 80, 1, 0),
        (139, 89, 1, 0),
        (140, 89, 2, 2),
        (139, 90, 2, 2),
        (140, 90, 2, 2),
        (159, 99, 2, 2),
        (160, 99, 3, 3),
        (159, 100, 3, 3),
        (160, 100, 3, 3),
        (179, 109, 3, 3),
        (180, 109, 3, 4),
        (179, 110, 3, 4),
        (180, 110, 3, 4),
        (220, 130, 3, 4),
        # mixed: the higher of the SBP grade and the DBP grade wins
        (150, 101, 3, 3),
        (118, 95, 2, 2),
        (125, 70, 1, 0),
        (185, 85, 3, 4),
        (130, 112, 3, 4),
        (145, 105, 3, 3),
    ],
)
def test_grade_boundaries_v5_and_v6(systolic: int, diastolic: int, v5: int, v6: int) -> None:
    assert grade(systolic, diastolic, "ctcae-5.0") == v5
    assert grade(systolic, diastolic, "ctcae-6.0") == v6


def test_grade_on_mean_values_just_below_a_bound_stays_in_the_lower_grade() -> None:
    assert grade(159.5, 99.5, "ctcae-5.0") == 2
    assert grade(179.5, 109.5, "ctcae-6.0") == 3


def test_numbers_alone_never_give_grade_4_in_v5() -> None:
    assert grade(299, 199, "ctcae-5.0") == 3


def test_unknown_grading_table_is_rejected() -> None:
    with pytest.raises(ValueError, match="ctcae-4.0"):
        grade(120, 80, "ctcae-4.0")


def test_plausible_reading_has_no_errors() -> None:
    assert plausibility_errors(120, 80, 70) == {}
    assert plausibility_errors(50, 20, None) == {}
    assert plausibility_errors(300, 200, 250) == {}
    assert plausibility_errors(120, 80, 20) == {}


@pytest.mark.parametrize(
    ("systolic", "diastolic", "pulse", "field", "bound"),
    [
        (49, 30, 70, "systolic", "50 to 300"),
        (301, 90, 70, "systolic", "50 to 300"),
        (120, 19, 70, "diastolic", "20 to 200"),
        (250, 201, 70, "diastolic", "20 to 200"),
        (120, 80, 19, "pulse", "20 to 250"),
        (120, 80, 251, "pulse", "20 to 250"),
        (80, 80, 70, "systolic", "SBP > DBP"),
        (80, 90, 70, "systolic", "SBP > DBP"),
    ],
)
def test_implausible_reading_names_the_bound(
    systolic: int, diastolic: int, pulse: int, field: str, bound: str
) -> None:
    errors = plausibility_errors(systolic, diastolic, pulse)
    assert list(errors) == [field]
    assert bound in errors[field]


def test_every_implausible_field_is_reported() -> None:
    assert set(plausibility_errors(40, 10, 300)) == {"systolic", "diastolic", "pulse"}


def test_single_high_reading_asks_for_a_repeat_without_alert() -> None:
    result = assess_sitting(readings((165, 102)), RULES_V5)
    assert result.repeat_requested is True
    assert result.confirmed is False
    assert result.findings == []
    assert result.advice_key == "advice.bp_repeat"
    assert result.grade == 3  # provisional until confirmed


def test_single_reading_below_the_repeat_level_is_graded_without_repeat() -> None:
    result = assess_sitting(readings((159, 99)), RULES_V5)
    assert (result.repeat_requested, result.grade, result.findings) == (False, 2, [])
    assert result.advice_key == "advice.bp_elevated"


def test_normal_reading_gets_normal_advice() -> None:
    result = assess_sitting(readings((118, 76)), RULES_V5)
    assert (result.grade, result.advice_key, result.findings) == (0, "advice.bp_normal", [])


def test_two_high_readings_confirm_and_raise_a_review_finding() -> None:
    result = assess_sitting(readings((165, 102), (163, 101)), RULES_V5)
    assert result.confirmed is True
    assert result.repeat_requested is False
    assert (result.mean_systolic, result.mean_diastolic, result.grade) == (164.0, 101.5, 3)
    assert [f.rule_id for f in result.findings] == ["BP-CONFIRMED-160-100"]
    finding = result.findings[0]
    assert finding.severity == "review"
    assert finding.advice_key == result.advice_key == "advice.bp_contact_team_today"
    assert finding.evidence["mean_systolic"] == 164.0
    assert finding.evidence["grade"] == 3
    assert finding.evidence["table"] == "ctcae-5.0"
    assert [(r["systolic"], r["diastolic"]) for r in finding.evidence["readings"]] == [(165, 102), (163, 101)]


def test_repeat_that_comes_down_is_graded_on_the_mean_without_alert() -> None:
    result = assess_sitting(readings((165, 102), (150, 94)), RULES_V5)
    assert result.confirmed is True
    assert (result.mean_systolic, result.mean_diastolic, result.grade) == (157.5, 98.0, 2)
    assert result.findings == []
    assert result.advice_key == "advice.bp_elevated"


def test_single_reading_at_the_urgent_level_is_a_crisis_at_once() -> None:
    result = assess_sitting(readings((185, 112)), RULES_V5)
    assert [(f.rule_id, f.severity) for f in result.findings] == [("BP-CRISIS", "urgent")]
    assert result.advice_key == "advice.bp_emergency"
    assert result.repeat_requested is False


@pytest.mark.parametrize(("systolic", "diastolic"), [(180, 90), (150, 110)])
def test_either_pressure_at_the_urgent_level_is_a_crisis(systolic: int, diastolic: int) -> None:
    assert assess_sitting(readings((systolic, diastolic)), RULES_V5).findings[0].rule_id == "BP-CRISIS"


def test_just_below_the_urgent_level_is_not_a_crisis() -> None:
    result = assess_sitting(readings((179, 109)), RULES_V5)
    assert result.findings == [] and result.repeat_requested is True


def test_any_urgent_reading_in_a_sitting_is_a_crisis_even_if_the_mean_is_lower() -> None:
    result = assess_sitting(readings((182, 100), (150, 90)), RULES_V5)
    assert [f.rule_id for f in result.findings] == ["BP-CRISIS"]


def test_confirmed_160_100_with_crisis_symptoms_is_urgent() -> None:
    result = assess_sitting(readings((162, 101), (161, 100)), RULES_V5, crisis_symptoms=True)
    assert [(f.rule_id, f.severity) for f in result.findings] == [("BP-CRISIS", "urgent")]
    assert result.findings[0].evidence["crisis_symptoms"] is True
    assert result.advice_key == "advice.bp_emergency"


def test_single_160_100_with_crisis_symptoms_does_not_wait_for_a_repeat() -> None:
    result = assess_sitting(readings((162, 101)), RULES_V5, crisis_symptoms=True)
    assert [f.rule_id for f in result.findings] == ["BP-CRISIS"]
    assert result.repeat_requested is False


def test_crisis_symptoms_below_160_100_do_not_make_a_bp_crisis() -> None:
    result = assess_sitting(readings((150, 95), (152, 96)), RULES_V5, crisis_symptoms=True)
    assert result.findings == []


def test_grading_table_comes_from_the_protocol() -> None:
    result = assess_sitting(readings((130, 85), (128, 84)), RULES_V6)
    assert result.grade == 0
    assert assess_sitting(readings((130, 85), (128, 84)), RULES_V5).grade == 1


def test_empty_sitting_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least one reading"):
        assess_sitting([], RULES_V5)


def _sittings(days: list[float], grd: int = 2) -> list[tuple[datetime, int]]:
    return [(T0 + timedelta(days=d), grd) for d in days]


def test_persistent_grade2_fires_on_3_sittings_within_7_days() -> None:
    finding = persistent_grade2(_sittings([0, 3, 6]), T0 + timedelta(days=6, hours=1), RULES_V5, SH)
    assert finding is not None
    assert (finding.rule_id, finding.severity) == ("BP-PERSISTENT-G2", "review")
    assert len(finding.evidence["sittings"]) == 3
    assert finding.advice_key == "advice.bp_persistent"


def test_persistent_grade2_does_not_fire_on_3_sittings_spread_over_8_days() -> None:
    assert persistent_grade2(_sittings([0, 4, 8]), T0 + timedelta(days=8), RULES_V5, SH) is None


def test_persistent_grade2_does_not_fire_on_2_sittings() -> None:
    assert persistent_grade2(_sittings([0, 1]), T0 + timedelta(days=2), RULES_V5, SH) is None


def test_persistent_grade2_ignores_lower_grades_and_counts_higher_ones() -> None:
    now = T0 + timedelta(days=3)
    assert persistent_grade2(_sittings([0, 1, 2], grd=1), now, RULES_V5, SH) is None
    mixed = _sittings([0, 1]) + _sittings([2], grd=3)
    assert persistent_grade2(mixed, now, RULES_V5, SH) is not None


def test_persistent_grade2_ignores_sittings_after_now() -> None:
    assert persistent_grade2(_sittings([0, 1, 5]), T0 + timedelta(days=2), RULES_V5, SH) is None


H = timedelta(hours=1)
M = timedelta(minutes=1)
MON_0900_SH = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai


@pytest.mark.parametrize(
    ("offsets", "tz", "fires"),
    [
        # three 148/94 sittings 100 minutes apart: one afternoon is not persistence
        pytest.param([0 * M, 100 * M, 200 * M], SH, False, id="one-afternoon"),
        # the third sitting the next morning: 2 local days, but 23 h 59 min from the first
        pytest.param([0 * M, 100 * M, 24 * H - M], SH, False, id="23h59-two-days"),
        pytest.param([0 * M, 100 * M, 24 * H], SH, True, id="24h-two-days"),
        pytest.param([0 * M, 24 * H, 24 * H + M], SH, True, id="24h-two-on-the-second-day"),
        # 2 local days and less than 24 h: 23:00 Monday, 08:00 and 22:00 Tuesday
        pytest.param([14 * H, 23 * H, 37 * H], SH, False, id="two-days-23h"),
        # 24 h 40 min within one local date: London's 25-hour day when the clocks go back
        pytest.param([0 * M, 12 * H, 24 * H + 40 * M], LDN, False, id="25h-day-one-date"),
        # six days apart: still within the 7-day window
        pytest.param([0 * M, 6 * 24 * H, 6 * 24 * H + 2 * H], SH, True, id="within-7-days"),
    ],
)
def test_persistent_grade2_needs_2_local_days_and_24_hours(
    offsets: list[timedelta], tz: str, fires: bool
) -> None:
    start = MON_0900_SH if tz == SH else datetime(2026, 10, 24, 23, 10, tzinfo=UTC)  # 00:10 BST 10-25
    sittings = [(start + offset, 2) for offset in offsets]
    finding = persistent_grade2(sittings, sittings[-1][0], RULES_V5, tz)
    assert (finding is not None) is fires
    if finding is not None:
        assert finding.evidence["span_hours"] >= 24 and len(finding.evidence["local_days"]) >= 2


def test_persistent_grade2_window_end_is_now() -> None:
    sittings = [(MON_0900_SH + offset, 2) for offset in (0 * H, 2 * H, 24 * H)]
    assert persistent_grade2(sittings, MON_0900_SH + 7 * 24 * H - M, RULES_V5, SH) is not None
    assert persistent_grade2(sittings, MON_0900_SH + 7 * 24 * H, RULES_V5, SH) is None  # first one left


def test_bp_rules_and_advice_exist_in_the_catalogues() -> None:
    for rule_id in ("BP-CRISIS", "BP-CONFIRMED-160-100", "BP-PERSISTENT-G2"):
        assert rule_id in RULES
    keys = [bp.ADVICE_NORMAL, bp.ADVICE_ELEVATED, bp.ADVICE_REPEAT, bp.ADVICE_CONTACT_TEAM_TODAY]
    keys += [bp.ADVICE_EMERGENCY, bp.ADVICE_PERSISTENT]
    for language in LANGUAGES:
        assert all(key in catalogue(language) for key in keys)
