"""The dashboard's cycle confirmation form, in a real browser at 1280 px: before confirming, the site
sees a refused early date and the past days a late confirmation turns into dosing days the patient
was never told about (CLINICAL.md, "The treatment"); the calendar then marks them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.patient_app import local_today
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def late_cycle(live_server):  # type: ignore[no-untyped-def]
    """01-005: cycle 1 began 23 days ago, so cycle 2 was planned for the day before yesterday."""
    from backend.db import db
    from tests.factories import enrol

    app, world = live_server.app, live_server.world
    with app.test_request_context():
        enrol(world, "p5", "a", study_id="01-005", language="en", c1d1=local_today() - timedelta(days=23))
        db.commit_request()
    return world.participants["p5"]


def test_the_site_sees_the_late_days_before_it_confirms(browsing, live_server, late_cycle) -> None:
    today = local_today()
    page = browsing.context(width=1280, height=900).new_page()
    page.goto("/site/")
    page.get_by_label("E-mail").fill("coordinator_a@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Site overview")
    page.get_by_role("link", name="Participants").click()
    page.get_by_role("link", name="01-005").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("01-005")
    form = page.locator("#confirm-cycle")
    page.get_by_text("Confirm next cycle", exact=True).first.click()
    start = form.get_by_label("Start date (day 1)")
    start.fill((today - timedelta(days=5)).isoformat())  # earlier than planned - 2 days
    start.dispatch_event("change")
    expect(form.locator(".field-error")).to_contain_text("may start at most 2 day(s) earlier")
    start.fill((today - timedelta(days=2)).isoformat())  # the planned day, two days ago
    start.dispatch_event("change")
    note = form.locator(".action-preview")
    expect(note).to_contain_text("never told about")
    expect(form.locator(".field-error")).to_have_count(0)
    screenshot(page, "site-confirm-cycle-preview-1280")
    form.get_by_role("button", name="Confirm next cycle").click()
    expect(page.locator(".calendar-day.marker-confirmed_late")).to_have_count(2)  # the page reloads
    days = live_server.api(
        "GET",
        f"/participants/{late_cycle}/calendar?from={today - timedelta(days=2)}&to={today}",
        "coordinator_a",
    ).json()["days"]
    assert [d["status"] for d in days] == ["confirmed_late", "confirmed_late", "pending"]
    label = page.locator(".calendar-day.marker-confirmed_late").first.get_attribute("aria-label")
    assert label is not None and label.endswith("confirmed late by the site")
    screenshot(page, "site-confirm-cycle-done-1280")
    browsing.problems.assert_clean(allowed=("status of 422",))  # the refused early date, on purpose
