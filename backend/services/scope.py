"""What a caller may see: every lookup of a site-owned record goes through here.

Ids outside the caller's scope raise :class:`NotFound` (404, never 403) so that existence
never leaks; a role that may not do something at all raises :class:`Forbidden`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from backend.models import Participant, Site
from backend.services.actors import Actor
from backend.services.errors import Forbidden, NotFound

READ_ROLES = ("coordinator", "investigator", "monitor")
WRITE_ROLES = ("coordinator", "investigator")
INVESTIGATOR_ROLES = ("investigator",)


def require_role(actor: Actor, roles: tuple[str, ...]) -> None:
    """Raise Forbidden unless the staff actor has one of ``roles``."""
    if actor.kind == "system":
        return
    if not actor.is_staff or actor.role not in roles:
        raise Forbidden("your role may not do this")


def scope_participants(stmt: Select[Any], actor: Actor) -> Select[Any]:
    """Restrict a participant query to what ``actor`` may see."""
    if actor.kind == "device":
        return stmt.where(Participant.id == actor.participant_id)
    if actor.sees_all_sites:
        return stmt
    return stmt.where(Participant.site_id == actor.site_id)


def get_participant(session: Session, actor: Actor, participant_id: str) -> Participant:
    """The participant if ``actor`` may see them, else NotFound."""
    participant = session.get(Participant, participant_id)
    if participant is None or not can_see_site(actor, participant.site_id):
        raise NotFound("participant not found")
    if actor.kind == "device" and participant.id != actor.participant_id:
        raise NotFound("participant not found")
    return participant


def can_see_site(actor: Actor, site_id: str) -> bool:
    """True when ``actor`` may see records of ``site_id``."""
    if actor.kind == "device":
        return True  # device scoping is by participant, checked by the caller
    return actor.sees_all_sites or actor.site_id == site_id


def get_site(session: Session, actor: Actor, site_id: str) -> Site:
    """The site if ``actor`` may see it, else NotFound."""
    site = session.get(Site, site_id)
    if site is None or actor.kind == "device" or not can_see_site(actor, site.id):
        raise NotFound("site not found")
    return site
