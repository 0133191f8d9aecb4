"""Demo data for a newcomer's first ``make run``: a site, staff and two participants."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.localtime import local_date
from backend.models import Participant, Site, StaffUser
from backend.security import hash_password
from backend.services import activation, participants, sites
from backend.services.actors import SYSTEM, Actor
from backend.services.auth import staff_actor

DEMO_SITE: dict[str, Any] = {
    "name": "Demo Hospital (Shenyang)",
    "code": "DEMO",
    "timezone": "Asia/Shanghai",
    "alert_emails": ["demo-site-alerts@example.org"],
    # fictitious numbers: a real site enters its own (PATCH /api/v1/sites/{id})
    "phone_day": "+862400000001",
    "phone_night": "+862400000002",
}
DEMO_STAFF = [
    ("coordinator@demo.example.org", "Demo Coordinator", "coordinator"),
    ("investigator@demo.example.org", "Demo Investigator", "investigator"),
    ("monitor@demo.example.org", "Demo Monitor", "monitor"),
]
DEMO_PARTICIPANTS = [("01-001", "zh-CN", "Asia/Shanghai", 9), ("01-002", "en", "Europe/London", 3)]


def seed_demo(session: Session, *, pepper: str, now: datetime) -> list[str]:
    """Create (or refresh) the demo data; returns the lines to print, credentials included.

    Run again, it keeps the records, sets new passwords and issues new activation codes,
    so the printed credentials always work.
    """
    lines: list[str] = []
    site = session.scalar(select(Site).where(Site.code == DEMO_SITE["code"]))
    if site is None:
        site = sites.create_site(session, _admin(session, now), now=now, **DEMO_SITE)
    lines.append(f"site      {site.name} ({site.code}, {site.timezone})  id {site.id}")
    coordinator = None
    for email, name, role in DEMO_STAFF:
        password = secrets.token_urlsafe(12)
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        if user is None:
            user = sites.create_staff(
                session,
                SYSTEM,
                email=email,
                name=name,
                role=role,
                site_id=site.id if role != "monitor" else None,
                password=password,
                now=now,
            )
        else:
            user.password_hash = hash_password(password)
        lines.append(f"{role:<12}{email}  password {password}")
        if role == "coordinator":
            coordinator = user
    assert coordinator is not None
    actor = staff_actor(coordinator)
    for study_id, language, zone, days_in in DEMO_PARTICIPANTS:
        participant = session.scalar(
            select(Participant).where(Participant.site_id == site.id, Participant.study_id == study_id)
        )
        if participant is None:
            participant = participants.enrol(
                session,
                actor,
                study_id=study_id,
                site_id=site.id,
                timezone=zone,
                language=language,
                c1d1=local_date(now, zone) - timedelta(days=days_in),
                reminder_time=time(8, 0),
                now=now,
            )
        code, row = activation.issue_code(session, actor, participant.id, pepper=pepper, now=now)
        lines.append(
            f"participant {study_id} ({language}, {zone})  activation code {code}  "
            f"(valid until {row.expires_at:%Y-%m-%d %H:%M} UTC)"
        )
    return lines


def _admin(session: Session, now: datetime) -> Actor:
    """A system admin actor for creating the demo site."""
    return Actor(kind="system", id="seed-demo", label="seed-demo", role="admin")
