"""Response metrics per site: time to acknowledge and resolve per severity, share within targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from backend.db import db
from backend.domain.findings import make_finding
from backend.models import Participant
from backend.services.alerts import raise_finding
from backend.services.response_metrics import add_working_days
from tests.factories import staff_token

OPENED = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # Tuesday 14:00 in Shanghai (site A)
NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # Wednesday 15:00 in Shanghai


def _raise(app, world, who, rule):  # type: ignore[no-untyped-def]
    finding = make_finding(rule, {}, None)
    with time_machine.travel(OPENED, tick=False), app.app_context(), db.session_scope() as session:
        participant = session.get(Participant, world.participants[who])
        alert, _ = raise_finding(session, participant, finding, evidence_item={}, advice_shown=[], now=OPENED)
        return alert.id


def _act(app, client, world, alert_id, action, acted_at):  # type: ignore[no-untyped-def]
    with time_machine.travel(acted_at, tick=False):
        with app.test_request_context():
            token = staff_token(world.staff["coordinator_a"], app.config["SETTINGS"].token_pepper)
            db.commit_request()
        r = client.post(
            f"/api/v1/alerts/{alert_id}/{action}",
            json={"note": "called the patient"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200, r.json


def _metrics(app, client, world, query="", who="coordinator_a"):  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        with app.test_request_context():
            token = staff_token(world.staff[who], app.config["SETTINGS"].token_pepper)
            db.commit_request()
        site = world.sites["a"]
        return client.get(
            f"/api/v1/sites/{site}/response-metrics?from=2026-11-24&to=2026-11-25{query}",
            headers={"Authorization": f"Bearer {token}"},
        )


def test_median_p90_and_share_within_targets_per_severity(app, client, world):
    u1 = _raise(app, world, "p1", "SYM-FEVER")
    u2 = _raise(app, world, "p2", "BP-CRISIS")
    r1 = _raise(app, world, "p1", "BP-PERSISTENT-G2")
    _raise(app, world, "p2", "SYM-EYE")  # review, never acknowledged
    _act(app, client, world, u1, "acknowledge", OPENED + timedelta(minutes=30))
    _act(app, client, world, u1, "resolve", OPENED + timedelta(minutes=120))
    _act(app, client, world, u2, "acknowledge", OPENED + timedelta(minutes=90))
    _act(app, client, world, r1, "acknowledge", OPENED + timedelta(hours=23))  # Wed 13:00 local
    r = _metrics(app, client, world)
    assert r.status_code == 200, r.json
    body = r.json
    assert body["targets"] == {"urgent_ack_minutes": 60, "review_ack_working_days": 1, "resolve_hours": 48}
    urgent, review = body["severities"]["urgent"], body["severities"]["review"]
    assert urgent["alerts"] == 2
    assert urgent["acknowledge"] == {"count": 2, "median_minutes": 60.0, "p90_minutes": 90.0}
    assert urgent["acknowledged_within_target"] == {"met": 1, "missed": 1, "pending": 0, "share": 0.5}
    assert urgent["resolve"] == {"count": 1, "median_minutes": 120.0, "p90_minutes": 120.0}
    # u2 is unresolved but its 48 h have not passed yet: pending, not missed.
    assert urgent["resolved_within_target"] == {"met": 1, "missed": 0, "pending": 1, "share": 1.0}
    assert review["acknowledge"] == {"count": 1, "median_minutes": 1380.0, "p90_minutes": 1380.0}
    # r1 within one working day (deadline Wed 14:00 local); the eye alert missed it (now Wed 15:00).
    assert review["acknowledged_within_target"] == {"met": 1, "missed": 1, "pending": 0, "share": 0.5}
    assert body["severities"]["info"]["alerts"] == 0
    relaxed = _metrics(app, client, world, "&urgent_ack_minutes=120").json
    assert relaxed["severities"]["urgent"]["acknowledged_within_target"]["share"] == 1.0


def test_metrics_are_scoped_and_validated(app, client, world):
    assert _metrics(app, client, world, who="coordinator_b").status_code == 404
    assert _metrics(app, client, world, "&urgent_ack_minutes=0").status_code == 422
    with time_machine.travel(NOW, tick=False):
        r = client.get(f"/api/v1/sites/{world.sites['a']}/response-metrics?from=2026-11-24&to=2026-11-25")
    assert r.status_code == 401


def test_one_working_day_skips_the_weekend_in_the_sites_zone():
    shanghai = ZoneInfo("Asia/Shanghai")
    friday = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # Friday 10:00 in Shanghai
    assert add_working_days(friday, 1, shanghai) == datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday
    saturday = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    assert add_working_days(saturday, 1, shanghai) == datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    # Thursday 23:30 UTC is already Friday 07:30 in Shanghai: the next working day is Monday there.
    assert add_working_days(datetime(2026, 11, 26, 23, 30, tzinfo=UTC), 1, shanghai).weekday() == 6


def test_an_implausible_period_is_a_422_not_a_500(client, world):
    """The period's dates are bounded like every date of the API (0001-01-01 overflowed in the query)."""
    site = world.sites["a"]
    for period in (
        "from=0001-01-01&to=0001-01-02",
        "from=9999-12-30&to=9999-12-31",
        "from=20261124&to=20261125",
    ):
        r = client.get(
            f"/api/v1/sites/{site}/response-metrics?{period}", headers=world.headers("coordinator_a")
        )
        assert r.status_code == 422, (period, r.status_code)
    r = client.get(
        f"/api/v1/participants/{world.participants['p1']}/reminders?from=0001-01-01&to=0001-01-02",
        headers=world.headers("coordinator_a"),
    )
    assert r.status_code == 422
