"""The patient app over a weak mobile link: first load, repeat load (service worker) and offline.

What one run does (see bench/README.md):

1. creates a temporary SQLite instance, migrates it and seeds the demo study (``seed-demo``: the
   same code as ``make run``), and serves the product with werkzeug in a thread, behind a WSGI
   wrapper that counts every byte the server sends (status line, headers and body), so requests
   made by the service worker count too;
2. in Debian's Chromium (Playwright), activates a 360 px phone with a demo participant's code on
   an unthrottled link (activation is not part of the budget), then, with Chromium's network
   emulation (CDP ``Network.emulateNetworkConditions``: ``--kbps`` down and up, ``--rtt`` ms):
   - **first load**: HTTP cache, service worker and its caches cleared (the phone keeps only its
     device token), then the app opened: everything over the weak link;
   - **repeat load**: the app opened again with the service worker in control and its cache warm;
   - **offline**: the same with the network off;
   each time measuring the bytes the server sent and the time from navigation start until the
   Today screen is usable (its statement of the day and its dose section's button shown, the
   navigation rendered);
3. prints the numbers against the budget (first load <= 150 kB and <= 4 s, repeat <= 1 s), writes
   them as JSON to ``bench/results/`` and exits 0 when the budget is met, 1 otherwise.

Run: ``.venv/bin/python bench/pwa_load.py [--kbps 400 --rtt 400 --runs 3]``
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
CHROMIUM = "/usr/bin/chromium"
BUDGET = {"first_kb": 150, "first_s": 4.0, "repeat_s": 1.0}
# Today is usable when its one statement of the day, its dose section (the form, or the button
# that opens it) and the navigation are on screen.
USABLE_SELECTORS = (".day-statement", ".dose-section button", "#nav a")


class ByteCounter:
    """WSGI middleware: the bytes of every response (status line, headers, body) since ``reset``."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.sent = 0
        self.requests: list[tuple[str, int]] = []

    def reset(self) -> None:
        with self.lock:
            self.sent = 0
            self.requests = []

    def __call__(self, environ: dict, start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        counted = {"head": 0}

        def counting_start(status: str, headers: list, exc_info: Any = None) -> Any:
            counted["head"] = (
                len(f"HTTP/1.1 {status}\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in headers) + 2
            )
            return start_response(status, headers, exc_info)

        body = self.app(environ, counting_start)
        size = 0
        try:
            for chunk in body:
                size += len(chunk)
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()
            with self.lock:
                self.sent += counted["head"] + size
                self.requests.append((path, counted["head"] + size))


def start_server(instance: Path) -> tuple[str, ByteCounter, Any, list[str]]:
    """Migrate and seed a SQLite instance, serve it in a thread: (url, counter, server, codes)."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request drowns the numbers

    from backend import clock, create_app
    from backend.db import db
    from backend.services import ops
    from backend.services.seed import seed_demo

    url = f"sqlite:///{instance / 'bench.db'}"
    ops.upgrade(url)
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "RATELIMIT_ENABLED": "0"}
    app = create_app({"ENV": env})
    with app.app_context(), db.session_scope() as session:
        lines = seed_demo(session, pepper=app.config["SETTINGS"].token_pepper, now=clock.now())
    codes = [m.group(1) for line in lines if (m := re.search(r"activation code (\S+)", line))]
    counter = ByteCounter(app.wsgi_app)
    app.wsgi_app = counter  # type: ignore[method-assign]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", counter, server, codes


def wait_usable(page: Any) -> float:
    """Seconds from navigation start until Today is usable (the day's statement and the nav shown)."""
    for selector in USABLE_SELECTORS:
        page.wait_for_selector(selector, state="visible", timeout=60_000)
    return page.evaluate("performance.now()") / 1000


def wait_controlled(page: Any, timeout_s: float) -> None:
    """Wait until the service worker controls the page. Polled from here: the page's CSP forbids
    the string evaluation ``page.wait_for_function`` polls with in the page."""
    import time

    deadline = time.monotonic() + timeout_s  # real clock: a bench timeout, not product time
    while not page.evaluate("navigator.serviceWorker.controller !== null"):
        if time.monotonic() > deadline:
            raise TimeoutError("the service worker never took control of the page")
        page.wait_for_timeout(100)


def throttle(cdp: Any, kbps: int, rtt_ms: int) -> None:
    """Chromium's network emulation: ``kbps`` kilobit/s each way and ``rtt_ms`` of round-trip latency."""
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": rtt_ms,
            "downloadThroughput": kbps * 1000 / 8,
            "uploadThroughput": kbps * 1000 / 8,
        },
    )


def forget_the_app(page: Any, cdp: Any) -> None:
    """Clear the HTTP cache, the service worker and its caches, and the copies of /me and
    /me/today the app keeps in IndexedDB (so the first load fetches them over the link); keep
    the device token."""
    page.evaluate(
        """async () => {
          const registrations = await navigator.serviceWorker.getRegistrations();
          for (const registration of registrations) await registration.unregister();
          for (const name of await caches.keys()) await caches.delete(name);
          const db = await new Promise((resolve, reject) => {
            const request = indexedDB.open('dosing-diary');
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
          });
          await new Promise((resolve, reject) => {
            const transaction = db.transaction('kv', 'readwrite');
            transaction.objectStore('kv').delete('today');
            transaction.objectStore('kv').delete('participant');
            transaction.oncomplete = resolve;
            transaction.onerror = () => reject(transaction.error);
          });
          db.close();
        }"""
    )
    cdp.send("Network.clearBrowserCache")


def one_run(browser: Any, url: str, counter: ByteCounter, code: str, kbps: int, rtt: int) -> dict[str, Any]:
    """Activate, then measure first load, repeat load and offline load; returns the numbers."""
    context = browser.new_context(  # the phone is where demo patient 01-001 lives
        viewport={"width": 360, "height": 780},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        service_workers="allow",
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    page.goto(url + "/")
    page.get_by_label("激活码").fill(code)
    page.get_by_role("button", name="连接").click()
    wait_usable(page)
    wait_controlled(page, 60)

    result: dict[str, Any] = {}
    forget_the_app(page, cdp)
    page.goto(url + "/app/icons/icon-192.png")  # off the app, so the next load starts from nothing
    throttle(cdp, kbps, rtt)
    counter.reset()
    page.goto(url + "/#today")
    result["first_s"] = wait_usable(page)
    # Let the service worker finish caching the shell: its bytes belong to the first visit.
    wait_controlled(page, 120)
    page.wait_for_timeout(500)
    result["first_kb"] = counter.sent / 1000
    result["first_requests"] = len(counter.requests)

    counter.reset()
    page.reload()
    result["repeat_s"] = wait_usable(page)
    page.wait_for_timeout(200)
    result["repeat_kb"] = counter.sent / 1000
    result["repeat_requests"] = [path for path, _ in counter.requests]

    # Playwright's offline switch, with the throttling lifted (CDP's own "offline" emulation also
    # fails requests the service worker answers from its cache, which a phone without signal
    # does not; and this session's throttling would override Playwright's switch).
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    context.set_offline(True)
    counter.reset()
    page.reload()
    result["offline_s"] = wait_usable(page)
    result["offline_kb"] = counter.sent / 1000
    context.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kbps", type=int, default=400, help="link speed each way, kilobit/s")
    parser.add_argument("--rtt", type=int, default=400, help="round-trip latency, ms")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="dd-pwa-") as tmp:
        url, counter, server, codes = start_server(Path(tmp))
        runs = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
                )
                for index in range(args.runs):
                    if index:  # a fresh code for the same participant (seed-demo issues new ones)
                        codes = reissue(server)
                    runs.append(one_run(browser, url, counter, codes[0], args.kbps, args.rtt))
                browser.close()
        finally:
            server.shutdown()
    return report(runs, args)


