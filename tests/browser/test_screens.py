"""Every screen of the patient app and the dashboard, in a real browser: screenshots at 360 px
and 1280 px (test-artifacts/screenshots/), and accessibility checks on the patient screens at
360 px, also with 200 % text: no horizontal scrolling, every control labelled, every target at
least 48 x 48 px, both languages, and no console errors or CSP violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.patient_app import PATIENT_SCREENS, activate_in_english, assert_accessible, open_screen
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [360, 1280])
def test_patient_screens(browsing, live_server, diary, width: int) -> None:
    _context, page = activate_in_english(browsing, live_server, width)
    for screen in PATIENT_SCREENS:
        open_screen(page, screen)
        if width == 360:
            assert_accessible(page, f"{screen} at 360 px")
        if screen == "calendar":  # days before C1D1 are not "cycle not confirmed"
            before = page.locator(".calendar-day.marker-before")
            expect(before.first).to_have_attribute("aria-label", re.compile("before treatment started$"))
            expect(page.locator(".calendar-day.marker-awaiting_cycle")).to_have_count(3)  # after day 21
            expect(page.locator(".calendar-day.marker-taken")).to_have_count(8)
            expect(page.locator(".calendar-day.marker-not_taken")).to_have_count(1)
        screenshot(page, f"patient-{screen}-{width}")
    browsing.problems.assert_clean()


def test_patient_screens_at_200_percent_text(browsing, live_server, diary) -> None:
    context = browsing.context(width=360)
    page = context.new_page()
    page.goto("/")
    # The browser's text-size setting: the root font size (everything is sized in rem/em).
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    expect(page.get_by_role("heading", level=1)).to_have_text("连接这部手机")
    assert_accessible(page, "activation at 200 %")
    page.get_by_label("激活码").fill(live_server.activation_code("p4"))
    page.get_by_role("button", name="连接").click()
    expect(page.locator("#nav a")).to_have_count(5)
    for screen in PATIENT_SCREENS:
        open_screen(page, screen)
        assert_accessible(page, f"{screen} at 360 px and 200 % text")
        if screen == "bp":  # the repeat prompt is the busiest BP state
            page.get_by_label(re.compile("systolic")).fill("170")
            page.get_by_label(re.compile("diastolic")).fill("104")
            page.get_by_role("button", name="Send reading").click()
            expect(page.locator(".rest-box")).to_be_visible()
            assert_accessible(page, "BP repeat prompt at 360 px and 200 % text")
            screenshot(page, "patient-bp-repeat-360-200pct")
        screenshot(page, f"patient-{screen}-360-200pct")
    browsing.problems.assert_clean()


def test_both_languages(browsing, live_server, diary) -> None:
    """The same screens read differently in Chinese and English; switching is in the settings."""
    _context, page = activate_in_english(browsing, live_server, 360)
    english = {}
    for screen in ("today", "calendar", "bp", "settings"):
        open_screen(page, screen)
        english[screen] = page.locator("#nav").inner_text() + page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.lang") == "en"
    page.get_by_role("radio", name="中文（简体）").check()
    expect(page.get_by_role("heading", level=1)).to_have_text("设置")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    for screen in ("today", "calendar", "bp", "settings"):
        page.locator("#nav a").nth(["today", "calendar", "bp", "symptoms", "settings"].index(screen)).click()
        expect(page.locator(f"#nav a[data-screen={screen}]")).to_have_attribute("aria-current", "page")
        expect(page.get_by_role("heading", level=1)).not_to_have_text(PATIENT_SCREENS[screen])
        chinese = page.locator("#nav").inner_text() + page.locator("main").inner_text()
        assert chinese != english[screen]
        assert re.search(r"[\u4e00-\u9fff]", chinese), f"{screen} has no Chinese text: {chinese[:200]}"
        assert_accessible(page, f"{screen} in Chinese")
        screenshot(page, f"patient-{screen}-zh-360")
    browsing.problems.assert_clean()


@pytest.mark.parametrize("width", [360, 1280])
def test_dashboard_screens(browsing, live_server, diary, width: int) -> None:
    page = browsing.context(width=width, height=900).new_page()
    page.goto("/site/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    screenshot(page, f"site-login-{width}")
    page.get_by_label("E-mail").fill("coordinator_a@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # the home screen is the site overview (issue 17), the queue one click away
    expect(page.get_by_role("heading", level=1)).to_have_text("Site overview")
    expect(page.locator("table.overview tbody tr")).to_have_count(3)
    screenshot(page, f"site-overview-{width}")
    page.get_by_role("link", name="Alerts", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alert queue")
    expect(page.locator(".alert-card")).to_have_count(1)
    screenshot(page, f"site-alerts-{width}")
    page.get_by_role("link", name="Participants").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Participants and adherence")
    expect(page.get_by_role("row")).to_have_count(4)  # the header, then 01-001, 01-002 and 01-004
    screenshot(page, f"site-participants-{width}")
    page.get_by_role("link", name="01-004").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("01-004")
    for section in (
        "calendar-heading",
        "adherence-heading",
        "bp-heading",
        "symptoms-heading",
        "audit-heading",
    ):
        expect(page.locator(f"section[aria-labelledby={section}] .section-body")).not_to_contain_text(
            "Loading"
        )
    expect(page.locator("svg").first).to_be_visible()
    expect(page.locator(".calendar-day.marker-before").first).to_be_visible()
    screenshot(page, f"site-participant-{width}")
    browsing.problems.assert_clean()
