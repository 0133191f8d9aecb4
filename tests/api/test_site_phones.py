"""Sites' day and night phone numbers (issue 14, item 5): validated E.164, audited, shown to patients.

"Call your study site now" must come with a number the patient can tap: the site records
``phone_day`` and ``phone_night``; Today and ``GET /me`` carry them for tap-to-call links.
"""

from __future__ import annotations

from sqlalchemy import select

from backend.db import db
from backend.models import AuditEvent

SITE = {"name": "Site C", "code": "SC", "timezone": "Asia/Shanghai", "alert_emails": ["c@site.example.org"]}


def test_admin_creates_a_site_with_phone_numbers(client, world):
    r = client.post(
        "/api/v1/sites",
        json={**SITE, "phone_day": "+862423456789", "phone_night": "+8613912345678"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.json
    assert (r.json["phone_day"], r.json["phone_night"]) == ("+862423456789", "+8613912345678")


def test_a_number_that_cannot_be_dialled_from_anywhere_is_a_422_naming_the_field(client, world):
    for bad in (
        "024 2345 6789",
        "02423456789",
        "+0123456789",
        "+86-24-2345-6789",
        "+86",
        "+8624234567890123",
    ):
        r = client.post("/api/v1/sites", json={**SITE, "phone_night": bad}, headers=world.headers("admin"))
        assert r.status_code == 422, bad
        assert "E.164" in r.json["errors"]["json"]["phone_night"][0]


def test_site_staff_set_their_own_sites_numbers_with_a_reason_and_it_is_audited(app, client, world):
    site_a = world.sites["a"]
    r = client.patch(
        f"/api/v1/sites/{site_a}",
        json={"phone_day": "+862411112222", "phone_night": "+8613800001111", "reason": "new on-call phone"},
        headers=world.headers("coordinator_a"),
    )
    assert r.status_code == 200, r.json
    assert (r.json["phone_day"], r.json["phone_night"]) == ("+862411112222", "+8613800001111")
    with app.app_context(), db.session_scope() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "site.update")).all()
        assert event.reason == "new on-call phone" and event.site_id == site_a
        assert event.before == {"phone_day": None, "phone_night": None}
        assert event.after == {"phone_day": "+862411112222", "phone_night": "+8613800001111"}
    # another site's staff never see it (404), a monitor may not change it, a reason is required
    other = client.patch(
        f"/api/v1/sites/{site_a}",
        json={"phone_day": "+862400000000", "reason": "x" * 5},
        headers=world.headers("coordinator_b"),
    )
    assert other.status_code == 404
    monitor = client.patch(
        f"/api/v1/sites/{site_a}",
        json={"phone_day": "+862400000000", "reason": "xxxxx"},
        headers=world.headers("monitor"),
    )
    assert monitor.status_code == 403
    no_reason = client.patch(
        f"/api/v1/sites/{site_a}", json={"phone_day": "+862400000000"}, headers=world.headers("admin")
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]["json"]


def test_the_patient_gets_the_numbers_on_today_and_me(client, world):
    client.patch(
        f"/api/v1/sites/{world.sites['a']}",
        json={
            "phone_day": "+862411112222",
            "phone_night": "+8613800001111",
            "reason": "numbers for patients",
        },
        headers=world.headers("admin"),
    )
    today = client.get("/api/v1/me/today", headers=world.headers("p1"))
    me = client.get("/api/v1/me", headers=world.headers("p1"))
    expected = {"phone_day": "+862411112222", "phone_night": "+8613800001111"}
    assert today.status_code == 200 and today.json["contact"] == expected
    assert me.status_code == 200 and me.json["site_contact"] == expected
    # site B's patient sees site B's (none recorded)
    assert client.get("/api/v1/me", headers=world.headers("p3")).json["site_contact"] == {
        "phone_day": None,
        "phone_night": None,
    }
