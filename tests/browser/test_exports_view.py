"""The dashboard's Exports view: download buttons save the streamed exports, in both languages."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page, email: str) -> None:
    from playwright.sync_api import expect

    page.goto("/site/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Site overview")


def test_coordinator_downloads_ec_csv_and_a_fhir_bundle(browsing, live_server) -> None:
    from playwright.sync_api import expect

    page = browsing.context(width=1280, height=900, accept_downloads=True).new_page()
    _sign_in(page, "coordinator_a@example.org")
    page.get_by_role("link", name="Exports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trial data exports")
    screenshot(page, "site-exports-1280")
    row = page.locator("li", has_text="EC exposure as collected")
    with page.expect_download() as download:
        row.get_by_role("button", name="CSV").click()
    saved = download.value
    assert saved.suggested_filename == "ec.csv"
    text = open(saved.path(), encoding="utf-8").read()
    assert text.startswith("STUDYID,DOMAIN,USUBJID,ECSEQ")
    assert "-SA-01-001," in text and "-SB-" not in text  # site A's coordinator: site A only
    expect(page.get_by_role("status")).to_have_text("Downloaded ec.csv")
    page.get_by_label("Participant").select_option(label="01-002")
    with page.expect_download() as download:
        page.get_by_role("button", name="FHIR R4 bundle of this participant").click()
    assert '"resourceType": "Bundle"' in open(download.value.path(), encoding="utf-8").read()
    page.locator("#site-language").select_option("zh-CN")
    page.get_by_role("link", name="数据导出").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("试验数据导出")
    screenshot(page, "site-exports-zh-1280")
    browsing.problems.assert_clean()
