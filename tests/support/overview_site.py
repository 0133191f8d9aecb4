"""Site A with 40 participants in known states today (the suite's clock: Tuesday 24 November
2026, 14:00 in Asia/Shanghai), built through the services as the site would build it.

p1 and p2 (from the world) start today: cycle 1 day 1, pending. The 38 others, by group:
taken today (C1 D4), pending today with yesterday taken (C1 D6), not reported yesterday
(C1 D7, nothing logged), in the break (C1 D17) and on hold since yesterday (C1 D5).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from backend import clock
from backend.db import db
from backend.domain.localtime import local_date
from backend.models import StaffUser
from backend.services import diary, treatment
from backend.services.auth import staff_actor
from tests.factories import World, enrol

ZONE = "Asia/Shanghai"
# group -> (how many, C1D1 days before today, expected today's status, expected yesterday's)
GROUPS = {
    "taken": (8, 3, "taken", "not_reported"),
    "pending": (8, 5, "pending", "taken"),
    "missed": (8, 6, "pending", "not_reported"),
    "break": (7, 16, "break", "break"),
    "hold": (7, 4, "hold", "hold"),
}


def _taken(actor, pid: str, day, *, taken: bool = True) -> None:  # type: ignore[no-untyped-def]
    body = {"taken": taken}
    if taken:
        body["taken_at"] = datetime(day.year, day.month, day.day, 8, 30, tzinfo=ZoneInfo(ZONE))
    else:
        body["missed_reason"] = "forgot"
    diary.put_site_dose(
        db.session, actor, pid, day, body, reason="phone call", source_detail="phone call", now=clock.now()
    )


def build_overview_site(world: World) -> dict[str, str]:
    """Enrol the 38; returns study id -> expected today's status (all 40). Needs a request context."""
    today = local_date(clock.now(), ZONE)
    coordinator = staff_actor(db.session.get(StaffUser, world.staff["coordinator_a"]))
    investigator = staff_actor(db.session.get(StaffUser, world.staff["investigator_a"]))
    expected = {"01-001": "pending", "01-002": "pending"}
    number = 100
    for group, (count, back, status, _yesterday) in GROUPS.items():
        for _ in range(count):
            number += 1
            study_id = f"01-{number:03d}"
            pid = enrol(
                world, f"o{number}", "a", study_id=study_id, c1d1=today - timedelta(days=back), language="en"
            )
            expected[study_id] = status
            if group == "taken":
                _taken(coordinator, pid, today)
            elif group == "pending":
                _taken(coordinator, pid, today - timedelta(days=1))
            elif group == "hold":
                treatment.add_hold(
                    db.session,
                    investigator,
                    pid,
                    start_date=today - timedelta(days=1),
                    end_date=None,
                    reason="grade 3 hypertension",
                    now=clock.now(),
                )
    db.commit_request()
    return expected
