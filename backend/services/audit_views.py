"""Audit events as people read them: who acted, by name, not ``device:8c71…`` or an e-mail.

Staff appear as their name and role, a participant's device as the participant's study id and
the device's label, the scheduler and other system actors as "system". Two queries for a page
of events (staff names, devices), never one per event.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import AuditEvent, Device, Participant, StaffUser


def actor_names(session: Session, events: list[AuditEvent], participant: Participant) -> list[str]:
    """For each event, its actor in words (the events belong to ``participant``'s trail)."""
    staff_ids = {e.actor_id for e in events if e.actor_type == "staff"}
    device_ids = {e.actor_id for e in events if e.actor_type == "device"}
    staff: dict[str, tuple[str, str]] = {}
    if staff_ids:
        rows = session.execute(
            select(StaffUser.id, StaffUser.name, StaffUser.role).where(StaffUser.id.in_(staff_ids))
        )
        staff = {user_id: (name, role) for user_id, name, role in rows}
    devices: dict[str, Any] = {}
    if device_ids:
        devices = dict(
            session.execute(select(Device.id, Device.label).where(Device.id.in_(device_ids))).all()
        )
    names = []
    for event in events:
        if event.actor_type == "staff" and event.actor_id in staff:
            name, role = staff[event.actor_id]
            names.append(f"{name} ({role})")
        elif event.actor_type == "device":
            label = devices.get(event.actor_id) or "phone"
            names.append(f"{participant.study_id} ({label})")
        else:
            names.append(event.actor_label or event.actor_type)
    return names
