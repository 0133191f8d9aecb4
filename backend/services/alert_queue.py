"""The site's alert queue as staff work it: listing (most pressing first), reading, acknowledging,
recording the team's decision and resolving; every step audited, each change of status once.

Alerts are raised by :mod:`backend.services.alerts` (the episode rule); this module is what
happens to them afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from backend.domain.findings import SEVERITIES
from backend.models import Alert, AlertStatus
from backend.services import audit, team_waits
from backend.services.actors import Actor
from backend.services.errors import Conflict, NotFound
from backend.services.paging import Order, Page, keyset_page
from backend.services.scope import READ_ROLES, WRITE_ROLES, can_see_site, require_role


def list_alerts(
    session: Session,
    actor: Actor,
    *,
    status: list[str] | None = None,
    severity: str | None = None,
    site_id: str | None = None,
    participant_id: str | None = None,
    rule_id: str | None = None,
    after: Sequence[Any] | None = None,
    limit: int | None = None,
) -> Page:
    """The caller's alert queue: urgent first, then review, then info; oldest first within each."""
    require_role(actor, READ_ROLES)
    rank = case({sev: i for i, sev in enumerate(SEVERITIES)}, value=Alert.severity, else_=len(SEVERITIES))
    order = (Order(rank), Order(Alert.opened_at), Order(Alert.id))
    stmt = select(Alert)
    if not actor.sees_all_sites:
        stmt = stmt.where(Alert.site_id == actor.site_id)
    if status:
        stmt = stmt.where(Alert.status.in_(status))
    if rule_id:
        stmt = stmt.where(Alert.rule_id == rule_id)
    if severity:
        stmt = stmt.where(Alert.severity == severity)
    if site_id:
        stmt = stmt.where(Alert.site_id == site_id)
    if participant_id:
        stmt = stmt.where(Alert.participant_id == participant_id)
    return keyset_page(session, stmt, order, _queue_key, after=after, limit=limit)


def _queue_key(alert: Alert) -> tuple[Any, ...]:
    """An alert's position in the queue: severity rank, opened at, id."""
    rank = SEVERITIES.index(alert.severity) if alert.severity in SEVERITIES else len(SEVERITIES)
    return (rank, alert.opened_at, alert.id)


def get_alert(session: Session, actor: Actor, alert_id: str) -> Alert:
    """One alert, if the caller may see its site (else NotFound, never Forbidden)."""
    require_role(actor, READ_ROLES)
    alert = session.get(Alert, alert_id)
    if alert is None or not can_see_site(actor, alert.site_id) or actor.kind == "device":
        raise NotFound("alert not found")
    return alert


def _actionable(session: Session, actor: Actor, alert_id: str) -> Alert:
    """An alert the caller may act on: a coordinator or investigator of its site."""
    require_role(actor, WRITE_ROLES)
    alert = get_alert(session, actor, alert_id)
    # populate_existing: the row read above is already in the session; without it the locked
    # SELECT would hand back that stale object and two acknowledges would both see "open".
    locked = select(Alert).where(Alert.id == alert.id).with_for_update()
    return session.scalars(locked.execution_options(populate_existing=True)).one()


def acknowledge(
    session: Session,
    actor: Actor,
    alert_id: str,
    *,
    note: str | None,
    now: datetime,
    decision: str | None = None,
) -> Alert:
    """Mark an open alert as being handled; acknowledging a non-open alert is a Conflict (409).

    With a ``decision`` (``continue`` / ``hold``) the site's decision is recorded too, which
    ends the wait-for-team state the alert opened (:mod:`backend.services.team_waits`).
    """
    alert = _actionable(session, actor, alert_id)
    if alert.status != AlertStatus.OPEN:
        raise Conflict(f"alert is already {alert.status}")
    if decision is not None:
        team_waits.decide(session, actor, alert, decision, note, now)
    return _move(
        session,
        actor,
        alert,
        "alert.acknowledge",
        note=note,
        now=now,
        status=AlertStatus.ACKNOWLEDGED,
        acknowledged_by=actor.id,
        acknowledged_at=now,
        acknowledge_note=note,
    )


def record_decision(
    session: Session, actor: Actor, alert_id: str, *, decision: str, note: str | None, now: datetime
) -> Alert:
    """Record the site's decision on an alert without acknowledging or resolving it.

    Ends the wait-for-team state the alert opened (:mod:`backend.services.team_waits`); a
    resolved alert is a Conflict (409).
    """
    alert = _actionable(session, actor, alert_id)
    if alert.status == AlertStatus.RESOLVED:
        raise Conflict("alert is already resolved")
    team_waits.decide(session, actor, alert, decision, note, now)
    return alert


def resolve(
    session: Session, actor: Actor, alert_id: str, *, note: str, now: datetime, decision: str | None = None
) -> Alert:
    """Close an open or acknowledged alert with a resolution note; resolving twice is a Conflict.

    The alert that holds its participant in wait-for-team cannot be closed without a
    ``decision`` (422): closing it must never leave the patient waiting for a call forever.
    """
    alert = _actionable(session, actor, alert_id)
    if alert.status == AlertStatus.RESOLVED:
        raise Conflict("alert is already resolved")
    team_waits.check_decision(session, alert, decision, resolving=True)
    if decision is not None:
        team_waits.decide(session, actor, alert, decision, note, now)
    return _move(
        session,
        actor,
        alert,
        "alert.resolve",
        note=note,
        now=now,
        status=AlertStatus.RESOLVED,
        resolved_by=actor.id,
        resolved_at=now,
        resolution_note=note,
    )


def _move(
    session: Session,
    actor: Actor,
    alert: Alert,
    action: str,
    *,
    note: str | None,
    now: datetime,
    **fields: Any,
) -> Alert:
    """Set ``fields`` on the alert and audit the change, with the staff note as the reason."""
    before = audit.snapshot(alert)
    for name, value in fields.items():
        setattr(alert, name, value)
    audit.record_change(
        session,
        actor,
        action,
        "alert",
        alert,
        before,
        now=now,
        reason=note,
        participant_id=alert.participant_id,
        site_id=alert.site_id,
    )
    return alert
