"""The site's forms at 1280 px: a dose entered for a London patient from a browser in Shanghai
is stored at the patient's local time, the hold form says what its dates are, and each saved
action says what it did."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from backend import clock
from backend.db import db
from backend.domain.localtime import local_date
from tests.browser.dashboard import LANGUAGES, staff_page
from tests.factories import enrol

pytestmark = pytest.mark.browser
LONDON = "Europe/London"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_dose_time_is_the_participants_local_time_not_the_browsers(browsing, live_server, language) -> None:
    today = local_date(clock.now(), LONDON)
    with live_server.app.test_request_context():
        pid = enrol(
            live_server.world, "london", "b", study_id="02-050", tz=LONDON, c1d1=today - timedelta(days=4)
        )
        db.commit_request()
    yesterday = today - timedelta(days=1)
    page = staff_page(browsing, live_server, "coordinator_b", language)  # the browser runs in Asia/Shanghai
    page.goto(f"/site/#participant/{pid}/day/{yesterday}")
    page.locator("details.action", has=page.locator("#site-dose")).locator("summary").click()
    form = page.locator("#site-dose")
    expect(form.locator("input[name=date]")).to_have_value(str(yesterday))  # the day's deep link fills it in
    expect(form.locator("label", has_text=LONDON)).to_have_count(1)
    form.locator("select[name=taken]").select_option("true")
    form.locator("input[name=taken_at]").fill("08:00")
    form.locator("textarea[name=reason]").fill("Paper diary transcribed at the visit")
    form.locator("input[name=source_detail]").fill("paper diary")
    form.locator("button[type=submit]").click()
    expect(page.locator("main > .view .confirmation, main .confirmation").first).to_be_visible()
    stored = live_server.api("GET", f"/participants/{pid}/doses/{yesterday}", "coordinator_b").json()
    taken_at = datetime.fromisoformat(stored["taken_at"]).astimezone(ZoneInfo(LONDON))
    assert (taken_at.date(), taken_at.hour, taken_at.minute) == (yesterday, 8, 0)
    browsing.problems.assert_clean()


def test_the_hold_form_names_its_dates_and_confirms(browsing, live_server) -> None:
    pid = live_server.world.participants["p2"]
    page = staff_page(browsing, live_server, "investigator_a", "en")
    page.goto(f"/site/#participant/{pid}")
    page.locator("details.action", has=page.locator("#hold")).locator("summary").click()
    form = page.locator("#hold")
    expect(form.get_by_label("First day of the hold")).to_be_visible()
    expect(form.get_by_label("Last day of the hold (optional)")).to_be_visible()
    expect(form.get_by_text("Start date (day 1)")).to_have_count(0)
    today = local_date(clock.now(), "Asia/Shanghai")
    form.get_by_label("First day of the hold").fill(str(today))
    form.get_by_label("Reason").fill("Grade 3 hypertension, review in clinic")
    form.locator("button[type=submit]").click()
    expect(page.locator(".confirmation")).to_contain_text("Hold recorded from")
    holds = live_server.api("GET", f"/participants/{pid}/holds", "investigator_a")
    assert holds.status_code == 200 and len(holds.json()) == 1
    browsing.problems.assert_clean()


@pytest.mark.parametrize("language", LANGUAGES)
def test_activation_card_with_a_qr_code_and_reminder_times(browsing, live_server, language) -> None:
    pid = live_server.world.participants["p2"]
    page = staff_page(browsing, live_server, "coordinator_a", language)
    page.goto(f"/site/#participant/{pid}")
    page.locator("details.action", has=page.locator("#issue-code")).locator("summary").click()
    page.locator("#issue-code").click()
    card = page.locator(".activation-card")
    expect(card.locator("img.activation-qr")).to_be_visible()
    code = card.locator(".activation-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    natural = card.locator("img.activation-qr").evaluate("(img) => img.naturalWidth")
    assert natural > 0  # the SVG decoded
    # the QR code's address opens the patient app with the code filled in
    url = card.locator(".hint").inner_text().strip()
    assert url.endswith(f"/?code={code}")
    patient = browsing.context(width=360, height=780).new_page()
    patient.goto(f"/?code={code}")
    expect(patient.locator("#activate-form input[name=code]")).to_have_value(code)
    # reminder times in the participant's local time
    page.locator("details.action", has=page.locator("#reminders")).locator("summary").click()
    form = page.locator("#reminders")
    form.locator("input[name=reminder_time]").fill("07:30")
    form.locator("textarea[name=reason]").fill("Patient asked for an earlier reminder")
    form.locator("button[type=submit]").click()
    expect(page.locator(".confirmation")).to_be_visible()
    stored = live_server.api("GET", f"/participants/{pid}", "coordinator_a").json()
    assert stored["reminder_time"].startswith("07:30")
    browsing.problems.assert_clean()
