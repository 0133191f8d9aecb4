"""The site overview, the dashboard's home, at 1280 px in English and Chinese: 40 seeded
participants over 2 server pages with the right status today, sortable and searchable."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.dashboard import LANGUAGES, fever, staff_page
from tests.support.overview_site import build_overview_site

pytestmark = pytest.mark.browser

STATUS_WORDS = {
    "en": {"taken": "Taken", "pending": "Pending", "break": "Break", "hold": "Hold"},
    "zh-CN": {"taken": "已服", "pending": "待记录", "break": "停药期", "hold": "暂停"},
}


STATUS_OF_ROWS = """(rows) => Object.fromEntries(rows.map(
  (row) => [row.dataset.studyId, row.querySelector('[data-status]').dataset.status]))"""


def _statuses(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """study id -> the status shown in the Today column, for the rows on screen."""
    return page.locator("table.overview tbody tr").evaluate_all(STATUS_OF_ROWS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_forty_participants_over_two_pages_with_correct_statuses(browsing, live_server, language) -> None:
    with live_server.app.test_request_context():
        expected = build_overview_site(live_server.world)
    fever(live_server, "p1")
    page = staff_page(browsing, live_server, "coordinator_a", language)
    page.goto("/site/")
    rows = page.locator("table.overview tbody tr")
    expect(rows).to_have_count(25)
    first = _statuses(page)
    screenshot(page, f"site-overview-page1-{language}")
    words = STATUS_WORDS[language]
    taken_row = page.locator("tr[data-study-id='01-101']")
    expect(taken_row).to_contain_text(words["taken"])
    expect(page.locator("tr[data-study-id='01-001']")).to_contain_text("‼ 1")  # p1's urgent fever alert
    page.locator("nav.pager a[rel=next]").click()
    expect(rows).to_have_count(15)
    second = _statuses(page)
    assert len(first) + len(second) == 40 and not set(first) & set(second)
    assert {**first, **second} == expected
    expect(page.locator("tr[data-study-id='01-125']")).to_contain_text(words["break"])
    expect(page.locator("tr[data-study-id='01-135']")).to_contain_text(words["hold"])
    expect(page.locator("nav.pager a[rel=next]")).to_have_count(0)
    # search and sort run on the server
    page.locator("#overview-search input[name=q]").fill("01-13")
    page.locator("#overview-search button").click()
    expect(rows).to_have_count(9)  # 01-130 .. 01-138
    page.locator("th button.sort-button").first.click()  # study id: now descending
    expect(rows.first).to_have_attribute("data-study-id", "01-138")
    browsing.problems.assert_clean()
