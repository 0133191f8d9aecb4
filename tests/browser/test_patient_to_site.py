"""The whole story in a real browser: a patient activates their phone, logs today's dose, records a
high BP sitting while offline, comes back online (each entry reaches the server exactly once),
and the site's coordinator sees the alert that sitting raised, opens its evidence and
acknowledges it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend import clock
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _rows(app, model, participant_id):  # type: ignore[no-untyped-def]
    from backend.db import db

    with app.test_request_context():
        rows = db.session.scalars(select(model).where(model.participant_id == participant_id)).all()
        return [{c.name: getattr(row, c.name) for c in model.__table__.columns} for row in rows]


def _enter_reading(page, form, systolic: int, diastolic: int, pulse: int):  # type: ignore[no-untyped-def]
    form.get_by_label(re.compile("systolic")).fill(str(systolic))
    form.get_by_label(re.compile("diastolic")).fill(str(diastolic))
    form.get_by_label(re.compile("Pulse")).fill(str(pulse))


def test_offline_bp_sitting_reaches_the_site_once_and_is_acknowledged(browsing, live_server) -> None:
    app, world = live_server.app, live_server.world
    participant_id = world.participants["p2"]  # English-speaking patient at site A
    # The browser's clock starts six minutes in the past so that the five-minute rest between the
    # two readings can pass (fast-forwarded) without the second reading lying in the future.
    context = browsing.context(clock_at=clock.now() - timedelta(minutes=6))
    page = context.new_page()

    # Activation with the code from the site.
    page.goto("/")
    # Before activation the app cannot know the patient's language: Chinese first, switchable.
    expect(page.get_by_role("heading", name="连接这部手机")).to_be_visible()
    page.get_by_role("radio", name="English").check()
    expect(page.get_by_role("heading", name="Connect this phone")).to_be_visible()
    screenshot(page, "flow-patient-activate-360")
    page.get_by_label("Activation code").fill(live_server.activation_code("p2"))
    page.get_by_role("button", name="Connect").click()

    # Today: the one big answer.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Today")
    # the headline is the day's one instruction (issue 14); the day's place in the cycle below it
    headline = page.locator(".day-statement .headline")
    expect(headline).to_have_text("Take 8 mg anlotinib today, before breakfast")
    expect(page.locator(".day-statement")).to_contain_text("of 14")
    page.get_by_role("radio", name="Taken", exact=True).check()
    screenshot(page, "flow-patient-today-taken-360")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_have_text("Saved. Thank you.")
    expect(page.locator(".status-recorded")).to_contain_text("Recorded: taken at")
    expect(page.get_by_role("navigation")).to_be_visible()

    # Offline from here on: a BP sitting with a repeat.
    page.get_by_role("link", name="Enter blood pressure").click()  # today says BP is due
    expect(page.get_by_role("heading", name="Blood pressure", level=1)).to_be_visible()
    context.set_offline(True)
    expect(page.locator("#connection")).not_to_be_empty()
    first = page.locator("#bp-form-1")
    _enter_reading(page, first, 172, 104, 88)
    first.get_by_role("button", name="Send reading").click()
    expect(page.locator(".bp-result")).to_contain_text("Saved on this phone")
    expect(page.locator("#pending")).to_have_text("1 waiting to send")
    second = page.locator("#bp-form-2")
    expect(page.locator(".rest-box")).to_be_visible()
    expect(second.get_by_role("button", name="Send second reading")).to_be_disabled()
    screenshot(page, "flow-patient-bp-rest-offline-360")
    page.clock.fast_forward("05:01")  # the patient rests for five minutes
    expect(second.get_by_role("button", name="Send second reading")).to_be_enabled()
    _enter_reading(page, second, 168, 102, 86)
    second.get_by_role("button", name="Send second reading").click()
    expect(page.locator("#pending")).to_have_text("2 waiting to send")
    expect(page.locator(".rest-box")).to_have_count(0)
    expect(page.get_by_role("button", name="Enter another reading")).to_be_visible()
    assert len(_rows(app, _model("BpReading"), participant_id)) == 0
    queued = page.evaluate(
        "import('/app/patient/bundle.js').then((app) => app['patient/store.js'].outboxEntries())"
    )
    assert [entry["body"]["systolic"] for entry in queued] == [172, 168]
    client_ids = [entry["body"]["client_id"] for entry in queued]

    # Back online: the outbox sends both readings, in order, once.
    context.set_offline(False)
    expect(page.locator("#pending")).to_be_empty()
    expect(page.locator("#messages .message")).to_have_count(2)
    expect(page.locator("#messages")).to_contain_text("Contact your study team today")
    # ... and not the first reading's "measure again": the repeat was already taken offline.
    expect(page.locator("#messages")).not_to_contain_text("measure again")
    screenshot(page, "flow-patient-bp-sent-360")

    # A reload and a second flush send nothing again.
    page.reload()
    expect(page.get_by_role("heading", name="Blood pressure", level=1)).to_be_visible()
    # The page's own outbox module (same URL, same instance): a second pass, awaited to the end.
    page.evaluate("import('/app/patient/bundle.js').then((app) => app['patient/outbox.js'].flush())")
    assert (
        page.evaluate(
            "import('/app/patient/bundle.js').then((app) => app['patient/store.js'].outboxEntries())"
        )
        == []
    )
    page.locator("#nav").get_by_role("link", name="Today").click()
    expect(page.locator(".status-recorded")).to_contain_text("Recorded: taken at")

    doses = _rows(app, _model("DoseLog"), participant_id)
    assert len(doses) == 1 and doses[0]["taken"] is True and doses[0]["source"] == "patient"
    readings = sorted(_rows(app, _model("BpReading"), participant_id), key=lambda r: r["measured_at"])
    assert [(r["systolic"], r["diastolic"], r["pulse"]) for r in readings] == [(172, 104, 88), (168, 102, 86)]
    assert [r["client_id"] for r in readings] == client_ids  # sent with their original client ids
    assert readings[0]["sitting_id"] == readings[1]["sitting_id"]
    assert readings[1]["measured_at"] - readings[0]["measured_at"] >= timedelta(minutes=5)
    api_readings = live_server.api(
        "GET", f"/participants/{participant_id}/bp-readings", "coordinator_a"
    ).json()
    assert len(api_readings) == 2

    # An urgent alert for another patient, so the queue has something to put first.
    urgent = live_server.api(
        "POST",
        "/me/bp-readings",
        "p1",
        json={
            "client_id": "5b0f7a0e-4f7e-4bde-9d54-7f4d2a3c9e11",
            "measured_at": clock.now().isoformat(),
            "systolic": 186,
            "diastolic": 114,
        },
    )
    assert urgent.status_code == 201, urgent.text

    # The coordinator's dashboard.
    site = browsing.context(width=1280, height=900).new_page()
    site.goto("/site/")
    expect(site.get_by_role("heading", name="Sign in")).to_be_visible()
    site.get_by_label("E-mail").fill("coordinator_a@example.org")
    site.get_by_label("Password").fill(PASSWORD)
    site.get_by_role("button", name="Sign in").click()
    expect(site.get_by_role("heading", name="Site overview")).to_be_visible()
    site.get_by_role("link", name="Alerts", exact=True).click()
    expect(site.get_by_role("heading", name="Alert queue")).to_be_visible()
    cards = site.locator(".alert-card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_have_class(re.compile("severity-urgent"))
    expect(cards.nth(0)).to_contain_text("01-001")
    bp_card = cards.nth(1)
    expect(bp_card).to_have_class(re.compile("severity-review"))
    expect(bp_card).to_contain_text("01-002")
    # The evidence: the sitting's readings.
    expect(bp_card.locator("h3", has_text="Evidence")).to_be_visible()
    expect(bp_card).to_contain_text("172")
    expect(bp_card).to_contain_text("168")
    screenshot(site, "flow-site-alerts-1280")
    alerts = live_server.api("GET", "/alerts?status=open", "coordinator_a").json()
    bp_alert = next(a for a in alerts if a["participant_id"] == participant_id)

    bp_card.get_by_label("Note (optional)").first.fill("Called the patient; seen in clinic today.")
    bp_card.get_by_role("button", name="Acknowledge").click()
    # Issue 17: the acknowledged alert stays where it was, confirmed in place (the list never
    # shifts under the cursor); the "Acknowledged" filter then shows it alone.
    in_place = site.locator(".alert-card", has=site.locator(f"#alert-{bp_alert['id']}"))
    expect(in_place.locator(".confirmation")).to_contain_text("Acknowledged by coordinator_a")
    expect(cards).to_have_count(2)
    expect(cards.nth(1)).to_contain_text("01-002")
    site.get_by_label("Status").select_option(label="Acknowledged")
    site.get_by_role("button", name="Show").click()
    acknowledged = site.locator(".alert-card", has=site.locator(f"#alert-{bp_alert['id']}"))
    expect(acknowledged).to_contain_text("Called the patient; seen in clinic today.")
    expect(cards).to_have_count(1)
    stored = live_server.api("GET", "/alerts?status=acknowledged", "coordinator_a").json()
    assert [a["id"] for a in stored] == [bp_alert["id"]]
    assert stored[0]["acknowledged_by"] and stored[0]["acknowledged_at"]

    # The only console errors allowed: the browser's own log of requests that failed offline.
    browsing.problems.assert_clean(allowed=("net::ERR_INTERNET_DISCONNECTED",))


def _model(name: str):  # type: ignore[no-untyped-def]
    import backend.models as models

    return getattr(models, name)
