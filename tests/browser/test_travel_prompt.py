"""The travel prompt on Today at 360 px, in English and Chinese: asked when the phone's zone
differs from the diary's, answered with one tap, gone afterwards; the phone's zone reaches the
server on every request (X-Device-Timezone)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEZONE, screenshot
from tests.browser.patient_app import assert_accessible

pytestmark = pytest.mark.browser

TITLES = {"en": "You are in another time zone", "zh-CN": "您现在在另一个时区"}
KEEP = {"en": "Keep home time (16:00 here)", "zh-CN": "保持家里的时间（这里 16:00）"}


@pytest.mark.parametrize(("who", "language", "policy"), [("p2", "en", "home"), ("p1", "zh-CN", "local")])
def test_travel_prompt_at_360_px(browsing, live_server, who, language, policy):
    pid = live_server.world.participants[who]
    # The diary is on London time (08:00 there is 16:00 in Shanghai, where the phone is).
    r = live_server.api(
        "PATCH",
        f"/participants/{pid}",
        "coordinator_a",
        json={"timezone": "Europe/London", "reason": "moved"},
    )
    assert r.status_code == 200, r.text
    page = browsing.context(width=360, height=800).new_page()
    page.goto("/")
    if language == "en":
        page.get_by_role("radio", name="English").check()
        # the screen is drawn again in English: fill the code only once it has been
        expect(page.get_by_role("heading", level=1)).to_have_text("Connect this phone")
    page.locator('input[name="code"]').fill(live_server.activation_code(who))
    page.locator('button[type="submit"]').click()
    prompt = page.locator("section.travel-prompt")
    expect(prompt.get_by_role("heading", level=2)).to_have_text(TITLES[language])
    expect(prompt.get_by_role("button").first).to_have_text(KEEP[language])
    expect(prompt).to_contain_text(TIMEZONE)
    assert_accessible(page, f"travel prompt ({language}) at 360 px")
    screenshot(page, f"patient-travel-prompt-{language}-360")
    prompt.get_by_role("button").nth(0 if policy == "home" else 1).click()
    expect(page.locator("section.travel-prompt")).to_have_count(0)
    expect(page.locator("p.flash")).to_be_visible()
    screenshot(page, f"patient-travel-answered-{language}-360")
    site = live_server.api("GET", f"/participants/{pid}", "coordinator_a").json()
    assert (site["timezone_policy"], site["device_timezone"]) == (policy, TIMEZONE)
    [change] = live_server.api("GET", f"/participants/{pid}/timezone-changes", "monitor").json()
    assert (change["policy"], change["to_timezone"]) == (policy, TIMEZONE if policy == "local" else None)
    browsing.problems.assert_clean()
