"""Alerts as staff read them: the participant's study id, the names of who acknowledged and
resolved, and the evidence in words (:mod:`backend.domain.alert_text`) in the reader's language.

Kept apart from :mod:`backend.services.alerts` (which changes alerts) because this only reads:
two queries for any number of alerts (participants, staff names), never one per alert.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.alert_text import describe
from backend.models import Alert, Participant, StaffUser
from backend.services.symptom_reports import questionnaire_for


def staff_names(session: Session, user_ids: set[str]) -> dict[str, str]:
    """staff user id -> display name, for the ids given (one query)."""
    ids = {user_id for user_id in user_ids if user_id}
    if not ids:
        return {}
    return dict(session.execute(select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids))).all())


def alert_views(session: Session, rows: list[Alert], language: str) -> list[dict[str, Any]]:
    """Each alert's columns plus ``study_id``, ``participant_timezone``, the acting staff's
    names and ``text`` (title, evidence lines, published source) in ``language``."""
    participant_ids = {alert.participant_id for alert in rows}
    people = (
        {p.id: p for p in session.scalars(select(Participant).where(Participant.id.in_(participant_ids)))}
        if participant_ids
        else {}
    )
    names = staff_names(
        session, {a.acknowledged_by or "" for a in rows} | {a.resolved_by or "" for a in rows}
    )
    views = []
    for alert in rows:
        participant = people.get(alert.participant_id)
        timezone = participant.timezone if participant else "UTC"
        described = describe(
            alert.rule_id,
            alert.source,
            alert.evidence or [],
            language=language,
            timezone=timezone,
            questionnaire=questionnaire_for(participant) if participant else None,
        )
        views.append(
            {
                "study_id": participant.study_id if participant else "",
                "participant_timezone": timezone,
                "acknowledged_by_name": names.get(alert.acknowledged_by or ""),
                "resolved_by_name": names.get(alert.resolved_by or ""),
                "text": asdict(described),
            }
        )
    return views
