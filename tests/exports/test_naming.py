"""Pure naming rules of the exports (no app, no database): regimen text and QSTESTCD codes."""

import pytest

from backend.domain.protocol import Treatment
from backend.domain.questionnaire import (
    QUESTIONNAIRE_DIR,
    Item,
    Questionnaire,
    SymptomGroup,
    load_questionnaire,
)
from backend.services.exports import qs
from backend.services.exports.ec import regimen


@pytest.mark.parametrize(
    "cycle, first, last, text",
    [
        (21, 1, 14, "DAYS 1-14 Q21D"),
        (28, 1, 21, "DAYS 1-21 Q28D"),
        (7, 1, 1, "DAY 1 Q7D"),
        (14, 8, 14, "DAYS 8-14 Q14D"),
    ],
)
def test_regimen_comes_from_the_protocol(cycle, first, last, text):
    treatment = Treatment(
        cycle_length_days=cycle,
        first_dosing_day=first,
        last_dosing_day=last,
        default_dose_mg=8.0,
        allowed_dose_mg=(8.0,),
        doses_per_day=1,
        make_up_cutoff_hours=12,
        early_start_window_days=2,
    )
    assert regimen(treatment) == text


def group(code, *items):
    return SymptomGroup(code=code, items=tuple(Item(f"{code}_{suffix}", attr) for suffix, attr in items))


@pytest.mark.parametrize(
    "symptom, suffix, attribute, code",
    [
        ("nausea", "frequency", "frequency", "NAUSFRQ"),
        ("shortness_of_breath", "severity", "severity", "SOBSEV"),
        ("mouth_sores", "interference", "interference", "MSINT"),
        ("diarrhea", "stools_count", "count", "DIARSCNT"),
        ("coughing_blood", "presence", "presence", "CBPRS"),
        ("dry_eye", "severity", "severity", "DESEV"),
        ("nosebleed", "frequency", "frequency", "NOSEFRQ"),
        ("rash", "amount", "amount", "RASHAMO"),  # an attribute the table does not know yet
    ],
)
def test_qstestcd_is_built_from_the_item_code(symptom, suffix, attribute, code):
    g = group(symptom, (suffix, attribute))
    assert qs.testcd(g, g.items[0]) == code


def test_alike_codes_get_a_checksum_and_stay_unique():
    first = group("chest_pain", ("presence", "presence"))
    second = group("chills_pain", ("presence", "presence"))  # both would be CPPRS
    codes = qs.testcds(Questionnaire("x", "since_last_report", (first, second)))
    assert len(set(codes.values())) == 2
    assert all(len(c) == 8 and c[:3] == "CPP" and c.endswith("PRS") for c in codes.values())


@pytest.mark.parametrize("key", sorted(p.stem for p in QUESTIONNAIRE_DIR.glob("*.toml")))
def test_every_shipped_questionnaire_has_unique_valid_qstestcds(key):
    codes = qs.testcds(load_questionnaire(key))
    assert len(set(codes.values())) == len(codes)
    assert all(len(c) <= 8 and c[0].isalpha() and c.isalnum() and c.isupper() for c in codes.values())
