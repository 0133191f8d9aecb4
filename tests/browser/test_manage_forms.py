"""Participant management on the dashboard at 1280 px, in English and Chinese: enrol and the site's
phone numbers on the overview, revoke a device, end a hold and discontinue on the participant's
page. Each form is shown only to the roles the API lets use it; a server's field error appears
next to its field in the reader's language; a saved change says so in place."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from backend import clock
from backend.domain.localtime import local_date
from tests.browser.conftest import ARTIFACTS, TIMEZONE
from tests.browser.dashboard import LANGUAGES, assert_dashboard_accessible, staff_page

pytestmark = pytest.mark.browser

TEXT = {
    "en": {
        "timezone_error": "Choose a time zone from the list",
        "phone_error": "Write the number as +",
        "enrolled": "01-041 enrolled",
        "phones_saved": "Phone numbers saved",
        "revoked": "revoked",
        "hold_ended": "Hold ends after",
        "question": "Take 01-002 off treatment from",
        "discontinued": "01-002 is off treatment from",
        "local": "participant's local",
        "hold_error": "cannot be before the hold's first day",
        "date_error": "Choose a day from cycle 1 day 1",
    },
    "zh-CN": {
        "timezone_error": "请从列表中选择时区",
        "phone_error": "请写成 +",
        "enrolled": "01-041 已入组",
        "phones_saved": "电话号码已保存",
        "revoked": "注销",
        "hold_ended": "暂停于",
        "question": "确定 01-002 自",
        "discontinued": "01-002 自",
        "local": "受试者当地",
        "hold_error": "不能早于暂停的第一天",
        "date_error": "请选择第 1 周期第 1 天",
    },
}


def assert_clean_text(page) -> None:  # type: ignore[no-untyped-def]
    shown = page.locator("main").inner_text()
    assert not re.search(r"\bnull\b|\bundefined\b|site\.manage\.", shown), shown[:500]


def _open(page, block: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f"#{block} > summary").click()


@pytest.mark.parametrize("language", LANGUAGES)
def test_enrol_and_site_phones_from_the_overview(browsing, live_server, language) -> None:
    words = TEXT[language]
    page = staff_page(browsing, live_server, "coordinator_a", language)
    page.goto("/site/")
    expect(page.locator("table.overview tbody tr")).to_have_count(2)
    # enrol: a time zone the server refuses is named next to its field, in the reader's language
    _open(page, "enrol-block")
    form = page.locator("#enrol")
    expect(form.locator("label", has_text=words["local"])).to_have_count(3)  # C1D1 and both reminders
    form.locator("input[name=study_id]").fill("01-041")
    form.locator("input[name=timezone]").fill("Mars/Olympus_Mons")
    today = local_date(clock.now(), TIMEZONE)
    form.locator("input[name=c1d1]").fill(str(today))
    form.locator("button[type=submit]").click()
    zone_field = form.locator(".field", has=page.locator("input[name=timezone]"))
    expect(zone_field.locator(".field-error")).to_contain_text(words["timezone_error"])
    expect(form.locator("input[name=timezone]")).to_have_attribute("aria-invalid", "true")
    page.locator("#enrol-block").screenshot(path=str(ARTIFACTS / f"site-enrol-error-{language}.png"))
    form.locator("input[name=timezone]").fill("Asia/Shanghai")
    rows_before = page.locator("table.overview tbody tr").evaluate_all(
        "(rows) => rows.map((r) => r.dataset.studyId)"
    )
    form.locator("button[type=submit]").click()
    status = page.locator("#enrol-block .manage-status")
    expect(status).to_contain_text(words["enrolled"])
    expect(status.locator("a")).to_have_attribute("href", re.compile("#participant/"))
    # the table under the cursor did not move
    assert (
        page.locator("table.overview tbody tr").evaluate_all("(rows) => rows.map((r) => r.dataset.studyId)")
        == rows_before
    )
    listed = live_server.api("GET", "/participants", "coordinator_a").json()
    assert "01-041" in {row["study_id"] for row in listed}
    # the site's phones: the server's E.164 check, next to the field, then saved and audited
    _open(page, "site-phones-block")
    phones = page.locator("#site-phones")
    phones.locator("input[name=phone_day]").fill("010 1234 5678")
    phones.locator("input[name=phone_night]").fill("+861087654321")
    phones.locator("textarea[name=reason]").fill("New night line")
    phones.locator("button[type=submit]").click()
    day_field = phones.locator(".field", has=page.locator("input[name=phone_day]"))
    expect(day_field.locator(".field-error")).to_contain_text(words["phone_error"])
    expect(
        phones.locator(".field", has=page.locator("input[name=phone_night]")).locator(".field-error")
    ).to_have_count(0)
    assert_dashboard_accessible(page, f"overview with its forms open ({language})")
    page.locator("section.site-manage").screenshot(path=str(ARTIFACTS / f"site-phones-error-{language}.png"))
    phones.locator("input[name=phone_day]").fill("+861012345678")
    phones.locator("button[type=submit]").click()
    expect(page.locator("#site-phones-block .manage-status")).to_contain_text(words["phones_saved"])
    expect(page.locator(".site-phones-current")).to_contain_text("+861087654321")
    site = live_server.api("GET", "/sites", "coordinator_a").json()[0]
    assert (site["phone_day"], site["phone_night"]) == ("+861012345678", "+861087654321")
    assert_clean_text(page)
    page.locator("#site-manage-heading").scroll_into_view_if_needed()
    page.locator("section.site-manage").screenshot(path=str(ARTIFACTS / f"site-enrol-phones-{language}.png"))
    # the monitor sees neither form
    monitor = staff_page(browsing, live_server, "monitor", language)
    monitor.goto("/site/")
    expect(monitor.locator("table.overview tbody tr").first).to_be_visible()
    expect(monitor.locator("#enrol, #site-phones, #site-manage-heading")).to_have_count(0)
    browsing.problems.assert_clean(allowed=("422",))


@pytest.mark.parametrize("language", LANGUAGES)
def test_revoke_a_device_end_a_hold_and_discontinue(browsing, live_server, language) -> None:
    words = TEXT[language]
    pid = live_server.world.participants["p2"]
    today = local_date(clock.now(), TIMEZONE)
    hold = live_server.api(
        "POST",
        f"/participants/{pid}/holds",
        "investigator_a",
        json={"start_date": str(today), "reason": "Grade 3 hypertension"},
    )
    assert hold.status_code == 201, hold.text
    page = staff_page(browsing, live_server, "investigator_a", language)
    page.goto(f"/site/#participant/{pid}")
    manage = page.locator("section[aria-labelledby=manage-heading]")
    expect(manage.locator("#devices-block")).to_have_count(1)
    # revoke the phone: the row says so in place, the device list stays where it was
    _open(page, "devices-block")
    row = manage.locator("table.devices tbody tr")
    expect(row).to_have_count(1)
    expect(manage.locator("table.devices caption")).to_contain_text("Asia/Shanghai")
    row.locator("details.action > summary").click()
    row.locator("button[type=submit]").click()
    expect(row.locator(".field-error")).to_be_visible()  # a reason is required
    row.locator("textarea[name=reason]").fill("Phone lost on the bus")
    row.locator("button[type=submit]").click()
    expect(row.locator(".manage-status")).to_contain_text(words["revoked"])
    expect(row.locator("td").nth(2)).to_contain_text(re.compile(words["revoked"], re.IGNORECASE))
    devices = live_server.api("GET", f"/participants/{pid}/devices", "investigator_a").json()
    assert devices[0]["revoked_at"]
    # end the hold: a last day before its first is refused next to the field
    _open(page, "holds-block")
    end = manage.locator("form[id^=end-hold-]")
    end.locator("..").locator("summary").click()
    end.locator("input[name=end_date]").fill(str(today - timedelta(days=1)))
    end.locator("textarea[name=reason]").fill("BP controlled on amlodipine")
    end.locator("button[type=submit]").click()
    expect(
        end.locator(".field", has=page.locator("input[name=end_date]")).locator(".field-error")
    ).to_contain_text(words["hold_error"])
    end.locator("input[name=end_date]").fill(str(today))
    end.locator("button[type=submit]").click()
    expect(manage.locator("#holds-block .manage-status")).to_contain_text(words["hold_ended"])
    holds = live_server.api("GET", f"/participants/{pid}/holds", "investigator_a").json()
    assert holds[0]["end_date"] == str(today)
    # discontinue: a future date is refused next to the field; then it asks once more, in place
    _open(page, "discontinue-block")
    form = page.locator("#discontinue")
    expect(form.locator("label", has_text=words["local"])).to_have_count(1)
    form.locator("input[name=date]").fill(str(today + timedelta(days=30)))
    form.locator("textarea[name=reason]").fill("Progressive disease")
    form.locator("button[type=submit]").click()
    expect(page.locator(".confirm-box")).to_contain_text(words["question"])
    page.locator("#discontinue-block").screenshot(
        path=str(ARTIFACTS / f"site-discontinue-confirm-{language}.png")
    )
    page.locator("#discontinue-confirm").click()
    date_field = form.locator(".field", has=page.locator("input[name=date]"))
    expect(date_field.locator(".field-error")).to_contain_text(words["date_error"])
    assert live_server.api("GET", f"/participants/{pid}", "investigator_a").json()["discontinued_on"] is None
    form.locator("input[name=date]").fill(str(today))
    form.locator("button[type=submit]").click()
    page.locator("#discontinue-confirm").click()
    expect(page.locator("#discontinue-block .manage-status")).to_contain_text(words["discontinued"])
    stored = live_server.api("GET", f"/participants/{pid}", "investigator_a").json()
    assert stored["discontinued_on"] == str(today)
    assert_dashboard_accessible(page, f"participant page with the management forms ({language})")
    assert_clean_text(page)
    manage.screenshot(path=str(ARTIFACTS / f"site-manage-{language}.png"))
    browsing.problems.assert_clean(allowed=("422",))


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_role_sees_only_the_management_it_may_use(browsing, live_server, language) -> None:
    pid = live_server.world.participants["p2"]
    coordinator = staff_page(browsing, live_server, "coordinator_a", language)
    coordinator.goto(f"/site/#participant/{pid}")
    manage = coordinator.locator("section[aria-labelledby=manage-heading]")
    expect(manage.locator("#devices-block")).to_have_count(1)
    expect(manage.locator("#holds-block, #discontinue-block")).to_have_count(0)  # investigator only
    monitor = staff_page(browsing, live_server, "monitor", language)
    monitor.goto(f"/site/#participant/{pid}")
    expect(monitor.locator("h1")).to_contain_text("01-002")
    expect(monitor.locator("section[aria-labelledby=audit-heading] .section-body")).not_to_contain_text(
        "Loading"
    )
    expect(
        monitor.locator("#manage-heading, #devices-block, #discontinue, #site-dose, #issue-code")
    ).to_have_count(0)
    browsing.problems.assert_clean()
