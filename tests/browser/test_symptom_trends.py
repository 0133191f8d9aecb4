"""Symptom trends on the participant's page at 1280 px, in English and Chinese: each answer read
as the question the patient was asked (the PRO-CTCAE wording and answer labels, in the reader's
language), severity over time, temperature over time with the fever line; no item codes, ids,
"null" or "undefined" on the screen."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from backend import clock
from tests.browser.conftest import ARTIFACTS
from tests.browser.dashboard import LANGUAGES, assert_dashboard_accessible, staff_page

pytestmark = pytest.mark.browser

WORDS = {
    "en": {
        "question": "How often did you feel sick (nausea)?",
        "symptom": "Nausea",
        "frequently": "Frequently (3)",
        "chills": "Did you have chills or shivering?",
        "heading": "Symptoms over time",
    },
    "zh-CN": {
        "question": "您感到恶心有多频繁？",
        "symptom": "恶心",
        "frequently": "(3)",
        "chills": "您有没有发冷或打寒战（发抖）？",
        "heading": "症状随时间变化",
    },
}
RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[0-9a-f]{32}\b|\bnull\b|\bundefined\b|site\.symptoms\.")


def _report(live_server, when, answers, temperature=None) -> None:  # type: ignore[no-untyped-def]
    body = {"client_id": str(uuid.uuid4()), "answers": answers, "reported_at": when.isoformat()}
    if temperature is not None:
        body["temperature_c"] = temperature
    answer = live_server.api("POST", "/me/symptom-reports", "p2", json=body)
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_symptom_trends_read_as_the_questions_asked(browsing, live_server, language) -> None:
    words = WORDS[language]
    now = clock.now()
    _report(live_server, now - timedelta(hours=30), {"nausea_frequency": 1, "nausea_severity": 1}, 37.2)
    _report(live_server, now - timedelta(hours=20), {"nausea_frequency": 3, "nausea_severity": 2}, 37.9)
    _report(live_server, now - timedelta(hours=2), {"fever_chills_presence": 1, "nausea_frequency": 0}, 38.4)
    pid = live_server.world.participants["p2"]
    page = staff_page(browsing, live_server, "coordinator_a", language)
    page.goto(f"/site/#participant/{pid}")
    section = page.locator("section[aria-labelledby=symptoms-heading]")
    expect(section.locator("h3").first).to_have_text(words["heading"])
    table = section.locator("table.symptom-severity")
    expect(table.locator("thead th")).to_have_count(4)  # the question column, then 3 reports
    nausea = table.locator("tr[data-item=nausea_frequency]")
    expect(nausea.locator("th")).to_contain_text(words["symptom"])
    expect(nausea.locator("th")).to_contain_text(words["question"])
    expect(nausea.locator("td").nth(1)).to_contain_text(words["frequently"])
    expect(table.locator("tr[data-item=fever_chills_presence] th")).to_contain_text(words["chills"])
    expect(table.locator("tbody tr").first.locator("td").nth(2)).to_contain_text("38.4 °C")
    chart = section.locator("svg.temperature-chart")
    expect(chart.locator("circle.point")).to_have_count(3)
    expect(chart.locator("circle.point.fever")).to_have_count(1)
    xs = chart.locator("circle.point").evaluate_all(
        "(nodes) => nodes.map((n) => Number(n.getAttribute('cx')))"
    )
    assert xs == sorted(xs) and xs[-1] - xs[0] > 300  # a true time axis
    section.locator("details.symptom-reports > summary").click()
    expect(section.locator("ol.timeline > li")).to_have_count(3)
    expect(section.locator("ol.timeline")).to_contain_text(words["question"])
    shown = section.inner_text()
    assert not RAW.search(shown), RAW.search(shown)
    assert_dashboard_accessible(page, f"participant page with symptom trends ({language})")
    section.screenshot(path=str(ARTIFACTS / f"site-symptom-trends-{language}.png"))
    browsing.problems.assert_clean()
