"""The site's alert queue: raising findings as alerts (episode rule), listing, acknowledging, resolving.

One alert per participant and rule while it is open or acknowledged (an *episode*): a repeat of
the same finding adds its evidence to that alert instead of opening a new one, so staff see one
row with a count rather than a flood (PRO-TECT: alert fatigue is real). Once an alert is resolved,
the next finding of that rule opens a new alert. Every opening, addition, acknowledgement and
resolution leaves an audit event.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from backend.domain.findings import SEVERITIES, Finding
from backend.models import Alert, Participant
from backend.services import alert_notices, audit, team_waits
from backend.services.actors import SYSTEM, Actor
from backend.services.errors import Conflict, NotFound
from backend.services.locks import lock_participant
from backend.services.paging import Order, Page, keyset_page
from backend.services.scope import READ_ROLES, WRITE_ROLES, can_see_site, require_role

ACTIVE_STATUSES = ("open", "acknowledged")
# rule id prefix -> alert kind
_KINDS = {"BP": "bp", "SYM": "symptom", "DOSE": "dose", "CYCLE": "cycle", "PILL": "pill_count"}


def kind_of(rule_id: str) -> str:
    """The alert kind of a rule id: ``bp``, ``symptom``, ``dose``, ``cycle``, ``pill_count`` or ``other``."""
    return _KINDS.get(rule_id.split("-", 1)[0], "other")


def _json(value: Any) -> Any:
    """``value`` as plain JSON data (datetimes become ISO strings)."""
    return json.loads(
        json.dumps(value, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v))
    )


def _merge_advice(shown: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Advice already on the alert plus any new advice (by code), in the order first shown."""
    codes = {item.get("code") for item in shown}
    return [*shown, *(item for item in new if item.get("code") not in codes)]


def raise_finding(
    session: Session,
    participant: Participant,
    finding: Finding,
    *,
    evidence_item: dict[str, Any],
    advice_shown: list[dict[str, Any]],
    now: datetime,
) -> tuple[Alert, bool]:
    """Open an alert for ``finding``, or add to the participant's open episode of the same rule.

    The evidence entry stored on the alert is the finding's evidence (readings or answers), the
    caller's ``evidence_item`` (e.g. ``reading_id``/``sitting_id`` or ``report_id``), the rule id,
    the time seen and the advice the patient was shown. Returns ``(alert, True)`` when a new alert
    was opened, ``(alert, False)`` when an open or acknowledged one was added to (occurrences and
    ``last_seen_at`` move on). A later reading of the *same* BP sitting (same ``sitting_id`` as
    the episode's last entry) replaces that entry instead of counting as a new occurrence: the
    sitting's mean has only been refined.

    The alert is flushed, never committed: it lives in the caller's transaction, and so do the
    site's notices of a new alert (outbox rows, sent after commit), so a rolled-back report
    never notifies anyone and a committed alert always has its notices. Audited as
    ``alert.open`` / ``alert.append`` by the system actor.
    """
    entry = _json(
        {
            "seen_at": now,
            "rule_id": finding.rule_id,
            **finding.evidence,
            **evidence_item,
            "advice_shown": advice_shown,
        }
    )
    advice = _json(advice_shown)
    # One decision per participant at a time: two reports at once must not both open an episode.
    lock_participant(session, participant.id)
    stmt = (
        select(Alert)
        .where(
            Alert.participant_id == participant.id,
            Alert.rule_id == finding.rule_id,
            Alert.status.in_(ACTIVE_STATUSES),
        )
        .order_by(Alert.opened_at.desc())
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    alert = session.scalars(stmt).first()
    if alert is None:
        alert = Alert(
            participant_id=participant.id,
            site_id=participant.site_id,
            kind=kind_of(finding.rule_id),
            rule_id=finding.rule_id,
            severity=finding.severity,
            status="open",
            title=finding.title,
            source=finding.source,
            evidence=[entry],
            advice_shown=advice,
            occurrences=1,
            opened_at=now,
            last_seen_at=now,
        )
        session.add(alert)
        session.flush()
        audit.record(
            session,
            SYSTEM,
            "alert.open",
            "alert",
            alert.id,
            now=now,
            after=audit.snapshot(alert),
            reason=f"rule {finding.rule_id} fired",
            participant_id=participant.id,
            site_id=participant.site_id,
        )
        alert_notices.enqueue_alert_notices(session, alert, now)
        return alert, True

    evidence = list(alert.evidence or [])
    sitting = entry.get("sitting_id")
    same_sitting = sitting is not None and evidence and evidence[-1].get("sitting_id") == sitting
    # A corrected pill count replaces its dispensing's entry: the same count, refined.
    recount = entry.get("dispensing_id")
    same_count = [
        i for i, e in enumerate(evidence) if recount is not None and e.get("dispensing_id") == recount
    ]
    if same_sitting:
        evidence[-1] = entry
    elif same_count:
        evidence[same_count[0]] = entry
    else:
        evidence.append(entry)
        alert.occurrences = (alert.occurrences or 1) + 1
    # Reassign (not mutate) the JSON columns so SQLAlchemy sees the change.
    alert.evidence = evidence
    alert.advice_shown = _merge_advice(list(alert.advice_shown or []), advice)
    alert.last_seen_at = now
    session.flush()
    audit.record(
        session,
        SYSTEM,
        "alert.append",
        "alert",
        alert.id,
        now=now,
        after={"occurrences": alert.occurrences, "last_seen_at": now, "evidence": entry},
        reason=f"rule {finding.rule_id} fired again in the open episode",
        participant_id=participant.id,
        site_id=participant.site_id,
    )
    return alert, False


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
    if alert.status != "open":
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
        status="acknowledged",
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
    if alert.status == "resolved":
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
    if alert.status == "resolved":
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
        status="resolved",
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


def alerts_with_evidence(session: Session, participant_id: str, key: str, value: str) -> list[Alert]:
    """The participant's alerts with an evidence entry whose ``key`` is ``value`` (e.g. a report id).

    Used to answer a repeated (idempotent) report with the alerts it raised the first time. A
    participant has few alerts, so the JSON is searched here rather than in SQL.
    """
    stmt = select(Alert).where(Alert.participant_id == participant_id)
    found = [a for a in session.scalars(stmt) if any(e.get(key) == value for e in a.evidence or [])]
    return sorted(found, key=lambda a: SEVERITIES.index(a.severity) if a.severity in SEVERITIES else 9)

