"""Sites and staff accounts (admin work)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Site, StaffUser
from backend.models.sites import ROLES, SITE_ROLES
from backend.security import hash_password
from backend.services import audit
from backend.services.actors import Actor
from backend.services.errors import Invalid, NotFound
from backend.services.locks import add_unique, conflict
from backend.services.scope import READ_ROLES, WRITE_ROLES, require_role


def create_site(
    session: Session,
    actor: Actor,
    *,
    name: str,
    code: str,
    timezone: str,
    alert_emails: list[str],
    now: datetime,
    phone_day: str | None = None,
    phone_night: str | None = None,
) -> Site:
    """Create a site; the code is unique."""
    require_role(actor, ("admin",))
    taken = f"a site with code {code!r} exists already"
    if session.scalar(select(Site).where(Site.code == code)) is not None:
        raise conflict("code", taken)
    site = Site(
        name=name,
        code=code,
        timezone=timezone,
        alert_emails=alert_emails,
        phone_day=phone_day,
        phone_night=phone_night,
        created_at=now,
    )
    add_unique(session, site, field="code", message=taken)  # the same code created at the same time
    audit.record(
        session, actor, "site.create", "site", site.id, now=now, after=audit.snapshot(site), site_id=site.id
    )
    return site


EDITABLE = ("name", "alert_emails", "phone_day", "phone_night")


def update_site(
    session: Session, actor: Actor, site_id: str, *, reason: str, now: datetime, **changes: Any
) -> Site:
    """Change a site's editable fields with a reason; audited as ``site.update`` (old and new).

    Admins may change any site; coordinators and investigators only their own (another site's
    id is a 404, never a 403). The phone numbers are what patients are told to call.
    """
    require_role(actor, ("admin", *WRITE_ROLES))
    site = session.get(Site, site_id)
    if site is None or (actor.role != "admin" and actor.site_id != site.id):
        raise NotFound("site not found")
    before = audit.snapshot(site)
    for name in EDITABLE:
        if name in changes:
            setattr(site, name, changes[name])
    audit.record_change(
        session, actor, "site.update", "site", site, before, now=now, reason=reason, site_id=site.id
    )
    return site


def list_sites(session: Session, actor: Actor) -> list[Site]:
    """Sites the caller may see."""
    require_role(actor, (*READ_ROLES, "admin"))
    stmt = select(Site).order_by(Site.code)
    if not actor.sees_all_sites:
        stmt = stmt.where(Site.id == actor.site_id)
    return list(session.scalars(stmt))


def create_staff(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    role: str,
    site_id: str | None,
    password: str,
    now: datetime,
) -> StaffUser:
    """Create a staff account; site roles need a site, monitors and admins must not have one."""
    if actor.kind != "system":
        require_role(actor, ("admin",))
    site_id = site_id or None
    if role not in ROLES:
        raise Invalid({"role": f"must be one of {', '.join(ROLES)}"})
    if role in SITE_ROLES and not site_id:
        raise Invalid({"site_id": f"required for the {role} role"})
    if role not in SITE_ROLES and site_id:
        raise Invalid({"site_id": f"a {role} is not tied to a site"})
    if site_id and session.get(Site, site_id) is None:
        raise Invalid({"site_id": "no such site"})
    email = email.strip().lower()
    taken = "a staff account with this e-mail exists already"
    if session.scalar(select(StaffUser).where(StaffUser.email == email)) is not None:
        raise conflict("email", taken)
    user = StaffUser(
        email=email,
        name=name,
        role=role,
        site_id=site_id,
        password_hash=hash_password(password),
        is_active=True,
        created_at=now,
    )
    add_unique(session, user, field="email", message=taken)
    audit.record(
        session,
        actor,
        "staff.create",
        "staff_user",
        user.id,
        now=now,
        after=audit.snapshot(user),
        site_id=site_id,
    )
    return user


def list_staff(session: Session, actor: Actor) -> list[StaffUser]:
    """All staff accounts (admin only)."""
    require_role(actor, ("admin",))
    return list(session.scalars(select(StaffUser).order_by(StaffUser.email)))
