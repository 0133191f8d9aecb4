"""A push message delivered to the patient app's service worker (through the DevTools protocol, as
the push service would) is shown as a notification with the payload's title and tag."""

from __future__ import annotations

import json
import time

import pytest

pytestmark = pytest.mark.browser


def test_push_message_shows_a_notification(browsing, live_server) -> None:
    context = browsing.context()
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    registrations: dict[str, str] = {}
    versions: list[dict] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.update(
            {r["scopeURL"]: r["registrationId"] for r in event["registrations"] if not r.get("isDeleted")}
        ),
    )
    cdp.on("ServiceWorker.workerVersionUpdated", lambda event: versions.extend(event["versions"]))
    cdp.send("ServiceWorker.enable")

    page.goto("/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    scope = f"{live_server.url}/"
    deadline = time.monotonic() + 10
    while scope not in registrations and time.monotonic() < deadline:
        page.wait_for_timeout(50)  # CDP events arrive while Playwright pumps its loop
    registration_id = registrations.get(scope) or next(
        (v["registrationId"] for v in versions if v.get("status") == "activated"), None
    )
    assert registration_id, f"no service worker registration for {scope}: {registrations} {versions}"

    payload = {
        "kind": "dose_reminder",
        "id": "reminder-browser-test-1",
        "title": "Time for today's diary entry",
        "body": "Did you take your anlotinib today?",
        "url": "/#today",
        "due_at": "2026-11-24T00:00:00Z",
    }
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server.url, "registrationId": registration_id, "data": json.dumps(payload)},
    )
    # Poll until the worker has shown it. page.evaluate awaits the promise (wait_for_function
    # with a promise-returning predicate sometimes hands back its truthiness instead of the list).
    read_notifications = """async () => {
        const registration = await navigator.serviceWorker.ready;
        const list = await registration.getNotifications();
        return list.map((n) => ({ title: n.title, tag: n.tag, body: n.body, data: n.data }));
    }"""
    deadline = time.monotonic() + 10
    shown = page.evaluate(read_notifications)
    while not shown and time.monotonic() < deadline:
        page.wait_for_timeout(50)
        shown = page.evaluate(read_notifications)
    assert len(shown) == 1
    assert shown[0]["title"] == payload["title"]
    # one notification per message: the tag is kind:id, so a re-sent message replaces the shown one
    assert shown[0]["tag"] == f"{payload['kind']}:{payload['id']}"
    assert shown[0]["body"] == payload["body"]
    assert shown[0]["data"]["url"] == "/#today" and shown[0]["data"]["kind"] == "dose_reminder"
    browsing.problems.assert_clean()