def reissue(server: Any) -> list[str]:
    """New activation codes for the demo participants (the previous ones were used)."""
    from backend import clock
    from backend.db import db
    from backend.services.seed import seed_demo

    app = server.app
    with app.app_context(), db.session_scope() as session:
        lines = seed_demo(session, pepper=app.config["SETTINGS"].token_pepper, now=clock.now())
    return [m.group(1) for line in lines if (m := re.search(r"activation code (\S+)", line))]


def report(runs: list[dict[str, Any]], args: argparse.Namespace) -> int:
    """Print the medians against the budget, write the JSON; 0 when the budget is met."""
    median = {
        key: statistics.median(run[key] for run in runs) for key in runs[0] if key.endswith(("_s", "_kb"))
    }
    print(f"patient app, 360 px, {args.kbps} kbit/s each way, {args.rtt} ms RTT, {len(runs)} runs (medians)")
    print(
        f"  first load   {median['first_kb']:7.1f} kB  usable after {median['first_s']:.2f} s"
        f"   (budget {BUDGET['first_kb']} kB, {BUDGET['first_s']} s; {runs[0]['first_requests']} requests)"
    )
    print(
        f"  repeat load  {median['repeat_kb']:7.1f} kB  usable after {median['repeat_s']:.2f} s"
        f"   (budget {BUDGET['repeat_s']} s; network: {', '.join(runs[0]['repeat_requests'])})"
    )
    print(f"  offline      {median['offline_kb']:7.1f} kB  usable after {median['offline_s']:.2f} s")
    met = (
        median["first_kb"] <= BUDGET["first_kb"]
        and median["first_s"] <= BUDGET["first_s"]
        and median["repeat_s"] <= BUDGET["repeat_s"]
    )
    print("budget met" if met else "budget NOT met")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"pwa_load-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(
        json.dumps({"args": vars(args), "budget": BUDGET, "median": median, "runs": runs}, indent=1)
    )
    print(f"written to {path.relative_to(ROOT)}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
