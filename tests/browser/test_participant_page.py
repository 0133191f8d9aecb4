"""The participant page at 1280 px: blood pressure by sitting on a true time axis, and an audit
trail people can read (names, not device ids; minutes, not microseconds; whole words)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from backend import clock
from tests.browser.conftest import ARTIFACTS, screenshot
from tests.browser.dashboard import LANGUAGES, staff_page

pytestmark = pytest.mark.browser


def _sitting(live_server, who, when, *readings) -> None:  # type: ignore[no-untyped-def]
    sitting = str(uuid.uuid4())
    for minutes, (systolic, diastolic) in enumerate(readings):
        body = {
            "client_id": str(uuid.uuid4()),
            "measured_at": (when + timedelta(minutes=6 * minutes)).isoformat(),
            "systolic": systolic,
            "diastolic": diastolic,
            "sitting_id": sitting,
        }
        answer = live_server.api("POST", "/me/bp-readings", who, json=body)
        assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_bp_by_sitting_on_a_time_axis_and_a_readable_audit_trail(browsing, live_server, language) -> None:
    now = clock.now()
    _sitting(live_server, "p2", now - timedelta(days=3, hours=2), (132, 84), (128, 82))
    _sitting(live_server, "p2", now - timedelta(days=1, hours=5), (138, 88))
    _sitting(live_server, "p2", now - timedelta(minutes=40), (166, 101), (162, 99))  # the same day as ...
    _sitting(live_server, "p2", now - timedelta(minutes=5), (164, 100))  # ... a repeat asked for, not taken
    pid = live_server.world.participants["p2"]
    page = staff_page(browsing, live_server, "coordinator_a", language)
    page.goto(f"/site/#participant/{pid}")
    # the treatment timeline: C1 with a cell per cycle day so far, each linking to its day
    timeline = page.locator("table.timeline-heatmap")
    expect(timeline.locator("tbody th")).to_have_text(["C1"])
    first_day = timeline.locator("td.timeline-cell a").first
    expect(first_day).to_have_attribute("href", re.compile(f"#participant/{pid}/day/"))
    chart = page.locator("svg.bp-chart").first
    expect(chart.locator("circle.point")).to_have_count(
        3
    )  # 3 sittings; the abandoned single reading is not plotted
    expect(chart.locator("circle.point.single")).to_have_count(1)
    xs = chart.locator("circle.point").evaluate_all(
        "(nodes) => nodes.map((node) => Number(node.getAttribute('cx')))"
    )
    assert xs == sorted(xs) and xs[-1] - xs[0] > 300  # a true time axis: days apart, not squashed left
    assert chart.locator("line.day-line").count() >= 3
    page.locator("section[aria-labelledby=bp-heading] details summary").click()
    table = page.locator("section[aria-labelledby=bp-heading] table")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table.locator("tbody tr").nth(1)).to_contain_text("164/100")  # the mean of 166/101 and 162/99
    audit = page.locator("section[aria-labelledby=audit-heading]")
    expect(audit.locator("tbody tr").first).to_be_visible()
    screenshot(page, f"site-participant-page-{language}")
    bp_section = page.locator("section[aria-labelledby=bp-heading]")
    bp_section.screenshot(path=str(ARTIFACTS / f"site-bp-{language}.png"))
    for details in audit.locator("details").all():
        details.locator("summary").click()
    shown = audit.inner_text()
    assert "device:" not in shown
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+", shown)  # no microseconds
    assert "01-002 (test phone)" in shown
    browsing.problems.assert_clean()
