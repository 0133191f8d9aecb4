"""Symptom alert rules (CLINICAL.md "Symptoms"): each rule firing and not firing, plus advice."""

from __future__ import annotations

import pytest

from backend.domain.findings import RULES
from backend.domain.protocol import get_protocol
from backend.domain.questionnaire import load_questionnaire
from backend.domain.symptoms import ReportAssessment, evaluate_report

RULES_SYM = get_protocol().symptoms
Q = load_questionnaire(RULES_SYM.questionnaire)
CALL_NOW = "advice.symptoms_call_now"
CONTACT_TODAY = "advice.symptoms_contact_today"
KEEP_RECORDING = "advice.symptoms_keep_recording"


def assess(
    answers: dict[str, int],
    temperature_c: float | None = None,
    previous: dict[str, int] | None = None,
    recent: list[dict[str, int]] | None = None,
) -> ReportAssessment:
    return evaluate_report(Q, RULES_SYM, answers, temperature_c, previous, recent or [])


def rule_ids(result: ReportAssessment) -> list[str]:
    return [f.rule_id for f in result.findings]


def finding(result: ReportAssessment, rule_id: str):
    return next(f for f in result.findings if f.rule_id == rule_id)


def test_quiet_report_has_no_findings_and_reassuring_advice() -> None:
    result = assess({"nausea_frequency": 1, "nausea_severity": 1, "fatigue_severity": 2}, 36.6)
    assert result.findings == []
    assert result.advice_keys == [KEEP_RECORDING]
    assert result.crisis_symptoms is False


def test_fever_37_9_does_not_fire() -> None:
    assert rule_ids(assess({}, 37.9)) == []


def test_fever_38_0_is_urgent_with_the_temperature_as_evidence() -> None:
    result = assess({"fever_chills_presence": 1}, 38.0)
    fever = finding(result, "SYM-FEVER")
    assert fever.severity == "urgent"
    assert fever.evidence == {
        "temperature_c": 38.0,
        "threshold_c": 38.0,
        "answers": {"fever_chills_presence": 1},
    }
    assert fever.advice_key == "advice.fever_call_now"
    assert result.advice_keys[:2] == [CALL_NOW, "advice.fever_call_now"]


def test_chills_without_a_temperature_ask_to_measure_it() -> None:
    result = assess({"fever_chills_presence": 1})
    assert result.findings == []
    assert result.advice_keys == [KEEP_RECORDING, "advice.fever_measure"]


@pytest.mark.parametrize(
    ("answers", "rule_id", "advice_key"),
    [
        ({"coughing_blood_presence": 1}, "SYM-HEMOPTYSIS", "advice.bleeding_call_now"),
        ({"stool_blood_presence": 1}, "SYM-GI-BLEED", "advice.bleeding_call_now"),
        ({"shortness_of_breath_severity": 3}, "SYM-DYSPNEA-SEVERE", "advice.breathing_call_now"),
        ({"shortness_of_breath_severity": 4}, "SYM-DYSPNEA-SEVERE", "advice.breathing_call_now"),
        ({"chest_pain_presence": 1}, "SYM-CHEST-PAIN", "advice.chest_pain_call_now"),
    ],
)
def test_urgent_symptom_rules_fire(answers: dict[str, int], rule_id: str, advice_key: str) -> None:
    result = assess(answers)
    assert rule_ids(result) == [rule_id]
    urgent = result.findings[0]
    assert urgent.severity == "urgent"
    assert urgent.evidence["answers"] == answers
    assert urgent.advice_key == advice_key
    assert result.advice_keys == [CALL_NOW, advice_key]


@pytest.mark.parametrize(
    "answers",
    [
        {"coughing_blood_presence": 0},
        {"stool_blood_presence": 0},
        {"shortness_of_breath_severity": 2},
        {"chest_pain_presence": 0},
    ],
)
def test_urgent_symptom_rules_do_not_fire_below_their_threshold(answers: dict[str, int]) -> None:
    assert [f for f in assess(answers).findings if f.severity == "urgent"] == []


def test_severe_dyspnoea_is_not_also_a_generic_severe_finding() -> None:
    assert rule_ids(assess({"shortness_of_breath_severity": 4})) == ["SYM-DYSPNEA-SEVERE"]


def test_any_item_scored_3_or_more_is_a_review() -> None:
    result = assess(
        {"fatigue_severity": 3, "fatigue_interference": 4, "nausea_frequency": 2, "nausea_severity": 2}
    )
    severe = finding(result, "SYM-SEVERE")
    assert severe.severity == "review"
    assert severe.evidence["answers"] == {"fatigue_severity": 3, "fatigue_interference": 4}
    assert rule_ids(result) == ["SYM-SEVERE"]
    assert result.advice_keys == [CONTACT_TODAY]
    assert severe.advice_key == CONTACT_TODAY


