"""The alert queue as a coordinator works it, at 1280 px in English and Chinese: the e-mail's
deep link opens that alert, acknowledge then resolve confirm in place without moving the list,
the default view shows no raw ids or keys, and each role sees only the controls it may use."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.dashboard import LANGUAGES, fever, high_bp, language_script, staff_page
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

RAW = re.compile(r"\b[0-9a-f]{32}\b|[a-z]+_[a-z_]+|CLINICAL\.md|PRODUCT\.md|product decision")


def _email_link(live_server, alert_id: str) -> str:
    """The "Open:" link of the alert e-mail in the outbox, moved onto the live server."""
    from backend.db import db
    from backend.models import Notification

    with live_server.app.test_request_context():
        mails = [
            n.payload
            for n in db.session.query(Notification).filter_by(channel="email")
            if alert_id in n.payload["body"]
        ]
    assert mails, "no alert e-mail was queued"
    link = re.search(r"Open: (\S+)", mails[0]["body"]).group(1)
    return live_server.url + link[link.index("/site/") :]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_email_link_opens_that_alert_after_sign_in(browsing, live_server, language) -> None:
    fever(live_server, "p1")
    wanted = high_bp(live_server, "p2")
    link = _email_link(live_server, wanted["id"])
    assert link.endswith(f"/site/#alerts/{wanted['id']}")
    context = browsing.context(width=1280, height=900)
    context.add_init_script(language_script(language))
    page = context.new_page()
    page.goto(link)
    page.locator("#login-form input[name=email]").fill("coordinator_a@example.org")
    page.locator("#login-form input[name=password]").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    card = page.locator(".alert-card")
    expect(card).to_have_count(1)
    expect(card.locator("h2")).to_contain_text("01-002")
    title = "Suspected hypertensive crisis" if language == "en" else "疑似高血压危象"
    expect(card.locator("h2")).to_contain_text(title)
    expect(page.locator("h1")).to_contain_text("01-002")
    assert "Something went wrong" not in page.inner_text("main")
    browsing.problems.assert_clean()


@pytest.mark.parametrize("language", LANGUAGES)
def test_acknowledge_then_resolve_confirm_in_place_and_the_list_never_moves(
    browsing, live_server, language
) -> None:
    first = fever(live_server, "p1")
    middle = high_bp(live_server, "p2")
    page = staff_page(browsing, live_server, "coordinator_a", language)
    page.goto("/site/#alerts")
    items = page.locator(".alert-list > li")
    expect(items).to_have_count(2)
    order = items.evaluate_all("(nodes) => nodes.map((node) => node.dataset.alertId)")
    assert set(order) == {first["id"], middle["id"]}
    target = page.locator(f"li[data-alert-id='{middle['id']}']")
    top = target.evaluate("(node) => node.getBoundingClientRect().top + window.scrollY")
    target.locator("form[id^=acknowledge] textarea").fill("called the patient")
    target.locator("form[id^=acknowledge] button").click()
    confirmation = target.locator(".confirmation")
    expect(confirmation).to_contain_text("coordinator_a")
    assert items.evaluate_all("(nodes) => nodes.map((node) => node.dataset.alertId)") == order
    # the acted-on card did not move on the page
    assert target.evaluate("(node) => node.getBoundingClientRect().top + window.scrollY") == top
    # Resolve the same alert: still in place, now resolved, the other alert untouched. The crisis
    # alert keeps its patient waiting (no anlotinib) until the site decides (issue 14): the
    # resolve form asks for the decision.
    waiting = "Patient waiting" if language == "en" else "患者等待中"
    expect(target.locator(".facts").first).to_contain_text(waiting)
    target.locator("form[id^=resolve] select[name=decision]").select_option("continue")
    target.locator("form[id^=resolve] textarea").fill("BP rechecked in clinic 150/95")
    target.locator("form[id^=resolve] button").click()
    expect(target.locator(".alert-card.status-resolved")).to_have_count(1)
    expect(target.locator(".confirmation")).to_contain_text("coordinator_a")
    assert items.evaluate_all("(nodes) => nodes.map((node) => node.dataset.alertId)") == order
    screenshot(page, f"site-alert-resolved-{language}")
    resolved = live_server.api("GET", f"/alerts/{middle['id']}", "coordinator_a").json()
    untouched = live_server.api("GET", f"/alerts/{first['id']}", "coordinator_a").json()
    assert resolved["status"] == "resolved" and resolved["resolution_note"] == "BP rechecked in clinic 150/95"
    assert (resolved["decision"], resolved["holds_participant_waiting"]) == ("continue", False)
    assert untouched["status"] == "open"
    browsing.problems.assert_clean()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_default_queue_shows_no_raw_ids_or_keys(browsing, live_server, language) -> None:
    fever(live_server, "p1")
    high_bp(live_server, "p2")
    page = staff_page(browsing, live_server, "coordinator_a", language)
    page.goto("/site/#alerts")
    expect(page.locator(".alert-card")).to_have_count(2)
    shown = page.inner_text(".alert-list")
    assert not RAW.findall(shown), RAW.findall(shown)
    assert "38.3 °C" in shown
    assert "CTCAE v5.0" in shown and "Basch et al." in shown
    # the ids are one click away
    page.locator(".alert-details summary").first.click()
    assert re.search(r"\b[0-9a-f]{32}\b", page.inner_text(".alert-list"))
    browsing.problems.assert_clean()


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_role_sees_only_what_it_may_do(browsing, live_server, language) -> None:
    alert = fever(live_server, "p1")
    participant = live_server.world.participants["p1"]
    monitor = staff_page(browsing, live_server, "monitor", language)
    monitor.goto(f"/site/#alerts/{alert['id']}")
    expect(monitor.locator(".alert-card")).to_have_count(1)
    expect(monitor.locator(".alert-card form, .alert-card textarea, .alert-card button")).to_have_count(0)
    monitor.goto(f"/site/#participant/{participant}")
    expect(monitor.locator("#audit-heading")).to_be_visible()
    # (a monitor may raise data queries: that form is theirs; no site action is)
    site_actions = "#actions-heading, #confirm-cycle, #site-dose, #hold, #dose-change"
    expect(monitor.locator(site_actions)).to_have_count(0)
    coordinator = staff_page(browsing, live_server, "coordinator_a", language)
    coordinator.goto(f"/site/#participant/{participant}")
    expect(coordinator.locator("#confirm-cycle")).to_have_count(1)
    expect(coordinator.locator("#site-dose")).to_have_count(1)
    expect(coordinator.locator("#hold, #dose-change")).to_have_count(0)
    investigator = staff_page(browsing, live_server, "investigator_a", language)
    investigator.goto(f"/site/#participant/{participant}")
    expect(investigator.locator("#hold")).to_have_count(1)
    expect(investigator.locator("#dose-change")).to_have_count(1)
    browsing.problems.assert_clean()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_alert_card_shows_its_times_in_the_participants_zone(browsing, live_server, language) -> None:
    """The evidence says "38.3 °C at 06:00" in the participant's zone; the card's own times (opened,
    acknowledged) must be in that zone too, never the browser's (London participant, Shanghai
    browser: 06:00 GMT is 14:00 in Shanghai at the test's instant)."""
    alert = fever(live_server, "p3")
    page = staff_page(browsing, live_server, "coordinator_b", language)
    page.goto(f"/site/#alerts/{alert['id']}")
    card = page.locator(".alert-card")
    expect(card).to_have_count(1)
    opened = card.locator("dl.facts > div").nth(1).locator("dd").inner_text()
    assert re.search(r"\b0?6:0\d", opened) and not re.search(r"\b(14|2):0\d", opened), opened
    zone_note = {"en": "participant's local time (Europe/London)", "zh-CN": "受试者当地时间（Europe/London）"}
    expect(card).to_contain_text(zone_note[language])
    card.locator("form[id^=acknowledge] textarea").fill("Called the patient")
    card.locator("form[id^=acknowledge] button").click()
    acknowledged = page.locator(".alert-card .confirmation")
    expect(acknowledged).to_be_visible()
    assert not re.search(r"\b(14|2):0\d", acknowledged.inner_text()), acknowledged.inner_text()
    browsing.problems.assert_clean()
