"""The patient's symptom form with questionnaire v2 (nosebleed frequency + severity, dry eye), in a
real browser: a follow-up is shown only when its first attribute is above 0 (PRO-CTCAE branching),
skipped items are sent as 0, and the server stores exactly what the form meant."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, screenshot
from tests.browser.patient_app import activate_in_english, open_screen

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("who", "language"), [("p2", "en"), ("p1", "zh-CN")])
def test_new_items_branch_and_the_stored_report_has_no_contradiction(browsing, live_server, who, language):
    _context, page = activate_in_english(browsing, live_server, 360, who)
    # the app's chrome is English (chosen at activation), the questions the patient's
    open_screen(page, "symptoms")
    form = page.locator("#symptom-form")
    questionnaire = live_server.api("GET", "/me/symptom-items", who).json()
    groups = {group["code"]: [item["code"] for item in group["items"]] for group in questionnaire["symptoms"]}
    assert groups["nosebleed"] == ["nosebleed_frequency", "nosebleed_severity"]
    assert groups["dry_eye"] == ["dry_eye_severity", "dry_eye_interference"]
    expect(form.locator('input[name="nosebleed_frequency"]').first).to_be_hidden()  # asked only with symptoms
    form.locator('input[name="overall"][value="some"]').check()
    for items in groups.values():
        form.locator(f'input[name="{items[0]}"][value="0"]').check()
    follow_up = form.locator('[data-gate="nosebleed_frequency"]')
    expect(follow_up).to_be_hidden()
    form.locator('input[name="nosebleed_frequency"][value="2"]').check()
    expect(follow_up).to_be_visible()
    form.locator('input[name="nosebleed_severity"][value="1"]').check()
    expect(form.locator('[data-gate="dry_eye_severity"]')).to_be_hidden()
    screenshot(page, f"patient-symptoms-v2-{language}-360")
    path = ARTIFACTS / f"patient-symptoms-nosebleed-{language}-360.png"
    nosebleed = page.locator("fieldset.symptom", has=page.locator("[data-gate=\"nosebleed_frequency\"]"))
    nosebleed.screenshot(path=str(path), animations="disabled")
    form.locator("button[type=submit]").click()
    expect(page.locator(".symptom-result .flash")).to_be_visible()
    reports = live_server.api(
        "GET", f"/participants/{live_server.world.participants[who]}/symptom-reports", "coordinator_a"
    ).json()
    [stored] = reports
    assert stored["questionnaire"] == "anlo-daily.v2"
    answers = stored["answers"]
    assert (answers["nosebleed_frequency"], answers["nosebleed_severity"]) == (2, 1)
    assert (answers["dry_eye_severity"], answers["dry_eye_interference"]) == (0, 0)
    for items in groups.values():  # every follow-up under a 0 gate is 0: nothing contradicts its gate
        if answers[items[0]] == 0:
            assert all(answers[code] == 0 for code in items[1:]), items
