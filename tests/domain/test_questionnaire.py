"""The daily symptom questionnaire: loading, validation, rendering in both languages, scoring."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from backend.domain.i18n import LANGUAGES
from backend.domain.protocol import get_protocol
from backend.domain.questionnaire import (
    QUESTIONNAIRE_DIR,
    QuestionnaireError,
    answer_errors,
    load_questionnaire,
    normalise,
    parse_questionnaire,
    render,
)

Q = load_questionnaire(get_protocol().symptoms.questionnaire)
SYMPTOM_ORDER = [
    "mouth_sores",
    "appetite",
    "nausea",
    "vomiting",
    "diarrhea",
    "hand_foot",
    "rash",
    "cough",
    "shortness_of_breath",
    "fatigue",
    "headache",
    "blurred_vision",
    "dry_eye",
    "nosebleed",
    "coughing_blood",
    "stool_blood",
    "chest_pain",
    "fever",
]


def raw_questionnaire() -> dict:
    return tomllib.loads((QUESTIONNAIRE_DIR / "anlo-daily.v2.toml").read_text(encoding="utf-8"))


def test_protocol_questionnaire_loads_with_the_clinical_symptoms_in_order() -> None:
    assert Q.key == "anlo-daily.v2"
    assert [group.code for group in Q.symptoms] == SYMPTOM_ORDER
    assert [group.code for group in Q.symptoms if group.temperature] == ["fever"]


def test_item_codes_are_symptom_and_attribute() -> None:
    for group in Q.symptoms:
        for item in group.items:
            assert item.code.startswith(group.code + "_") and item.code.endswith("_" + item.attribute)
    assert Q.items["diarrhea_frequency"].max_value == 4
    assert Q.items["diarrhea_stools_count"].max_value == 3
    assert Q.items["coughing_blood_presence"].max_value == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_questionnaire_renders_every_item_with_its_options(language: str) -> None:
    page = render(Q, language)
    assert set(page) == {"questionnaire", "language", "recall", "symptoms"}
    assert (page["questionnaire"], page["language"]) == ("anlo-daily.v2", language)
    assert page["recall"]
    assert [s["code"] for s in page["symptoms"]] == SYMPTOM_ORDER
    rendered_items = []
    for symptom in page["symptoms"]:
        assert set(symptom) == {"code", "title", "temperature", "items"}
        assert symptom["title"]
        for item in symptom["items"]:
            assert set(item) == {"code", "attribute", "question", "options"}
            assert item["question"]
            values = [o["value"] for o in item["options"]]
            assert values == list(range(Q.items[item["code"]].max_value + 1))
            assert all(o["label"] for o in item["options"])
            rendered_items.append(item["code"])
    assert rendered_items == list(Q.items)


def test_chinese_rendering_is_in_chinese_and_english_in_english() -> None:
    zh, en = render(Q, "zh-CN"), render(Q, "en")
    assert zh["symptoms"][0]["title"] == "口腔或喉咙溃疡"
    assert en["symptoms"][0]["title"] == "Mouth or throat sores"
    assert [o["label"] for o in zh["symptoms"][2]["items"][0]["options"]][0] == "从来没有"
    assert [o["label"] for o in en["symptoms"][2]["items"][0]["options"]][-1] == "Almost constantly"


def test_unsupported_language_falls_back_to_chinese() -> None:
    assert render(Q, "fr")["language"] == "zh-CN"


def test_unknown_questionnaire_names_the_key() -> None:
    with pytest.raises(QuestionnaireError, match="anlo-weekly.v9"):
        load_questionnaire("anlo-weekly.v9")
    with pytest.raises(QuestionnaireError, match="expected lower-case"):
        load_questionnaire("../skb264-anlo.v1")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda r: r["symptom"][0]["items"][0].update(attribute="intensity"),
            r"symptom\[0\]\.items\[0\]\.attribute",
        ),
        (
            lambda r: r["symptom"][1]["items"][0].update(code="nausea_severity"),
            r"symptom\[1\]\.items\[0\]\.code",
        ),
        (lambda r: r["symptom"][2].update(colour="red"), r"symptom\[2\]\.colour: unknown key"),
        (lambda r: r["symptom"][3].update(items=[]), r"symptom\[3\]\.items"),
        (lambda r: r["symptom"][16].update(temperature="yes"), r"symptom\[16\]\.temperature"),
        (lambda r: r["questionnaire"].update(key="other"), r"questionnaire\.key"),
        (lambda r: r["questionnaire"].update(recall="yesterday"), "symptoms.recall.yesterday"),
        (lambda r: r["symptom"].append(dict(r["symptom"][0])), r"symptom\[18\]\.code"),
        (lambda r: r.update(extra={}), r"\[extra\]: unknown section"),
    ],
)
def test_invalid_questionnaire_error_names_the_bad_key(mutate, message: str) -> None:
    raw = raw_questionnaire()
    mutate(raw)
    with pytest.raises(QuestionnaireError, match=message):
        parse_questionnaire(raw, "anlo-daily.v2")


def test_questionnaire_text_missing_in_a_language_is_a_load_error() -> None:
    raw = raw_questionnaire()
    raw["symptom"][0]["items"].append({"code": "mouth_sores_frequency", "attribute": "frequency"})
    with pytest.raises(QuestionnaireError, match="symptoms.question.mouth_sores_frequency"):
        parse_questionnaire(raw, "anlo-daily.v2")


def test_questionnaire_file_loads_from_another_directory(tmp_path: Path) -> None:
    (tmp_path / "copy.v1.toml").write_text(
        (QUESTIONNAIRE_DIR / "anlo-daily.v2.toml")
        .read_text(encoding="utf-8")
        .replace('key = "anlo-daily.v2"', 'key = "copy.v1"'),
        encoding="utf-8",
    )
    assert load_questionnaire("copy.v1", tmp_path).symptoms == Q.symptoms


def test_valid_answers_have_no_errors() -> None:
    answers = {"nausea_frequency": 2, "nausea_severity": 1, "rash_presence": 1, "diarrhea_stools_count": 3}
    answers["diarrhea_frequency"] = 3
    assert answer_errors(Q, answers, 36.8) == {}
    assert answer_errors(Q, {}, 37.0) == {}


@pytest.mark.parametrize(
    ("answers", "temperature", "expected"),
    [
        ({"foo": 1}, None, {"answers.foo": "unknown item"}),
        ({"nausea_frequency": 5}, None, {"answers.nausea_frequency": "must be an integer from 0 to 4"}),
        ({"nausea_frequency": -1}, None, {"answers.nausea_frequency": "must be an integer from 0 to 4"}),
        ({"nausea_frequency": 1.5}, None, {"answers.nausea_frequency": "must be an integer from 0 to 4"}),
        ({"nausea_frequency": True}, None, {"answers.nausea_frequency": "must be an integer from 0 to 4"}),
        ({"nausea_frequency": "2"}, None, {"answers.nausea_frequency": "must be an integer from 0 to 4"}),
        ({"rash_presence": 2}, None, {"answers.rash_presence": "must be an integer from 0 to 1"}),
        (
            {"diarrhea_frequency": 2, "diarrhea_stools_count": 4},
            None,
            {"answers.diarrhea_stools_count": "must be an integer from 0 to 3"},
        ),
        (
            {"nausea_severity": 2},
            None,
            {"answers.nausea_severity": "needs an answer to nausea_frequency first"},
        ),
        ({"rash_presence": 0}, 33.9, {"temperature_c": "must be from 34.0 to 43.0 °C"}),
        ({"rash_presence": 0}, 43.1, {"temperature_c": "must be from 34.0 to 43.0 °C"}),
        ({"rash_presence": 0}, "38", {"temperature_c": "must be from 34.0 to 43.0 °C"}),
        ({}, None, {"answers": "answer at least one item or give a temperature"}),
        ([1, 2], None, {"answers": "must be an object mapping item codes to scores"}),
    ],
)
def test_invalid_answers_are_reported_by_field(answers, temperature, expected: dict[str, str]) -> None:
    assert answer_errors(Q, answers, temperature) == expected


def test_temperature_bounds_are_inclusive() -> None:
    assert answer_errors(Q, {}, 34.0) == {}
    assert answer_errors(Q, {}, 43) == {}


def test_gate_of_zero_skips_and_scores_the_rest_of_the_group_zero() -> None:
    scored = normalise(Q, {"headache_frequency": 0, "headache_severity": 3, "headache_interference": 4})
    assert scored == {"headache_frequency": 0, "headache_severity": 0, "headache_interference": 0}


def test_gate_of_zero_without_follow_ups_still_scores_the_group() -> None:
    assert normalise(Q, {"cough_severity": 0}) == {"cough_severity": 0, "cough_interference": 0}


def test_non_zero_gate_keeps_answers_and_leaves_unanswered_follow_ups_out() -> None:
    scored = normalise(Q, {"headache_frequency": 2, "headache_severity": 3})
    assert scored == {"headache_frequency": 2, "headache_severity": 3}


def test_unanswered_groups_are_unknown_not_zero() -> None:
    assert normalise(Q, {"rash_presence": 1}) == {"rash_presence": 1}


def test_normalise_keeps_questionnaire_order() -> None:
    scored = normalise(Q, {"fever_chills_presence": 1, "mouth_sores_severity": 1})
    assert list(scored) == ["mouth_sores_severity", "fever_chills_presence"]


def test_nosebleed_has_frequency_then_severity_and_dry_eye_is_asked() -> None:
    """CLINICAL.md: nosebleed as in the PRO-CTCAE library; dry eye for sac-TMT ocular events."""
    nosebleed, dry_eye = Q.group_of("nosebleed_severity"), Q.group_of("dry_eye_severity")
    assert [(i.code, i.attribute) for i in nosebleed.items] == [
        ("nosebleed_frequency", "frequency"),
        ("nosebleed_severity", "severity"),
    ]
    assert [(i.code, i.attribute) for i in dry_eye.items] == [
        ("dry_eye_severity", "severity"),
        ("dry_eye_interference", "interference"),
    ]
    zh, en = render(Q, "zh-CN"), render(Q, "en")
    by_code = {lang: {s["code"]: s for s in page["symptoms"]} for lang, page in (("zh", zh), ("en", en))}
    assert by_code["en"]["dry_eye"]["title"] == "Dry eyes" and by_code["zh"]["dry_eye"]["title"] == "眼睛干涩"
    assert by_code["en"]["nosebleed"]["items"][0]["question"] == "How often did you have nosebleeds?"
    assert by_code["zh"]["nosebleed"]["items"][0]["options"][4]["label"] == "几乎一直"


def test_version_1_still_loads_for_reports_stored_under_it() -> None:
    v1 = load_questionnaire("anlo-daily.v1")
    assert [i.code for i in v1.group_of("nosebleed_severity").items] == ["nosebleed_severity"]
    assert "dry_eye_severity" not in v1.items


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"nosebleed_frequency": 0, "nosebleed_severity": 2}, "answers.nosebleed_severity"),
        ({"dry_eye_severity": 0, "dry_eye_interference": 1}, "answers.dry_eye_interference"),
        (
            {"headache_frequency": 0, "headache_severity": 0, "headache_interference": 4},
            "answers.headache_interference",
        ),
        ({"diarrhea_frequency": 0, "diarrhea_stools_count": 1}, "answers.diarrhea_stools_count"),
    ],
)
def test_a_skipped_item_answered_above_0_is_refused(answers: dict[str, int], field: str) -> None:
    """PRO-CTCAE branching, enforced by the server: gate 0 means the rest is skipped and scored 0."""
    errors = answer_errors(Q, answers, None)
    assert list(errors) == [field]
    assert "is 0, so the rest of" in errors[field] and "skipped and scored 0" in errors[field]


def test_skipped_items_sent_as_0_are_consistent() -> None:
    answers = {"nosebleed_frequency": 0, "nosebleed_severity": 0}
    answers |= {"dry_eye_severity": 0, "dry_eye_interference": 0}
    assert answer_errors(Q, answers, None) == {}
    assert answer_errors(Q, {"nosebleed_frequency": 2, "nosebleed_severity": 3}, None) == {}
