"""Today on a repeat load (issue 14, load budget): the copy of today kept on the phone is shown at
once, marked "Updating…", and replaced by the server's answer; a copy older than a few minutes
is never shown as today's (a patient is never told two different things). 360 px, en and zh-CN.

The site puts the patient on hold between the two loads, so the kept copy ("take your dose") and
the server's answer ("on hold") differ: a MutationObserver records every state Today showed.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from backend import clock
from backend.domain.localtime import local_date
from tests.browser.conftest import TIMEZONE, screenshot

pytestmark = pytest.mark.browser

WORDS = {
    "en": {
        "language": "English",
        "code": "Activation code",
        "connect": "Connect",
        "today": re.compile("^Today"),
    },
    "zh-CN": {"language": "中文（简体）", "code": "激活码", "connect": "连接", "today": re.compile("^今天")},
}
UPDATING = {"en": "Updating…", "zh-CN": "正在更新…"}

# Every state Today shows, in order, "(updating)" while marked as not yet refreshed.
RECORDER = """
window.__todayStates = [];
new MutationObserver(() => {
  const statement = document.querySelector('#main .day-statement');
  if (!statement) return;
  const shown = statement.dataset.state + (document.querySelector('#main .updating') ? ' (updating)' : '');
  if (window.__todayStates.at(-1) !== shown) window.__todayStates.push(shown);
}).observe(document, { childList: true, subtree: true, attributes: true });
"""


@pytest.fixture
def patients(live_server):  # type: ignore[no-untyped-def]
    """One patient per language on cycle 1 day 4 (a dosing day)."""
    from backend.db import db
    from tests.factories import device_token, enrol

    app, world = live_server.app, live_server.world
    today = local_date(clock.now(), TIMEZONE)
    with app.test_request_context():
        for lang in ("en", "zh-CN"):
            pid = enrol(
                world,
                f"k_{lang}",
                "a",
                study_id=f"01-k{lang[:2]}",
                language=lang,
                c1d1=today - timedelta(days=3),
            )
            world.tokens[f"k_{lang}"] = device_token(pid, app.config["SETTINGS"].token_pepper)
        db.commit_request()
    return world


def _open_today(browsing, live_server, lang: str):  # type: ignore[no-untyped-def]
    words = WORDS[lang]
    context = browsing.context(width=360, height=800)
    context.add_init_script(RECORDER)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("radio", name=words["language"]).check()
    page.get_by_label(words["code"]).fill(live_server.activation_code(f"k_{lang}"))
    page.get_by_role("button", name=words["connect"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["today"])
    expect(page.locator(".day-statement")).to_have_attribute("data-state", "dosing")
    return page


def _hold_from_today(live_server, lang: str) -> None:
    today = local_date(clock.now(), TIMEZONE).isoformat()
    pid = live_server.world.participants[f"k_{lang}"]
    hold = {"start_date": today, "reason": "toxicity"}
    answer = live_server.api("POST", f"/participants/{pid}/holds", "investigator_a", json=hold)
    assert answer.status_code == 201, answer.text


def _slow_today(route) -> None:  # type: ignore[no-untyped-def]
    time.sleep(1.0)  # a slow link: the kept copy is on screen before the answer comes
    route.continue_()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_repeat_load_shows_the_kept_copy_at_once_then_the_servers_answer(
    browsing, live_server, patients, lang: str
) -> None:
    page = _open_today(browsing, live_server, lang)
    _hold_from_today(live_server, lang)
    page.route(re.compile(r"/api/v1/me/today"), _slow_today)
    page.reload()
    statement = page.locator(".day-statement")
    expect(page.locator("#main .updating")).to_have_text(UPDATING[lang])
    expect(statement).to_have_attribute("data-state", "dosing")  # the kept copy, marked updating
    expect(statement).to_have_attribute("data-state", "hold", timeout=15_000)
    expect(page.locator("#main .updating")).to_have_count(0)
    screenshot(page, f"patient-today-refreshed-after-kept-copy-{lang}-360")
    assert page.evaluate("window.__todayStates") == ["dosing (updating)", "hold"]
    browsing.problems.assert_clean()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_kept_copy_older_than_a_few_minutes_is_never_shown(
    browsing, live_server, patients, lang: str
) -> None:
    page = _open_today(browsing, live_server, lang)
    _hold_from_today(live_server, lang)
    page.clock.fast_forward("06:00")  # the copy is 6 minutes old
    page.route(re.compile(r"/api/v1/me/today"), _slow_today)
    page.reload()
    expect(page.locator(".day-statement")).to_have_attribute("data-state", "hold", timeout=15_000)
    assert page.evaluate("window.__todayStates") == ["hold"]  # "take your dose" never shown
    browsing.problems.assert_clean()


@pytest.mark.parametrize("lang", ["en"])
def test_an_unchanged_answer_only_clears_the_updating_mark(
    browsing, live_server, patients, lang: str
) -> None:
    page = _open_today(browsing, live_server, lang)
    page.route(re.compile(r"/api/v1/me/today"), _slow_today)
    page.reload()
    expect(page.locator("#main .updating")).to_have_text(UPDATING[lang])
    expect(page.locator("#main .updating")).to_have_count(0, timeout=15_000)
    assert page.evaluate("window.__todayStates") == ["dosing (updating)", "dosing"]
    browsing.problems.assert_clean()
