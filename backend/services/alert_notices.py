"""Notices of alerts to the site: e-mail to its alert addresses and web push to its staff.

Queued in the outbox in the same transaction as the alert, so a notice exists exactly when the
alert does (and is sent after commit by the scheduler's delivery job). Site staff may see health
data in e-mail; the push payload stays free of it like every other push.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.i18n import text
from backend.models import Alert, Participant, PushSubscription, Site, StaffUser
from backend.services import outbox

STAFF_URL = "/site/#alerts"


def iso_utc(instant: datetime) -> str:
    """An instant as ISO 8601 in UTC with a ``Z``."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def enqueue_alert_notices(session: Session, alert: Alert, now: datetime, *, escalation: bool = False) -> int:
    """Queue the site's e-mail and the site staff's web pushes for ``alert`` (idempotent per recipient).

    An escalation goes again to the site address and every subscribed staff member, and also to
    each investigator of the site by e-mail.
    """
    site = session.get(Site, alert.site_id)
    participant = session.get(Participant, alert.participant_id)
    if site is None or participant is None:
        return 0
    prefix = "escalation" if escalation else "alert"
    base = current_app.config["SETTINGS"].public_base_url
    staff = list(
        session.scalars(select(StaffUser).where(StaffUser.site_id == site.id, StaffUser.is_active.is_(True)))
    )
    addresses = list(dict.fromkeys(site.alert_emails or []))
    if escalation:
        addresses += [u.email for u in staff if u.role == "investigator" and u.email not in addresses]
    label = "escalated urgent" if escalation else alert.severity
    subject = f"[Dosing Diary] {label} alert for participant {participant.study_id}"
    body = (
        f"{alert.title}\n\nParticipant: {participant.study_id}\nSeverity: {alert.severity}\n"
        f"Rule: {alert.rule_id}\nOpened: {iso_utc(alert.opened_at)}\n"
        + (
            f"Not acknowledged after {int((now - alert.opened_at).total_seconds() // 60)} minutes.\n"
            if escalation
            else ""
        )
        + f"\nOpen: {base}/site/#alerts/{alert.id}\n"
    )
    count = 0
    for address in addresses:
        mail = {
            "to": [address],
            "subject": subject,
            "body": body,
            "message_id": f"{prefix}-{alert.id}-{address}",
        }
        count += outbox.enqueue(
            session,
            f"{prefix}:{alert.id}:email:{address}",
            "email",
            address,
            mail,
            now,
            None,
            "normal",
            None,
            alert.id,
            now=now,
            priority=outbox.URGENT_EMAIL if alert.severity == "urgent" else outbox.ALERT_NOTICE,
        )
    urgent = alert.severity == "urgent"
    title_key = (
        "push.escalation.title"
        if escalation
        else ("push.alert.urgent_title" if urgent else "push.alert.title")
    )
    kind = "escalation" if escalation else "alert"
    message = {
        "kind": kind,
        "id": alert.id,
        "title": text("en", title_key),
        "body": text("en", f"push.{kind}.body"),
        "url": STAFF_URL,
        "due_at": iso_utc(now),
    }
    subs = session.scalars(
        select(PushSubscription).where(
            PushSubscription.staff_user_id.in_([u.id for u in staff]), PushSubscription.disabled_at.is_(None)
        )
    )
    for sub in subs:
        envelope = {
            "message": message,
            "ttl_until": iso_utc(now + timedelta(days=1)),
            "topic": f"{kind}-{alert.id}",
        }
        count += outbox.enqueue(
            session,
            f"{prefix}:{alert.id}:push:{sub.id}",
            "webpush",
            sub.staff_user_id or "",
            envelope,
            now,
            None,
            "high" if urgent else "normal",
            sub.id,
            alert.id,
            now=now,
        )
    return count
