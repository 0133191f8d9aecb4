"""Every patient screen at 360 px in both languages reads cleanly: the accessibility checks pass,
no visible or screen-reader text says "null"/"undefined" (days awaiting their cycle's
confirmation have a cycle but no cycle day), the navigation is one row of five tabs, and the
calendar's day numbers are large enough for older eyes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHECKS, screenshot
from tests.browser.patient_app import activate

pytestmark = pytest.mark.browser

SCREENS = ("today", "calendar", "bp", "symptoms", "settings")
# All text a sighted or a screen-reader user gets: visible text, labels, titles, alt texts.
BAD_WORDS = r"""() => {
  const texts = [document.body.innerText, document.title];
  for (const el of document.querySelectorAll('[aria-label], [title], [alt], [aria-description]')) {
    texts.push(el.getAttribute('aria-label'), el.getAttribute('title'), el.getAttribute('alt'));
  }
  return texts.filter((text) => text && /\b(null|undefined|NaN)\b|\{\w+\}/.test(text));
}"""
# Tab labels that break inside a word ("Symptom|s"): more line boxes than words.
BROKEN_LABELS = """() => [...document.querySelectorAll('#nav .nav-label')].filter((label) => {
  const range = document.createRange();
  range.selectNodeContents(label);
  const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
  return lines > label.textContent.trim().split(/\\s+/).length;
}).map((label) => label.textContent)"""
NAV_ROWS = """() => new Set([...document.querySelectorAll('#nav a')]
  .map((a) => Math.round(a.getBoundingClientRect().top))).size"""


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_every_screen_reads_cleanly_at_360(browsing, live_server, diary, language) -> None:
    _context, page = activate(browsing, live_server, "p4", language)
    if language == "zh-CN":  # 01-004 reads English by default: the patient switches in Settings
        page.locator("#nav a[data-screen=settings]").click()
        page.get_by_role("radio", name="中文（简体）").check()
        expect(page.get_by_role("heading", level=1)).to_have_text("设置")
    assert page.evaluate("document.documentElement.lang") == language
    for screen in SCREENS:
        page.locator(f"#nav a[data-screen={screen}]").click()
        expect(page.locator(f"#nav a[data-screen={screen}]")).to_have_attribute("aria-current", "page")
        expect(page.locator("main h1")).to_be_visible()
        if screen == "calendar":
            expect(page.locator(".calendar-day.marker-awaiting_cycle")).to_have_count(3)
            awaiting = page.locator(".calendar-day.marker-awaiting_cycle").first.get_attribute("aria-label")
            assert awaiting and ("cycle 1" in awaiting or "第 1 周期" in awaiting), awaiting
            size = page.locator(".calendar-date").first.evaluate(
                "(el) => parseFloat(getComputedStyle(el).fontSize)"
            )
            assert size >= 20, f"calendar day numbers are {size}px"
        problems = page.evaluate(CHECKS)
        assert problems == {"unlabelled": [], "small": [], "overflow": []}, f"{screen}: {problems}"
        assert page.evaluate(BAD_WORDS) == [], screen
        assert page.evaluate(NAV_ROWS) == 1, f"{screen}: the navigation wraps"
        assert page.evaluate(BROKEN_LABELS) == [], f"{screen}: a tab label breaks inside a word"
        screenshot(page, f"patient-{screen}-{language}-360-clean")
    browsing.problems.assert_clean()


def test_the_current_tab_stays_marked_when_a_changed_profile_redraws_the_navigation(
    browsing, live_server, diary
) -> None:
    """The app starts from the copy of /me kept on the phone and asks the server meanwhile; when
    the answer differs (here: the site changed its phone numbers) the navigation is drawn again.
    The tab of the screen shown must keep aria-current="page" (a screen reader's "current page"),
    also when the redraw comes after the screen's own route (a full run once lost it)."""
    _context, page = activate(browsing, live_server, "p4", "en")
    page.locator("#nav a[data-screen=calendar]").click()
    expect(page.locator("#nav a[data-screen=calendar]")).to_have_attribute("aria-current", "page")
    phones = {"phone_day": "+862411112222", "phone_night": "+8613800001111", "reason": "numbers for patients"}
    answer = live_server.api("PATCH", f"/sites/{live_server.world.sites['a']}", "admin", json=phones)
    assert answer.status_code == 200, answer.text
    with page.expect_response(lambda response: response.url.endswith("/api/v1/me")):
        page.reload()
    # The refreshed profile (with the new numbers) has been applied: the chrome was redrawn.
    page.wait_for_function("() => document.querySelector('#nav a[data-screen=calendar]') !== null")
    page.wait_for_timeout(300)
    expect(page.locator("#nav a[data-screen=calendar]")).to_have_attribute("aria-current", "page")
    expect(page.locator("#nav a[aria-current]")).to_have_count(1)
    browsing.problems.assert_clean()
