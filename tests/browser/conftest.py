"""Browser tests: the real app on a live local server, driven by Debian's Chromium via Playwright.

The server runs the same application object as the ``app`` fixture (so the same test database)
in a background thread, at the test's frozen (and ticking) clock; each browser context installs
that same instant in Chromium's clock, so the page, the server and the data agree on "now".
Chromium is ``/usr/bin/chromium`` (the ``chromium`` package). Without
it the tests fail under CI (``CI=true``; ``.ci/run`` installs it) and are skipped, with the
install command as the reason, on a newcomer's machine, so ``make test`` still works there.
Every page records console errors, page errors and CSP violations; a test that ends with any fails.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from werkzeug.serving import make_server

from backend import clock

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


# Site A's zone; the browser runs in it too, so "today" agrees with the server. At the suite's
# DEFAULT_NOW (tests/conftest.py) it is 14:00 there: a flow of a few minutes never meets midnight.
TIMEZONE = "Asia/Shanghai"
# Page-side recorder for CSP violations (added to every page before its scripts run; an init
# script is injected by the DevTools protocol, so the page's own CSP does not block it).
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@dataclass
class LiveServer:
    """The app on http://127.0.0.1:<port>, with the world built in its database."""

    url: str
    app: Any
    world: Any

    def api(self, method: str, path: str, who: str | None = None, **kwargs: Any) -> Any:
        """Call the live API (``who``: a token name of the world); returns the response."""
        import requests

        headers = self.world.headers(who) if who else {}
        return requests.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=10, **kwargs)

    def activation_code(self, participant: str) -> str:
        """A fresh activation code for a world participant, as the site would give it."""
        from backend import clock
        from backend.db import db
        from backend.services import activation
        from backend.services.actors import Actor

        with self.app.test_request_context():
            participant_id = self.world.participants[participant]
            site_actor = Actor(
                kind="staff",
                id="browser-test",
                label="browser test",
                role="coordinator",
                site_id=self.world.sites["a"],
            )
            code, _ = activation.issue_code(
                db.session,
                site_actor,
                participant_id,
                pepper=self.app.config["SETTINGS"].token_pepper,
                now=clock.now(),
            )
            db.commit_request()
        return code


@pytest.fixture
def live_server(app, world) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """The real application served by werkzeug on a free port, in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, world=world)
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the run (Debian's, never a downloaded one)."""
    if not os.path.exists(CHROMIUM):
        message = (
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
            "Install it with `apt-get update && apt-get install -y chromium` "
            "(do not run `playwright install`)."
        )
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield instance
        instance.close()


@dataclass
class Problems:
    """Console errors, uncaught page errors and CSP violations seen by a context's pages."""

    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    pages: list[Any] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        self.pages.append(page)
        page.on("console", lambda msg: self.console.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def csp_violations(self) -> list[str]:
        found: list[str] = []
        for page in self.pages:
            if not page.is_closed():
                try:
                    found += page.evaluate("window.__cspViolations || []")
                except Exception:  # noqa: BLE001 - a page mid-navigation has nothing to report
                    continue
        return found

    def assert_clean(self, allowed: tuple[str, ...] = ()) -> None:
        console = [text for text in self.console if not any(part in text for part in allowed)]
        assert not console, f"console errors: {console}"
        assert not self.page_errors, f"page errors: {self.page_errors}"
        assert not self.csp_violations(), f"CSP violations: {self.csp_violations()}"


@dataclass
class Browsing:
    """Opens contexts on the live server and records their problems."""

    browser: Any
    server: LiveServer
    contexts: list[Any] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)

    def context(
        self, width: int = 360, height: int = 780, clock_at: datetime | None = None, **options: Any
    ) -> Any:
        """A context whose clock starts at ``clock_at`` (default: the test's frozen clock) and runs."""
        from backend import clock

        options.setdefault("locale", "en-GB")
        context = self.browser.new_context(
            base_url=self.server.url,
            viewport={"width": width, "height": height},
            timezone_id=TIMEZONE,
            service_workers="allow",
            **options,
        )
        context.set_default_timeout(10_000)
        # The page's clock starts where the test's clock is (the server shares it), never at the
        # machine's real date.
        context.clock.install(time=clock_at or clock.now())
        context.add_init_script(CSP_RECORDER)
        context.on("page", self.problems.watch)
        self.contexts.append(context)
        return context


@pytest.fixture
def browsing(browser, live_server) -> Iterator[Browsing]:  # type: ignore[no-untyped-def]
    """Browser contexts for one test; closed afterwards."""
    helper = Browsing(browser=browser, server=live_server)
    yield helper
    for context in helper.contexts:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


# The accessibility problems on the current screen (see the script's header).
CHECKS = (Path(__file__).parent / "a11y_checks.js").read_text(encoding="utf-8")


@pytest.fixture
def diary(live_server):  # type: ignore[no-untyped-def]
    """A patient ten days into cycle 1 with a history: doses (one missed), a high BP sitting."""
    from backend.db import db
    from tests.factories import device_token, enrol

    app, world = live_server.app, live_server.world
    from tests.browser.patient_app import local_today

    today = local_today()
    with app.test_request_context():
        pid = enrol(world, "p4", "a", study_id="01-004", language="en", c1d1=today - timedelta(days=9))
        world.tokens["p4"] = device_token(pid, app.config["SETTINGS"].token_pepper)
        db.commit_request()
    for back in range(9, 0, -1):
        day = today - timedelta(days=back)
        taken = back != 4
        body = {"taken": taken, "reason": "Paper diary transcribed at visit", "source_detail": "paper diary"}
        if taken:
            body["taken_at"] = datetime(
                day.year, day.month, day.day, 8, 30, tzinfo=ZoneInfo(TIMEZONE)
            ).isoformat()
        else:
            body["missed_reason"] = "forgot"
        answer = live_server.api("PUT", f"/participants/{pid}/doses/{day}", "coordinator_a", json=body)
        assert answer.status_code in (200, 201), answer.text
    # One reading a sitting on earlier days, then today's high sitting with its repeat.
    now = clock.now()
    sittings = [
        [(now - timedelta(days=8, hours=1), 132, 84)],
        [(now - timedelta(days=6, hours=2), 138, 88)],
        [(now - timedelta(days=3, hours=1), 148, 92)],
        [(now - timedelta(minutes=20), 166, 101), (now - timedelta(minutes=14), 162, 99)],
    ]
    for readings in sittings:
        sitting = str(uuid.uuid4())
        for measured_at, systolic, diastolic in readings:
            answer = live_server.api(
                "POST",
                "/me/bp-readings",
                "p4",
                json={
                    "client_id": str(uuid.uuid4()),
                    "sitting_id": sitting,
                    "systolic": systolic,
                    "diastolic": diastolic,
                    "pulse": 80,
                    "measured_at": measured_at.isoformat(),
                },
            )
            assert answer.status_code == 201, answer.text
    return pid
