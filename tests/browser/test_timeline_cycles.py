"""The treatment timeline over several cycles at 1280 px, in English and Chinese: C1, C2 (started
two days late, with a hold), C3 (a dose reduction mid-cycle), each day's status as a heatmap.
Writes the README's screenshot of the timeline (test-artifacts/screenshots/site-timeline-*)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from backend import clock
from backend.db import db
from backend.domain.localtime import local_date
from backend.models import StaffUser
from backend.services import participants as participants_service
from backend.services.auth import staff_actor
from tests.browser.conftest import ARTIFACTS, TIMEZONE
from tests.browser.dashboard import LANGUAGES, staff_page

pytestmark = pytest.mark.browser


def _history(live_server, protocol_ref: str) -> str:  # type: ignore[no-untyped-def]
    """C1 from 52 days ago; C2 confirmed 2 days after its planned day, a 4-day hold in it; C3 on
    time with 8 -> 6 mg from its day 5; doses entered by the site, a few missed or unreported."""
    world = live_server.world
    today = local_date(clock.now(), TIMEZONE)
    c1d1 = today - timedelta(days=52)
    with live_server.app.test_request_context():
        coordinator = staff_actor(db.session.get(StaffUser, world.staff["coordinator_a"]))
        participant = participants_service.enrol(
            db.session,
            coordinator,
            study_id="01-077",
            site_id=world.sites["a"],
            timezone=TIMEZONE,
            language="en",
            c1d1=c1d1,
            reminder_time=datetime.strptime("08:00", "%H:%M").time(),
            now=clock.now(),
            protocol_ref=protocol_ref,
        )
        pid = participant.id
        db.commit_request()

    def call(method: str, path: str, who: str, **body: object) -> dict:
        answer = live_server.api(method, f"/participants/{pid}{path}", who, json=body)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    c2d1 = c1d1 + timedelta(days=23)  # planned on day 22: two days late
    c3d1 = c2d1 + timedelta(days=21)
    call("POST", "/cycles", "coordinator_a", start_date=str(c2d1))
    call("POST", "/cycles", "coordinator_a", start_date=str(c3d1))
    hold_start, hold_end = c2d1 + timedelta(days=5), c2d1 + timedelta(days=8)
    call(
        "POST",
        "/holds",
        "investigator_a",
        start_date=str(hold_start),
        end_date=str(hold_end),
        reason="Grade 3 hypertension",
    )
    call(
        "POST",
        "/dose-changes",
        "investigator_a",
        effective_date=str(c3d1 + timedelta(days=4)),
        dose_mg=6,
        reason="Grade 2 bleeding",
    )
    missed = {c1d1 + timedelta(days=6), c2d1 + timedelta(days=11)}
    unreported = {c1d1 + timedelta(days=9), c3d1 + timedelta(days=2)}
    for start, last in ((c1d1, 14), (c2d1, 14), (c3d1, min(14, (today - c3d1).days))):
        for offset in range(last):
            day = start + timedelta(days=offset)
            if day in unreported or hold_start <= day <= hold_end or day >= today:
                continue
            body: dict[str, object] = {
                "taken": day not in missed,
                "reason": "Paper diary transcribed at the visit",
                "source_detail": "paper diary",
            }
            if day in missed:
                body["missed_reason"] = "forgot"
            else:
                body["taken_at"] = datetime(
                    day.year, day.month, day.day, 8, 30, tzinfo=ZoneInfo(TIMEZONE)
                ).isoformat()
            call("PUT", f"/doses/{day}", "coordinator_a", **body)
    return pid


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_timeline_shows_three_cycles_a_hold_and_a_dose_change(
    browsing,
    live_server,
    reduced_protocol,  # the fixture (tests/conftest.py): 6 mg allowed
    language,
) -> None:
    pid = _history(live_server, reduced_protocol)
    page = staff_page(browsing, live_server, "investigator_a", language, height=1000)
    page.goto(f"/site/#participant/{pid}")
    timeline = page.locator("table.timeline-heatmap")
    expect(timeline.locator("tbody th")).to_have_text(["C1", "C2", "C3"])
    assert timeline.locator("td.marker-hold").count() == 4
    # C2 started two days late: C1 runs on for +1, +2 after its day 21
    expect(timeline.locator("tbody tr").first.locator("td.delay")).to_have_count(2)
    expect(timeline.locator("thead th").last).to_have_text("+2")
    expect(section_note := page.locator(".timeline-delay-note")).to_have_count(1)
    assert section_note.inner_text()
    expect(timeline.locator("td.dose-changed")).to_have_count(1)
    assert timeline.locator("td.marker-taken").count() >= 25
    assert timeline.locator("td.marker-not_taken").count() == 2
    assert timeline.locator("td.marker-break").count() >= 14
    section = page.locator("section[aria-labelledby=timeline-heading]")
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(ARTIFACTS / f"site-timeline-{language}.png"))
    text = section.inner_text()
    assert "null" not in text and "undefined" not in text
    browsing.problems.assert_clean()
