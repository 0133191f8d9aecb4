"""Every patient-facing text exists in Simplified Chinese and English, with the same placeholders.

The checks iterate over the catalogue directory, so namespaces added later are covered too.
"""

from __future__ import annotations

import json
import re
from string import Formatter

import pytest

from backend.domain.i18n import CATALOGUE_DIR, LANGUAGES, catalogue, text

CJK = re.compile(r"[\u4e00-\u9fff]")
# Namespaces whose every text is prose that must read as Chinese in zh-CN.
PROSE_NAMESPACES = ("advice", "symptoms")


def namespaces(language: str) -> set[str]:
    return {path.stem for path in (CATALOGUE_DIR / language).glob("*.json")}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


@pytest.fixture(autouse=True)
def fresh_catalogues():
    """The catalogue is cached per process: read the files as they are now."""
    catalogue.cache_clear()
    yield
    catalogue.cache_clear()


def test_every_namespace_file_exists_in_both_languages() -> None:
    found = {language: namespaces(language) for language in LANGUAGES}
    assert found["en"], "no catalogue files found"
    assert found["zh-CN"] == found["en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_files_are_flat_maps_of_non_empty_texts(language: str) -> None:
    for path in sorted((CATALOGUE_DIR / language).glob("*.json")):
        texts = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(texts, dict), path
        for key, value in texts.items():
            assert isinstance(value, str) and value.strip(), f"{path}: {key}"


def test_both_languages_have_exactly_the_same_keys() -> None:
    zh, en = catalogue("zh-CN"), catalogue("en")
    assert sorted(set(en) - set(zh)) == [], "missing in zh-CN"
    assert sorted(set(zh) - set(en)) == [], "missing in en"


def test_both_languages_have_the_same_placeholders_per_key() -> None:
    zh, en = catalogue("zh-CN"), catalogue("en")
    different = {key: (placeholders(en[key]), placeholders(zh[key])) for key in en if key in zh}
    assert {k: v for k, v in different.items() if v[0] != v[1]} == {}


def test_every_template_is_well_formed() -> None:
    for language in LANGUAGES:
        for key, template in catalogue(language).items():
            try:
                placeholders(template)
            except ValueError as exc:
                pytest.fail(f"{language} {key}: {exc}")


@pytest.mark.parametrize("namespace", PROSE_NAMESPACES)
def test_chinese_prose_is_written_in_chinese(namespace: str) -> None:
    zh = {k: v for k, v in catalogue("zh-CN").items() if k.startswith(namespace + ".")}
    assert zh
    assert [k for k, v in zh.items() if not CJK.search(v)] == []


def test_text_looks_up_by_namespace_and_key() -> None:
    assert text("en", "symptoms.scale.presence.1") == "Yes"
    assert text("zh-CN", "symptoms.scale.presence.1") == "有"
