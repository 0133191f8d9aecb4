"""The web texts (patient app and dashboard) exist in English and Chinese with the same keys and
placeholders, so no screen shows a bare key or a missing text in either language."""

from __future__ import annotations

import json
import re
from pathlib import Path

STATIC_I18N = Path(__file__).resolve().parents[2] / "backend" / "web" / "static" / "i18n"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
KEY_IN_JS = re.compile(r"\bt\('(site\.[\w.-]+)'")


def load(language: str) -> dict[str, str]:
    return json.loads((STATIC_I18N / f"{language}.json").read_text(encoding="utf-8"))


def test_english_and_chinese_have_the_same_keys() -> None:
    english, chinese = load("en"), load("zh-CN")
    assert sorted(set(english) - set(chinese)) == []
    assert sorted(set(chinese) - set(english)) == []


def test_each_key_has_the_same_placeholders_in_both_languages() -> None:
    english, chinese = load("en"), load("zh-CN")
    differ = {
        key: (PLACEHOLDER.findall(english[key]), PLACEHOLDER.findall(chinese[key]))
        for key in english
        if sorted(PLACEHOLDER.findall(english[key])) != sorted(PLACEHOLDER.findall(chinese[key]))
    }
    assert differ == {}


def test_every_literal_dashboard_key_in_the_code_exists() -> None:
    english = load("en")
    site = STATIC_I18N.parent / "site"
    used = {key for path in site.rglob("*.js") for key in KEY_IN_JS.findall(path.read_text(encoding="utf-8"))}
    assert used, "no dashboard keys found"
    assert sorted(used - set(english)) == []


def test_every_alert_rule_has_a_name_in_both_languages() -> None:
    """The queue's rule filter and the alert titles never fall back to a raw rule id."""
    from backend.domain.findings import RULES
    from backend.domain.i18n import catalogue

    for language in ("en", "zh-CN"):
        web = load(language)
        assert [rule for rule in RULES if f"site.rule.{rule}" not in web] == []
        assert [rule for rule in RULES if f"alerts.rule.{rule}" not in catalogue(language)] == []
    queue = (STATIC_I18N.parent / "site" / "screens" / "alerts.js").read_text(encoding="utf-8")
    listed = re.findall(r"'([A-Z0-9-]+)'", queue)
    assert set(RULES) <= set(listed)
