"""A confirmed high blood-pressure sitting changes Today (issue 14, items 1, 2 and 5), at 360 px,
in English and in Chinese.

The patient is on a dosing day: Today says to take the dose and asks "did you take it?". They
measure 168/106, rest (the page's clock is moved 5 minutes on) and measure 164/102: the sitting is
confirmed >= 160/100. Today then says, in its headline, its advice box and its dose section alike,
not to take anlotinib until the study team has decided: no "take 8 mg", no taken/not-taken
question, the study site's day and night numbers are tap-to-call links, and the calendar marks
the day. The screens pass the accessibility checks and show no
"null"/"undefined".
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from backend import clock
from backend.domain.localtime import local_date
from tests.browser.conftest import CHECKS, TIMEZONE, screenshot

pytestmark = pytest.mark.browser

WORDS = {
    "en": {
        "language": "English",
        "code": "Activation code",
        "connect": "Connect",
        "today": re.compile("^Today"),
        "take": "Take 8 mg anlotinib today, before breakfast",
        "taken": "Taken",
        "systolic": re.compile("systolic", re.I),
        "diastolic": re.compile("diastolic", re.I),
        "send": "Send reading",
        "send_repeat": "Send second reading",
        "wait": "Do not take anlotinib: wait for your study team",
        "wait_text": "Do not take any more anlotinib until your study team has called you",
    },
    "zh-CN": {
        "language": "中文（简体）",
        "code": "激活码",
        "connect": "连接",
        "today": re.compile("^今天"),
        "take": "今天请在早餐前服用安罗替尼 8 mg",
        "taken": "已服用",
        "systolic": re.compile("收缩压"),
        "diastolic": re.compile("舒张压"),
        "send": "提交血压",
        "send_repeat": "提交第二次测量",
        "wait": "请不要服用安罗替尼：等待研究团队的通知",
        "wait_text": "在研究团队给您打电话并告诉您怎么做之前，请不要再服用安罗替尼",
    },
}


@pytest.fixture
def patients(live_server):  # type: ignore[no-untyped-def]
    """Two patients on cycle 1 day 4 (a dosing day), one in each language."""
    from backend.db import db
    from tests.factories import device_token, enrol

    app, world = live_server.app, live_server.world
    today = local_date(clock.now(), TIMEZONE)
    with app.test_request_context():
        for who, lang in (("w_en", "en"), ("w_zh", "zh-CN")):
            pid = enrol(
                world,
                who,
                "a",
                study_id=f"01-1{len(who)}{lang[:2]}",
                language=lang,
                c1d1=today - timedelta(days=3),
            )
            world.tokens[who] = device_token(pid, app.config["SETTINGS"].token_pepper)
        db.commit_request()
    phones = {"phone_day": "+862411112222", "phone_night": "+8613800001111", "reason": "numbers for patients"}
    answer = live_server.api("PATCH", f"/sites/{world.sites['a']}", "admin", json=phones)
    assert answer.status_code == 200, answer.text
    return world


def _words_check(page, where: str) -> None:  # type: ignore[no-untyped-def]
    problems = page.evaluate(CHECKS)
    assert problems == {"unlabelled": [], "small": [], "overflow": []}, f"{where}: {problems}"
    text = page.locator("main").inner_text()
    assert "null" not in text and "undefined" not in text, f"{where}: {text}"


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_confirmed_high_sitting_changes_today(browsing, live_server, patients, lang: str) -> None:
    words, who = WORDS[lang], "w_en" if lang == "en" else "w_zh"
    page = browsing.context(width=360, height=800).new_page()
    page.goto("/")
    page.get_by_role("radio", name=words["language"]).check()
    page.get_by_label(words["code"]).fill(live_server.activation_code(who))
    page.get_by_role("button", name=words["connect"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["today"])

    statement = page.locator(".day-statement")
    expect(statement).to_have_attribute("data-state", "dosing")
    expect(statement.locator(".headline")).to_have_text(words["take"])
    expect(page.get_by_role("radio", name=words["taken"], exact=True)).to_be_visible()
    _words_check(page, f"Today before the sitting ({lang})")
    screenshot(page, f"patient-today-before-high-bp-{lang}-360")

    page.evaluate("location.hash = '#bp'")
    page.get_by_label(words["systolic"]).fill("168")
    page.get_by_label(words["diastolic"]).fill("106")
    page.get_by_role("button", name=words["send"]).click()
    expect(page.locator(".rest-box")).to_be_visible()
    page.clock.fast_forward("05:01")
    page.get_by_label(words["systolic"]).fill("164")
    page.get_by_label(words["diastolic"]).fill("102")
    send_repeat = page.get_by_role("button", name=words["send_repeat"])
    expect(send_repeat).to_be_enabled()
    send_repeat.click()
    expect(page.locator('.advice[data-code="bp_contact_team_today"]')).to_be_visible()

    page.evaluate("location.hash = '#today'")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["today"])
    expect(statement).to_have_attribute("data-state", "wait_for_team")
    expect(statement.locator(".headline")).to_have_text(words["wait"])
    advice = page.locator('.advice[data-code="wait_for_team"]')
    expect(advice).to_contain_text(words["wait_text"])
    # the study site's numbers, tap to call (issue 14, item 5)
    expect(advice.locator('a[href="tel:+862411112222"]')).to_be_visible()
    expect(advice.locator('a[href="tel:+8613800001111"]')).to_be_visible()
    expect(page.get_by_role("radio", name=words["taken"], exact=True)).to_have_count(0)  # no question
    assert words["take"] not in page.locator("main").inner_text()
    _words_check(page, f"Today while waiting for the team ({lang})")
    screenshot(page, f"patient-today-wait-for-team-{lang}-360")

    page.evaluate("location.hash = '#calendar'")
    expect(page.locator(".calendar-day.marker-wait_for_team.is-today")).to_have_count(1)
    _words_check(page, f"calendar while waiting ({lang})")
    screenshot(page, f"patient-calendar-wait-for-team-{lang}-360")
    browsing.problems.assert_clean()