def test_items_scored_2_are_not_severe() -> None:
    assert rule_ids(assess({"fatigue_severity": 2, "nausea_frequency": 2})) == []


def test_worse_by_2_points_is_a_review_and_by_1_point_is_not() -> None:
    previous = {"nausea_frequency": 1, "nausea_severity": 1}
    assert rule_ids(assess({"nausea_frequency": 2, "nausea_severity": 2}, previous=previous)) == []
    result = assess({"nausea_frequency": 2, "nausea_severity": 2}, previous={"nausea_frequency": 0})
    worse = finding(result, "SYM-WORSENING")
    # nausea_severity was skipped (scored 0) last time: both items rose by 2
    assert worse.evidence == {
        "answers": {"nausea_frequency": 2, "nausea_severity": 2},
        "previous": {"nausea_frequency": 0, "nausea_severity": 0},
    }


def test_worsening_needs_a_previous_answer_to_compare_with() -> None:
    assert rule_ids(assess({"nausea_frequency": 2}, previous={"rash_presence": 0})) == []
    assert rule_ids(assess({"nausea_frequency": 2}, previous=None)) == []


def test_new_cough_of_any_severity_is_a_review() -> None:
    result = assess({"cough_severity": 1}, previous={"cough_severity": 0})
    new = finding(result, "SYM-NEW-RESPIRATORY")
    assert new.severity == "review"
    assert new.evidence == {"answers": {"cough_severity": 1}, "previous": {"cough_severity": 0}}


def test_new_shortness_of_breath_when_the_previous_report_did_not_mention_it() -> None:
    result = assess({"shortness_of_breath_severity": 1}, previous={"nausea_frequency": 0})
    assert rule_ids(result) == ["SYM-NEW-RESPIRATORY"]


def test_ongoing_cough_is_not_new() -> None:
    assert rule_ids(assess({"cough_severity": 1}, previous={"cough_severity": 1})) == []


def test_cough_on_the_first_report_is_not_new() -> None:
    assert rule_ids(assess({"cough_severity": 1})) == []


@pytest.mark.parametrize(("severity", "fires"), [(1, False), (2, True), (3, True)])
def test_blurred_vision_or_eye_pain_moderate_or_worse(severity: int, fires: bool) -> None:
    assert rule_ids(assess({"blurred_vision_severity": severity})) == (["SYM-EYE"] if fires else [])


@pytest.mark.parametrize(("interference", "fires"), [(1, False), (2, True), (4, True)])
def test_mouth_sores_interfering_with_eating(interference: int, fires: bool) -> None:
    answers = {"mouth_sores_severity": 2, "mouth_sores_interference": interference}
    assert rule_ids(assess(answers)) == (["SYM-MUCOSITIS-EATING"] if fires else [])


def test_diarrhoea_4_or_more_above_baseline_for_2_days() -> None:
    today = {"diarrhea_frequency": 2, "diarrhea_stools_count": 2}
    result = assess(today, recent=[{"diarrhea_frequency": 2, "diarrhea_stools_count": 2}])
    assert rule_ids(result) == ["SYM-DIARRHEA-G2-2D"]
    diarrhoea = finding(result, "SYM-DIARRHEA-G2-2D")
    assert diarrhoea.severity == "review"
    assert diarrhoea.evidence == {
        "answers": {"diarrhea_stools_count": 2},
        "previous": {"diarrhea_stools_count": 2},
    }
    assert "advice.diarrhea_fluids" in result.advice_keys


def test_diarrhoea_for_one_day_only_does_not_fire() -> None:
    today = {"diarrhea_frequency": 2, "diarrhea_stools_count": 2}
    assert rule_ids(assess(today)) == []
    assert rule_ids(assess(today, recent=[{"diarrhea_frequency": 2, "diarrhea_stools_count": 1}])) == []
    assert rule_ids(assess(today, recent=[{"diarrhea_frequency": 0, "diarrhea_stools_count": 3}])) == []
    yesterday_only = {"diarrhea_frequency": 2, "diarrhea_stools_count": 1}
    assert rule_ids(assess(yesterday_only, recent=[today])) == []


def test_urgent_and_review_findings_come_urgent_first_with_call_now_advice() -> None:
    result = assess({"fatigue_severity": 4, "stool_blood_presence": 1}, 38.5)
    assert [f.severity for f in result.findings] == ["urgent", "urgent", "review"]
    assert result.advice_keys[0] == CALL_NOW
    assert set(result.advice_keys) == {CALL_NOW, "advice.fever_call_now", "advice.bleeding_call_now"}


