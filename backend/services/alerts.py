"""Raising findings as alerts: the episode rule (the staff's side of the queue is :mod:`.alert_queue`).

One alert per participant and rule while it is open or acknowledged (an *episode*): a repeat of
the same finding adds its evidence to that alert instead of opening a new one, so staff see one
row with a count rather than a flood (PRO-TECT: alert fatigue is real). Once an alert is resolved,
the next finding of that rule opens a new alert. Every opening, addition, acknowledgement and
resolution leaves an audit event.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.findings import SEVERITIES, Finding
from backend.models import Alert, AlertStatus, Participant
from backend.services import alert_notices, audit
from backend.services.actors import SYSTEM
from backend.services.locks import lock_participant

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
    alert = _open_episode(session, participant.id, finding.rule_id)
    if alert is None:
        return _open_alert(session, participant, finding, entry, advice, now), True
    _add_to_episode(session, alert, participant, finding, entry, advice, now)
    return alert, False


def _open_episode(session: Session, participant_id: str, rule_id: str) -> Alert | None:
    """The participant's open or acknowledged alert of ``rule_id``, locked (None if there is none)."""
    stmt = (
        select(Alert)
        .where(
            Alert.participant_id == participant_id,
            Alert.rule_id == rule_id,
            Alert.status.in_(ACTIVE_STATUSES),
        )
        .order_by(Alert.opened_at.desc())
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).first()


def _open_alert(
    session: Session,
    participant: Participant,
    finding: Finding,
    entry: dict[str, Any],
    advice: list[dict[str, Any]],
    now: datetime,
) -> Alert:
    """A new episode: the alert, its audit event and the site's notices, in the caller's transaction."""
    alert = Alert(
        participant_id=participant.id,
        site_id=participant.site_id,
        kind=kind_of(finding.rule_id),
        rule_id=finding.rule_id,
        severity=finding.severity,
        status=AlertStatus.OPEN,
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
    return alert


def _add_to_episode(
    session: Session,
    alert: Alert,
    participant: Participant,
    finding: Finding,
    entry: dict[str, Any],
    advice: list[dict[str, Any]],
    now: datetime,
) -> None:
    """A repeat in the open episode: a new occurrence, or a refinement of the same sitting or count."""
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


def alerts_with_evidence(session: Session, participant_id: str, key: str, value: str) -> list[Alert]:
    """The participant's alerts with an evidence entry whose ``key`` is ``value`` (e.g. a report id).

    Used to answer a repeated (idempotent) report with the alerts it raised the first time. A
    participant has few alerts, so the JSON is searched here rather than in SQL.
    """
    stmt = select(Alert).where(Alert.participant_id == participant_id)
    found = [a for a in session.scalars(stmt) if any(e.get(key) == value for e in a.evidence or [])]
    return sorted(found, key=lambda a: SEVERITIES.index(a.severity) if a.severity in SEVERITIES else 9)
