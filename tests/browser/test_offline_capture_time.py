"""An entry made offline keeps when it was made (ALCOA+ contemporaneous): the PWA sends the phone's
time of capture as ``X-Device-Time`` when the queued entry finally syncs, the server stores it as
the dose log's ``device_time``, the entry is sent exactly once, and Settings stops listing it as
waiting once it has gone, in both languages at 360 px."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from backend import clock
from tests.browser.conftest import screenshot
from tests.browser.patient_app import activate

pytestmark = pytest.mark.browser

TEXT = {
    "en": {
        "taken": "Taken",
        "save": "Save",
        "offline": "Saved on this phone",
        "one_waiting": "1 waiting to send",
        "send_now": "Send now",
        "nothing": "Everything has been sent.",
        "connect": "Connect",
        "code": "Activation code",
        "settings": "Settings",
    },
    "zh-CN": {
        "taken": "已服用",
        "save": "保存",
        "offline": "已保存在这部手机上",
        "one_waiting": "1 条待发送",
        "send_now": "立即发送",
        "nothing": "所有记录都已发送。",
        "connect": "连接",
        "code": "激活码",
        "settings": "设置",
    },
}


def _dose_logs(app, participant_id):  # type: ignore[no-untyped-def]
    from backend.db import db
    from backend.models import DoseLog

    with app.test_request_context():
        rows = db.session.scalars(select(DoseLog).where(DoseLog.participant_id == participant_id)).all()
        return [{c.name: getattr(row, c.name) for c in DoseLog.__table__.columns} for row in rows]


@pytest.mark.parametrize(("who", "language"), [("p2", "en"), ("p1", "zh-CN")])
def test_offline_dose_keeps_its_capture_time_and_syncs_once(browsing, live_server, who, language) -> None:
    text = TEXT[language]
    participant_id = live_server.world.participants[who]
    # The phone's clock starts 40 minutes behind the server's, so the entry is captured well
    # before the moment it syncs (the page's clock is fast-forwarded while offline).
    context, page = activate(
        browsing, live_server, who, language, clock_at=clock.now() - timedelta(minutes=40)
    )
    puts: list[int] = []
    page.on(
        "response",
        lambda r: puts.append(r.status) if r.request.method == "PUT" and "/me/doses/" in r.url else None,
    )
    sent_headers: list[str | None] = []
    page.on(
        "request",
        lambda r: sent_headers.append(r.headers.get("x-device-time")) if "/me/doses/" in r.url else None,
    )

    context.set_offline(True)
    expect(page.locator("#connection")).not_to_be_empty()
    page.get_by_role("radio", name=text["taken"], exact=True).check()
    page.get_by_role("button", name=text["save"]).click()
    expect(page.locator("main")).to_contain_text(text["offline"])
    expect(page.locator("#pending")).to_have_text(text["one_waiting"])
    [queued] = page.evaluate(
        "import('/app/patient/bundle.js').then((app) => app['patient/store.js'].outboxEntries())"
    )
    captured_at = datetime.fromisoformat(queued["queued_at"])
    assert captured_at.utcoffset() == timedelta(hours=8)  # the phone's own offset (Asia/Shanghai)

    page.locator("#nav a[data-screen=settings]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["settings"])
    expect(page.get_by_role("button", name=text["send_now"])).to_be_visible()
    screenshot(page, f"patient-settings-pending-{language}-360")
    assert _dose_logs(live_server.app, participant_id) == []

    page.clock.fast_forward("30:00")  # half an hour later the phone is back online
    context.set_offline(False)
    expect(page.locator("#pending")).to_be_empty()
    # Settings, still open, follows the outbox: the entry is no longer listed with "Send now".
    expect(page.get_by_role("button", name=text["send_now"])).to_have_count(0)
    expect(page.locator("main")).to_contain_text(text["nothing"])
    screenshot(page, f"patient-settings-synced-{language}-360")

    # A second pass and a reload send nothing again.
    page.evaluate("import('/app/patient/bundle.js').then((app) => app['patient/outbox.js'].flush())")
    page.reload()
    expect(page.locator("#nav a")).to_have_count(5)
    page.evaluate("import('/app/patient/bundle.js').then((app) => app['patient/outbox.js'].flush())")

    assert puts == [201]  # one PUT reached the server (the offline tries never left the phone)
    assert set(sent_headers) == {queued["queued_at"]}  # every try carried the capture time
    [log] = _dose_logs(live_server.app, participant_id)
    assert log["device_time"] == captured_at  # stored in UTC, the same instant
    assert log["entered_at"] - log["device_time"] > timedelta(minutes=20)  # capture, not sync, time
    stored = live_server.api(
        "GET", f"/participants/{participant_id}/doses/{log['local_date']}", "coordinator_a"
    ).json()
    assert datetime.fromisoformat(stored["device_time"]) == captured_at
    browsing.problems.assert_clean(allowed=("net::ERR_INTERNET_DISCONNECTED",))
