"""The patient app in a browser, shared by its tests: activating a phone, opening a screen by its
fragment, and the accessibility checks (every control labelled, 48 px targets, no overflow)."""

from __future__ import annotations

import re
from datetime import date, datetime

from playwright.sync_api import expect

from backend import clock
from backend.domain.localtime import local_date
from tests.browser.conftest import CHECKS, TIMEZONE, screenshot

PATIENT_SCREENS = {  # fragment -> the English h1
    "today": re.compile("^Today"),
    "calendar": "Cycle calendar",
    "bp": "Blood pressure",
    "symptoms": "How are you feeling?",
    "settings": "Settings",
}


# The activation screen's labels in each language.
ACTIVATION = {
    "en": {"code": "Activation code", "connect": "Connect"},
    "zh-CN": {"code": "激活码", "connect": "连接"},
}


def local_today() -> date:
    """Today in the test patients' zone, by the test's clock."""
    return local_date(clock.now(), TIMEZONE)


def activate(browsing, live_server, who: str, language: str, clock_at: datetime | None = None):  # type: ignore[no-untyped-def]
    """A 360 px phone activated for ``who`` with the app in ``language``; returns (context, page)."""
    context = browsing.context(width=360, clock_at=clock_at)
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("连接这部手机")
    if language == "en":
        page.get_by_role("radio", name="English").check()
    page.get_by_label(ACTIVATION[language]["code"]).fill(live_server.activation_code(who))
    page.get_by_role("button", name=ACTIVATION[language]["connect"]).click()
    expect(page.locator("#nav a")).to_have_count(5)
    return context, page


def activate_in_english(browsing, live_server, width: int, who: str = "p4"):  # type: ignore[no-untyped-def]
    context = browsing.context(width=width, height=800 if width < 1000 else 900)
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("连接这部手机")
    page.get_by_role("radio", name="English").check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connect this phone")
    screenshot(page, f"patient-activate-{width}")
    page.get_by_label("Activation code").fill(live_server.activation_code(who))
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PATIENT_SCREENS["today"])
    return context, page


def open_screen(page, screen: str) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("(fragment) => { location.hash = fragment; }", f"#{screen}")
    expect(page.get_by_role("heading", level=1)).to_have_text(PATIENT_SCREENS[screen])
    if screen == "symptoms":
        expect(page.get_by_role("button", name="Send report")).to_be_visible()


def assert_accessible(page, where: str) -> None:  # type: ignore[no-untyped-def]
    problems = page.evaluate(CHECKS)
    assert problems == {"unlabelled": [], "small": [], "overflow": []}, f"{where}: {problems}"
