"""The dashboard's sign-off and data-query screens (issue 19), as the investigator, coordinator and monitor.

Two participants of site A each have a complete cycle 1 (``tests/support/signing.py``); the
investigator signs both in one batch from the to-sign list, with the password again, and the
manifest shows on the participant page. A monitor raises a query on a dose day, the coordinator
answers it with a correction, the monitor closes it; the signature of the corrected cycle shows
as invalidated. Each role sees only the controls it may use.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.support.signing import cycle_one_complete

pytestmark = pytest.mark.browser


def _sign_in(browsing, email: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = browsing.context(width=1280, height=900).new_page()
    page.goto("/site/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return page


def test_investigator_signs_two_cycles_in_one_batch_from_the_to_sign_list(
    app, client, browsing, live_server
) -> None:
    from playwright.sync_api import expect

    world = live_server.world
    one = cycle_one_complete(app, client, world, "one")
    two = cycle_one_complete(app, client, world, "two")
    study = {
        pid: client.get(f"/api/v1/participants/{pid}", headers=world.headers("monitor")).json["study_id"]
        for pid in (one, two)
    }

    # The coordinator sees the list but no signing control.
    coordinator = _sign_in(browsing, "coordinator_a@example.org")
    coordinator.get_by_role("link", name="Sign-off").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Investigator sign-off")
    expect(coordinator.locator("table.signoff-table tbody tr")).to_have_count(2)
    expect(coordinator.get_by_role("checkbox")).to_have_count(0)
    expect(coordinator.get_by_label("Your password")).to_have_count(0)

    page = _sign_in(browsing, "investigator_a@example.org")
    page.get_by_role("link", name="Sign-off").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Investigator sign-off")
    # A wrong password first: refused next to the field, counted, nothing signed.
    page.get_by_label(f"Cycle 1 of participant {study[one]}").check()
    page.get_by_label(f"Cycle 1 of participant {study[two]}").check()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Sign selected cycles").click()
    expect(page.locator("#signoff-form .field-error")).to_be_visible()
    assert (
        client.get("/api/v1/staff/me/signing", headers=world.headers("investigator_a")).json[
            "wrong_passwords"
        ]
        == 1
    )
    page.get_by_label("Meaning of my signature").select_option("approved")
    page.get_by_label("Your password").fill(PASSWORD)
    screenshot(page, "site-signoff-1280")
    page.get_by_role("button", name="Sign selected cycles").click()
    expect(page.get_by_role("status").first).to_contain_text("2 cycle(s) signed.")
    expect(page.get_by_text("Every complete cycle is signed.")).to_be_visible()

    # One batch: two signatures sharing a batch id, each with its own hash, meaning "approved".
    signatures = [
        client.get(f"/api/v1/participants/{pid}/cycles/1/signatures", headers=world.headers("monitor")).json
        for pid in (one, two)
    ]
    [[a], [b]] = signatures
    assert a["batch_id"] == b["batch_id"] and a["content_hash"] != b["content_hash"]
    assert (a["meaning"], a["signer_name"], a["status"]) == ("approved", "investigator_a", "valid")

    # The manifest on the participant page, in both languages.
    page.goto(f"/site/#participant/{one}")
    section = page.locator("section", has=page.get_by_role("heading", name="Sign-off", exact=True))
    expect(section).to_contain_text("Cycle 1: Approved by investigator_a")
    expect(section).to_contain_text("UTC")
    page.locator("#site-language").select_option("zh-CN")
    expect(page.get_by_role("link", name="签署")).to_be_visible()
    page.get_by_role("link", name="签署").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("研究者签署")
    screenshot(page, "site-signoff-zh-1280")
    browsing.problems.assert_clean(allowed=("status of 422",))  # the wrong password, on purpose


def test_a_query_is_raised_answered_with_a_correction_and_closed(app, client, browsing, live_server) -> None:
    from playwright.sync_api import expect

    world = live_server.world
    pid = cycle_one_complete(app, client, world, "q")
    study_id = client.get(f"/api/v1/participants/{pid}", headers=world.headers("monitor")).json["study_id"]
    signed = client.post(
        f"/api/v1/participants/{pid}/cycles/1/signatures",
        json={"password": PASSWORD, "meaning": "reviewed"},
        headers=world.headers("investigator_a"),
    )
    assert signed.status_code == 201, signed.json

    monitor = _sign_in(browsing, "monitor@example.org")
    monitor.get_by_role("link", name="Queries").click()
    expect(monitor.get_by_role("heading", level=1)).to_have_text("Data queries")
    form = monitor.locator("#raise-query")
    form.get_by_label("Participant").select_option(label=study_id)
    form.get_by_label("About").select_option("dose_day")
    form.get_by_label("Diary date (dose day)").fill("2026-10-29")
    form.get_by_label("Question").fill(
        "The site entry says not taken; the pill count says taken. Which is right?"
    )
    form.get_by_role("button", name="Raise query").click()
    expect(monitor.get_by_role("status").first).to_have_text("Query raised.")
    item = monitor.locator("li.query").first
    expect(item).to_contain_text("The site entry says not taken")
    # The monitor may close, never answer or correct.
    expect(item.get_by_role("button", name="Answer")).to_have_count(0)
    expect(item.get_by_role("button", name="Close")).to_be_visible()

    coordinator = _sign_in(browsing, "coordinator_a@example.org")
    coordinator.get_by_role("link", name="Queries").click()
    item = coordinator.locator("li.query").first
    # A monitor's query: the site answers, but neither closes nor re-opens it.
    expect(item.get_by_role("button", name="Close")).to_have_count(0)
    item.get_by_label("Answer", exact=True).fill("Pill count at the visit: the dose was taken.")
    item.get_by_label("Taken").select_option("true")
    item.get_by_label("Source of the correct value").fill("pill count")
    screenshot(coordinator, "site-queries-answer-1280")
    item.get_by_role("button", name="Answer").click()
    expect(coordinator.get_by_role("status").first).to_have_text("Answer saved.")

    [query] = client.get(f"/api/v1/queries?participant_id={pid}", headers=world.headers("monitor")).json
    assert query["status"] == "answered" and query["correction"] is not None
    day = client.get(f"/api/v1/participants/{pid}/doses/2026-10-29", headers=world.headers("monitor"))
    assert day.status_code == 200 and day.json["taken"] is True
    [signature] = client.get(
        f"/api/v1/participants/{pid}/cycles/1/signatures", headers=world.headers("monitor")
    ).json
    assert signature["status"] == "invalidated"
    # ... and the cycle is back in the investigator's to-sign list, saying who changed what and why.
    investigator = _sign_in(browsing, "investigator_a@example.org")
    investigator.get_by_role("link", name="Sign-off").click()
    row = investigator.locator("table.signoff-table tbody tr", has_text=study_id)
    expect(row).to_contain_text("Signature invalidated by a change on")
    expect(row).to_contain_text("coordinator_a")
    expect(row).to_contain_text("Pill count at the visit")
    screenshot(investigator, "site-signoff-invalidated-1280")

    monitor.locator("#query-filter").select_option("answered")
    item = monitor.locator("li.query").first
    expect(item).to_contain_text("Pill count at the visit")
    item.get_by_role("button", name="Close").click()
    expect(monitor.get_by_role("status").first).to_have_text("Query closed.")
    assert (
        client.get(f"/api/v1/queries/{query['id']}", headers=world.headers("monitor")).json["status"]
        == "closed"
    )
    monitor.locator("#site-language").select_option("zh-CN")
    monitor.get_by_role("link", name="数据质疑").click()
    expect(monitor.get_by_role("heading", level=1)).to_have_text("数据质疑")
    screenshot(monitor, "site-queries-zh-1280")
    browsing.problems.assert_clean()
