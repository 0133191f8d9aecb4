"""Logging an intake on a hold day or a break day (issue 14, item 6), at 360 px, in English and in
Chinese: after the save the patient is told that it was recorded for the study team and what to
do next (the instruction's ``hold_intake`` / ``break_intake`` advice), never only "Saved".
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
        "anyway": "I took a dose anyway: record it",
        "taken": "Taken",
        "dose": "Dose taken (mg)",
        "save": "Save",
        "saved": "Saved. Thank you.",
        "for_team": "Recorded for your study team: this was not a day to take anlotinib.",
        "recorded": "Your intake today was recorded, and your study team will see it.",
        "next": {
            "hold": "do not take any more anlotinib until your study team tells you to restart",
            "break": "Start again on the next dosing day",
        },
    },
    "zh-CN": {
        "language": "中文（简体）",
        "code": "激活码",
        "connect": "连接",
        "today": re.compile("^今天"),
        "anyway": "我还是服了药：记录下来",
        "taken": "已服用",
        "dose": "服用剂量（mg）",
        "save": "保存",
        "saved": "已保存，谢谢。",
        "for_team": "已记录，研究团队会看到：这一天不是服用安罗替尼的日子。",
        "recorded": "您今天的服药已记录，研究团队会看到。",
        "next": {
            "hold": "在研究团队通知您恢复之前，请不要再服用安罗替尼",
            "break": "到下一个服药日再开始服用",
        },
    },
}


@pytest.fixture
def patients(live_server):  # type: ignore[no-untyped-def]
    """Per language, one patient on hold since today (cycle 1 day 4) and one on a break day
    (cycle 1 day 16)."""
    from backend.db import db
    from tests.factories import device_token, enrol

    app, world = live_server.app, live_server.world
    today = local_date(clock.now(), TIMEZONE)
    with app.test_request_context():
        for lang in ("en", "zh-CN"):
            for kind, days in (("hold", 3), ("break", 15)):
                who = f"{kind}_{lang}"
                pid = enrol(
                    world,
                    who,
                    "a",
                    study_id=f"01-{kind[0]}{lang[:2]}",
                    language=lang,
                    c1d1=today - timedelta(days=days),
                )
                world.tokens[who] = device_token(pid, app.config["SETTINGS"].token_pepper)
        db.commit_request()
    for lang in ("en", "zh-CN"):
        hold = {"start_date": today.isoformat(), "reason": "toxicity"}
        answer = live_server.api(
            "POST", f"/participants/{world.participants[f'hold_{lang}']}/holds", "investigator_a", json=hold
        )
        assert answer.status_code == 201, answer.text
    return world


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("kind", ["hold", "break"])
def test_an_intake_on_a_day_without_dose_is_recorded_for_the_team(
    browsing, live_server, patients, lang: str, kind: str
) -> None:
    words = WORDS[lang]
    page = browsing.context(width=360, height=800).new_page()
    page.goto("/")
    page.get_by_role("radio", name=words["language"]).check()
    page.get_by_label(words["code"]).fill(live_server.activation_code(f"{kind}_{lang}"))
    page.get_by_role("button", name=words["connect"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["today"])
    statement = page.locator(".day-statement")
    expect(statement).to_have_attribute("data-state", kind)

    page.get_by_role("button", name=words["anyway"]).click()
    page.get_by_role("radio", name=words["taken"], exact=True).check()
    page.get_by_label(words["dose"]).fill("8")
    page.get_by_role("button", name=words["save"], exact=True).click()

    # the save says it was recorded for the team, and Today says what to do next
    flash = page.locator(".flash")
    expect(flash).to_contain_text(words["for_team"])
    expect(flash).not_to_have_text(words["saved"])
    expect(statement).to_have_attribute("data-state", f"{kind}_intake")
    advice = page.locator(f'.advice[data-code="{kind}_intake"]')
    expect(advice).to_contain_text(words["recorded"])
    expect(advice).to_contain_text(words["next"][kind])
    assert words["saved"] not in page.locator("main").inner_text()

    problems = page.evaluate(CHECKS)
    assert problems == {"unlabelled": [], "small": [], "overflow": []}, problems
    text = page.locator("main").inner_text()
    assert "null" not in text and "undefined" not in text, text
    screenshot(page, f"patient-{kind}-intake-recorded-{lang}-360")
    browsing.problems.assert_clean()