def test_seven_or_more_stools_on_one_day_is_a_severe_review() -> None:
    result = assess({"diarrhea_frequency": 2, "diarrhea_stools_count": 3})
    assert rule_ids(result) == ["SYM-SEVERE"]


def test_gate_of_zero_silences_the_rest_of_the_group() -> None:
    result = assess({"headache_frequency": 0, "headache_severity": 4})
    assert result.findings == [] and result.crisis_symptoms is False


@pytest.mark.parametrize(
    ("answers", "crisis"),
    [
        ({"headache_frequency": 2, "headache_severity": 3}, True),
        ({"headache_frequency": 2, "headache_severity": 2}, False),
        ({"chest_pain_presence": 1}, True),
        ({"blurred_vision_severity": 1}, True),
        ({"blurred_vision_severity": 0}, False),
    ],
)
def test_crisis_symptoms_for_the_bp_rule(answers: dict[str, int], crisis: bool) -> None:
    assert assess(answers).crisis_symptoms is crisis


def test_every_symptom_rule_is_catalogued_with_a_source() -> None:
    symptom_rules = [r for r in RULES if r.startswith("SYM-")]
    assert len(symptom_rules) == 11
    for rule_id in symptom_rules:
        severity, title, source = RULES[rule_id]
        assert severity in ("urgent", "review") and title and source
    for rule_id in ("DOSE-MISSED", "DOSE-MISSED-2", "CYCLE-UNCONFIRMED"):
        assert RULES[rule_id][2] == "product decision (PRODUCT.md)"


# --- one answer, one alert (CLINICAL.md) ---------------------------------------------------------
NAUSEA_0 = {"nausea_frequency": 0}
NAUSEA_3 = {"nausea_frequency": 3, "nausea_severity": 3}
NAUSEA_2_1 = {"nausea_frequency": 2, "nausea_severity": 1}
BOTH_TITLE = "Symptom scored severe / very severe (3-4) and worse by >= 2 points than the previous report"


@pytest.mark.parametrize(
    ("answers", "previous", "expected"),
    [
        # 0 -> 3: severe and worse by 3, one SYM-SEVERE alert that says both
        pytest.param(NAUSEA_3, NAUSEA_0, [("SYM-SEVERE", True)], id="0-to-3"),
        # 1 -> 3: severe and worse by exactly 2
        pytest.param({"fatigue_severity": 3}, {"fatigue_severity": 1}, [("SYM-SEVERE", True)], id="1-to-3"),
        # 2 -> 3: severe, worse by only 1
        pytest.param({"fatigue_severity": 3}, {"fatigue_severity": 2}, [("SYM-SEVERE", False)], id="2-to-3"),
        # 0 -> 2: worse, not severe
        pytest.param(NAUSEA_2_1, NAUSEA_0, [("SYM-WORSENING", None)], id="0-to-2"),
        # two answers, two alerts: fatigue severe (not worse), nausea worse (not severe)
        pytest.param(
            {"fatigue_severity": 3, "nausea_frequency": 2, "nausea_severity": 2},
            {"fatigue_severity": 3, "nausea_frequency": 0},
            [("SYM-SEVERE", False), ("SYM-WORSENING", None)],
            id="two-answers",
        ),
    ],
)
def test_one_answer_gives_one_alert(
    answers: dict[str, int], previous: dict[str, int], expected: list[tuple[str, bool | None]]
) -> None:
    result = assess(answers, previous=previous)
    got = [(f.rule_id, f.title == BOTH_TITLE if f.rule_id == "SYM-SEVERE" else None) for f in result.findings]
    assert got == expected
    flagged = [code for f in result.findings for code in f.evidence["answers"]]
    assert len(flagged) == len(set(flagged)), "an answer appears in two alerts"


def test_severe_and_worse_evidence_says_both() -> None:
    result = assess(
        {"nausea_frequency": 4, "nausea_severity": 3, "fatigue_severity": 3},
        previous={"nausea_frequency": 1, "nausea_severity": 2, "fatigue_severity": 3},
    )
    [severe] = result.findings
    assert severe.rule_id == "SYM-SEVERE" and severe.title == BOTH_TITLE
    assert "worsening >= 2 points" in severe.source and "score >= 3" in severe.source
    assert severe.evidence == {
        "answers": {"nausea_frequency": 4, "nausea_severity": 3, "fatigue_severity": 3},
        "previous": {"nausea_frequency": 1},
        "worse_by": {"nausea_frequency": 3},
    }
