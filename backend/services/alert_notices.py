"""Notices of alerts to the site: e-mail to its alert addresses and web push to its staff.

Queued in the outbox in the same transaction as the alert, so a notice exists exactly when the
alert does (and is sent after commit by the deliverer). Site staff may see health data in
e-mail; the push payload stays free of it like every other push. Two scheduler jobs live here:
:func:`enqueue_alert_deliveries` (a recent alert without any notice gets its notices) and
:func:`escalate` (an urgent alert not acknowledged in time is sent again, to investigators too).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, bindparam, exists, select, update
from sqlalchemy.orm import Session

from backend.db import UTCDateTime
from backend.domain.i18n import text
from backend.models import Alert, AlertStatus, Notification, Participant, PushSubscription, Site, StaffUser
from backend.services import outbox
from backend.services.context import context_of
from backend.services.plans import protocol_of

STAFF_URL = "/site/#alerts"
ALERT_LOOKBACK = timedelta(days=1)
ESCALATION_FLOOR = timedelta(minutes=1)  # no protocol escalates sooner; the probe's cheap bound


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
    staff = list(
        session.scalars(select(StaffUser).where(StaffUser.site_id == site.id, StaffUser.is_active.is_(True)))
    )
    addresses = list(dict.fromkeys(site.alert_emails or []))
    if escalation:
        addresses += [u.email for u in staff if u.role == "investigator" and u.email not in addresses]
    base = context_of(session).public_base_url
    count = _queue_emails(session, alert, participant, addresses, base, now, escalation)
    return count + _queue_pushes(session, alert, [u.id for u in staff], now, escalation)


def _email_text(
    alert: Alert, participant: Participant, public_base_url: str, now: datetime, escalation: bool
) -> tuple[str, str]:
    """The notice's subject and body (staff e-mail may carry the alert's title and rule)."""
    label = "escalated urgent" if escalation else alert.severity
    subject = f"[Dosing Diary] {label} alert for participant {participant.study_id}"
    waited = int((now - alert.opened_at).total_seconds() // 60)
    body = (
        f"{alert.title}\n\nParticipant: {participant.study_id}\nSeverity: {alert.severity}\n"
        f"Rule: {alert.rule_id}\nOpened: {iso_utc(alert.opened_at)}\n"
        + (f"Not acknowledged after {waited} minutes.\n" if escalation else "")
        + f"\nOpen: {public_base_url}/site/#alerts/{alert.id}\n"
    )
    return subject, body


def _queue_emails(
    session: Session,
    alert: Alert,
    participant: Participant,
    addresses: list[str],
    public_base_url: str,
    now: datetime,
    escalation: bool,
) -> int:
    """One e-mail per address, keyed by alert, kind of notice and address."""
    prefix = "escalation" if escalation else "alert"
    subject, body = _email_text(alert, participant, public_base_url, now, escalation)
    priority = outbox.URGENT_EMAIL if alert.severity == "urgent" else outbox.ALERT_NOTICE
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
            priority=priority,
        )
    return count


def _push_message(alert: Alert, now: datetime, escalation: bool) -> dict[str, Any]:
    """The staff push: which alert and how pressing, never the health data itself."""
    if escalation:
        title_key = "push.escalation.title"
    else:
        title_key = "push.alert.urgent_title" if alert.severity == "urgent" else "push.alert.title"
    kind = "escalation" if escalation else "alert"
    return {
        "kind": kind,
        "id": alert.id,
        "title": text("en", title_key),
        "body": text("en", f"push.{kind}.body"),
        "url": STAFF_URL,
        "due_at": iso_utc(now),
    }


def _queue_pushes(
    session: Session, alert: Alert, staff_ids: list[str], now: datetime, escalation: bool
) -> int:
    """One push per active subscription of the site's staff (high urgency for urgent alerts)."""
    prefix = "escalation" if escalation else "alert"
    message = _push_message(alert, now, escalation)
    envelope = {
        "message": message,
        "ttl_until": iso_utc(now + timedelta(days=1)),
        "topic": f"{message['kind']}-{alert.id}",
    }
    subs = session.scalars(
        select(PushSubscription).where(
            PushSubscription.staff_user_id.in_(staff_ids), PushSubscription.disabled_at.is_(None)
        )
    )
    count = 0
    for sub in subs:
        count += outbox.enqueue(
            session,
            f"{prefix}:{alert.id}:push:{sub.id}",
            "webpush",
            sub.staff_user_id or "",
            envelope,
            now,
            None,
            "high" if alert.severity == "urgent" else "normal",
            sub.id,
            alert.id,
            now=now,
        )
    return count


# --- the jobs, and the runner's probes built from their own conditions ----------------------


def _without_notice(since: datetime | Any, until: datetime | Any) -> ColumnElement[bool]:
    """Alerts opened in [since, until] that have no notice yet."""
    has_notice = select(Notification.id).where(Notification.alert_id == Alert.id).exists()
    return and_(Alert.opened_at >= since, Alert.opened_at <= until, ~has_notice)


def _escalation_candidates(opened_by: datetime | Any) -> ColumnElement[bool]:
    """Urgent alerts still open, never escalated, opened by ``opened_by``."""
    return and_(
        Alert.severity == "urgent",
        Alert.status == AlertStatus.OPEN,
        Alert.escalated_at.is_(None),
        Alert.opened_at <= opened_by,
    )


_NOW = bindparam("now", type_=UTCDateTime())
NEW_ALERTS_PROBE = exists().where(_without_notice(bindparam("alerts_since", type_=UTCDateTime()), _NOW))
ESCALATION_PROBE = exists().where(_escalation_candidates(bindparam("escalate_before", type_=UTCDateTime())))


def probe_params(now: datetime) -> dict[str, datetime]:
    """Values of the two probes' own bind parameters as of ``now``."""
    return {"alerts_since": now - ALERT_LOOKBACK, "escalate_before": now - ESCALATION_FLOOR}


def enqueue_alert_deliveries(session: Session, now: datetime) -> int:
    """The job: queue notices for every recent alert that has none yet."""
    alerts = list(session.scalars(select(Alert).where(_without_notice(now - ALERT_LOOKBACK, now))))
    return sum(enqueue_alert_notices(session, alert, now) for alert in alerts)


def escalate(session: Session, now: datetime) -> int:
    """The job: escalate urgent alerts still open after the protocol's escalation minutes; once each."""
    count = 0
    for alert in list(session.scalars(select(Alert).where(_escalation_candidates(now - ESCALATION_FLOOR)))):
        participant = session.get(Participant, alert.participant_id)
        minutes = protocol_of(participant).alerts.urgent_escalation_minutes if participant else 60
        if alert.opened_at > now - timedelta(minutes=minutes):
            continue
        result = session.execute(
            update(Alert)
            .where(and_(Alert.id == alert.id, Alert.escalated_at.is_(None)))
            .values(escalated_at=now)
        )
        won = cast("CursorResult[Any]", result).rowcount  # an UPDATE's result is a cursor's
        if won:
            count += enqueue_alert_notices(session, alert, now, escalation=True)
    return count
