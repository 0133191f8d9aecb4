"""The alert queue pages at 1280 px, in English and Chinese: with more alerts than a page, "show
the next alerts" appends the next server page below the cards already there, none twice and none
missed (also when an alert is resolved between pages), in queue order, filters kept in the URL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from backend.db import db
from backend.domain.findings import make_finding
from backend.domain.localtime import local_date
from backend.models import Participant
from backend.services.alerts import raise_finding
from tests.browser.conftest import ARTIFACTS
from tests.browser.dashboard import LANGUAGES, assert_dashboard_accessible, staff_page
from tests.support.overview_site import build_overview_site

pytestmark = pytest.mark.browser
PAGE = 25
IDS = "(items) => items.map((item) => item.dataset.alertId)"
TOPS = "(items) => items.map((item) => item.getBoundingClientRect().top + window.scrollY)"


def _many_alerts(live_server) -> list[str]:  # type: ignore[no-untyped-def]
    """One missed-dose alert for each of the 40 participants of site A (more than a page)."""
    from backend import clock

    with live_server.app.test_request_context():
        build_overview_site(live_server.world)
    made = []
    with live_server.app.app_context(), db.session_scope() as session:
        for pid in session.query(Participant.id).filter_by(site_id=live_server.world.sites["a"]):
            participant = session.get(Participant, pid[0])
            yesterday = (local_date(clock.now(), participant.timezone) - timedelta(days=1)).isoformat()
            evidence = {"local_date": yesterday, "consecutive_missed": 1, "dates": [yesterday]}
            finding = make_finding("DOSE-MISSED", evidence, None)
            alert, _ = raise_finding(
                session, participant, finding, evidence_item={}, advice_shown=[], now=clock.now()
            )
            made.append(alert.id)
    return made


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_queue_loads_the_next_page_below_without_repeats_or_gaps(browsing, live_server, language) -> None:
    made = _many_alerts(live_server)
    assert len(made) == 40
    whole = [a["id"] for a in live_server.api("GET", "/alerts?severity=info", "coordinator_a").json()]
    assert sorted(whole) == sorted(made)
    page = staff_page(browsing, live_server, "coordinator_a", language)
    page.goto("/site/#alerts?severity=info")
    cards = page.locator("ol.alert-list > li")
    expect(cards).to_have_count(PAGE)
    first = cards.evaluate_all(IDS)
    assert first == whole[:PAGE]
    # resolve one on the first page: the next page neither repeats a card nor skips one
    resolved = first[3]
    answer = live_server.api(
        "POST", f"/alerts/{resolved}/resolve", "coordinator_a", json={"note": "called, dose taken late"}
    )
    assert answer.status_code == 200, answer.text
    tops = cards.evaluate_all(TOPS)
    page.locator("button.load-more").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"site-alerts-load-more-{language}.png"))
    page.locator("button.load-more").click()
    expect(cards).to_have_count(40)
    assert cards.evaluate_all(TOPS)[:PAGE] == tops  # the cards already on screen did not move
    shown = cards.evaluate_all(IDS)
    assert shown == whole and len(set(shown)) == 40
    expect(page.locator("button.load-more")).to_have_count(0)
    expect(page.locator("p[role=status]").first).to_contain_text("40")
    # the filter stays in the address
    assert "severity=info" in page.url
    expect(page.locator("#alert-filters select[name=severity]")).to_have_value("info")
    text = page.locator("main").inner_text()
    assert "null" not in text and "undefined" not in text
    assert_dashboard_accessible(page, f"alert queue after loading more ({language})")
    cards.nth(PAGE - 1).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"site-alerts-paged-{language}.png"))  # the page boundary
    browsing.problems.assert_clean()
