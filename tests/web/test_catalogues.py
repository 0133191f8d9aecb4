"""The patient app's own text catalogues (backend/web/static/i18n) next to the server's
(backend/i18n): the same keys and placeholders in both languages, one unit spelling per language,
and English articles that agree with the drug's name."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from backend.domain.i18n import CATALOGUE_DIR, LANGUAGES

PWA_DIR = Path(__file__).resolve().parents[2] / "backend" / "web" / "static" / "i18n"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def pwa(language: str) -> dict[str, str]:
    return json.loads((PWA_DIR / f"{language}.json").read_text(encoding="utf-8"))


def every_text(language: str) -> dict[str, str]:
    """The PWA's texts and the server's patient-facing texts of ``language``, by a qualified key."""
    texts = {f"pwa:{key}": value for key, value in pwa(language).items()}
    for path in sorted((CATALOGUE_DIR / language).glob("*.json")):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            texts[f"{path.stem}:{key}"] = value
    return texts


def test_pwa_catalogues_have_the_same_keys_and_placeholders() -> None:
    english, chinese = pwa("en"), pwa("zh-CN")
    assert set(english) == set(chinese)
    for key, value in english.items():
        assert set(PLACEHOLDER.findall(value)) == set(PLACEHOLDER.findall(chinese[key])), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_says_null_or_undefined(language: str) -> None:
    bad = {k: v for k, v in every_text(language).items() if re.search(r"\b(null|undefined|NaN)\b", v)}
    assert not bad


def test_one_unit_spelling_per_language() -> None:
    """Doses read "8 mg" in both languages: the symbol printed on the anlotinib pack and on the
    site's prescription (and next to "mmHg"), never "8 毫克" on one screen and "8 mg" on another."""
    for language in LANGUAGES:
        texts = every_text(language)
        assert not {k: v for k, v in texts.items() if "毫克" in v or "milligram" in v.lower()}, language
        for key, value in texts.items():
            if "{dose}" in value and "mg" in value:
                assert re.search(r"\{dose\} mg", value), (language, key, value)


def test_english_never_says_a_anlotinib() -> None:
    """"a {drug} day" read "a anlotinib day": no article may sit right before the drug's name."""
    bad = {
        key: value
        for key, value in every_text("en").items()
        if re.search(r"\ba (\{drug\}|anlotinib)", value, flags=re.IGNORECASE)
    }
    assert not bad
