"""Factories: realistic sites, staff, participants and tokens, built through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from flask import Flask

from backend import clock
from backend.db import db
from backend.security import new_token, token_digest
from backend.services import activation, participants, sites
from backend.services.actors import Actor
from backend.services.auth import staff_actor

ADMIN = Actor(kind="system", id="factory", label="factory", role="admin")
PASSWORD = "correct horse battery staple"


@dataclass
class World:
    """Ids and bearer tokens for a two-site trial."""

    app: Flask
    sites: dict[str, str] = field(default_factory=dict)
    staff: dict[str, str] = field(default_factory=dict)  # name -> user id
    tokens: dict[str, str] = field(default_factory=dict)  # name -> bearer token
    participants: dict[str, str] = field(default_factory=dict)  # name -> participant id

    def headers(self, who: str) -> dict[str, str]:
        """Authorization header for ``who`` (a key of ``tokens``)."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def staff_token(user_id: str, pepper: str) -> str:
    """Issue a bearer token for a staff user without a password round-trip (argon2 is slow)."""
    from datetime import timedelta

    from backend.models import StaffToken

    token = new_token("st_")
    now = clock.now()
    db.session.add(
        StaffToken(
            user_id=user_id,
            token_hash=token_digest(pepper, token),
            created_at=now,
            expires_at=now + timedelta(hours=12),
        )
    )
    return token


def device_token(participant_id: str, pepper: str) -> str:
    """Activate a device for the participant through the real activation flow."""
    session = db.session
    from backend.models import Participant

    site_id = session.get(Participant, participant_id).site_id
    site_actor = Actor(kind="staff", id="factory", label="factory", role="coordinator", site_id=site_id)
    code, _ = activation.issue_code(session, site_actor, participant_id, pepper=pepper, now=clock.now())
    token, _device, _p = activation.activate(
        session, code, label="test phone", user_agent="pytest", pepper=pepper, now=clock.now()
    )
    return token


def enrol(
    world: World,
    name: str,
    site: str,
    *,
    study_id: str,
    tz: str = "Asia/Shanghai",
    c1d1: date | None = None,
    language: str = "zh-CN",
    reminder: time = time(8, 0),
) -> str:
    """Enrol a participant at ``site`` as that site's coordinator; returns the id."""
    coordinator = db.session.get(
        __import__("backend.models", fromlist=["StaffUser"]).StaffUser, world.staff[f"coordinator_{site}"]
    )
    participant = participants.enrol(
        db.session,
        staff_actor(coordinator),
        study_id=study_id,
        site_id=world.sites[site],
        timezone=tz,
        language=language,
        c1d1=c1d1 or clock.now().date(),
        reminder_time=reminder,
        now=clock.now(),
    )
    world.participants[name] = participant.id
    return participant.id


def build_world(app: Flask) -> World:
    """Site A (Asia/Shanghai) and site B (Europe/London) with every role; patients p1, p2 at A, p3 at B."""
    world = World(app=app)
    pepper = app.config["SETTINGS"].token_pepper
    with app.test_request_context():
        now = clock.now()
        for key, zone in (("a", "Asia/Shanghai"), ("b", "Europe/London")):
            site = sites.create_site(
                db.session,
                ADMIN,
                name=f"Site {key.upper()}",
                code=f"S{key.upper()}",
                timezone=zone,
                alert_emails=[f"alerts-{key}@site.example.org"],
                now=now,
            )
            world.sites[key] = site.id
        people = [("admin", "admin", None), ("monitor", "monitor", None)]
        for key in ("a", "b"):
            people += [
                (f"coordinator_{key}", "coordinator", key),
                (f"investigator_{key}", "investigator", key),
            ]
        for name, role, site_key in people:
            user = sites.create_staff(
                db.session,
                ADMIN,
                email=f"{name}@example.org",
                name=name,
                role=role,
                site_id=world.sites[site_key] if site_key else None,
                password=PASSWORD,
                now=now,
            )
            world.staff[name] = user.id
            world.tokens[name] = staff_token(user.id, pepper)
        enrol(world, "p1", "a", study_id="01-001")
        enrol(world, "p2", "a", study_id="01-002", language="en")
        enrol(world, "p3", "b", study_id="02-001", tz="Europe/London", language="en")
        for name in ("p1", "p2", "p3"):
            world.tokens[name] = device_token(world.participants[name], pepper)
        db.commit_request()
    return world
