"""The wait-for-team state: opened by a confirmed >=160/100 sitting, ended by the site's decision.

CLINICAL.md ("Blood pressure"): a confirmed >=160/100 sitting tells the patient not to take more
anlotinib until the team calls. From then on the product says the same everywhere: Today shows
that instruction, dose reminders pause and the calendar marks the days (the state's days are a
:class:`~backend.domain.calendar.WaitPeriod` of the treatment plan, so the calendar, reminders,
adherence and missed-dose checks all read it). It ends when the site records its decision on
the alert that opened it: ``continue`` (reminders resume) or ``hold`` (an investigator's hold
from the participant's today, through the holds service).

Product decisions (patient safety): BP-CRISIS opens the state too (a >=180/110 reading, or a
confirmed >=160/100 sitting with crisis symptoms, which raises BP-CRISIS *instead of* the
confirmed-sitting rule); a new high sitting while an alert already has a decision re-opens the
state and clears that decision, so an older "continue" never covers a newer reading; the first
day of waiting is the sitting's local date unless that day's dose was already logged as taken.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import new_id
from backend.domain.localtime import local_date
from backend.models import Alert, DoseLog, Participant, TeamWait
from backend.services import audit, treatment
from backend.services.actors import SYSTEM, Actor
from backend.services.errors import Invalid
from backend.services.plans import load_plan

PAUSING_RULES = ("BP-CONFIRMED-160-100", "BP-CRISIS")
CONTINUE = "continue"
HOLD = "hold"


def open_wait(session: Session, participant_id: str) -> TeamWait | None:
    """The participant's open wait-for-team state, if any."""
    stmt = select(TeamWait).where(TeamWait.participant_id == participant_id, TeamWait.ended_at.is_(None))
    return session.scalars(stmt).first()


def _renew_plan(participant: Participant) -> None:
    """The waits are part of the plan: a new token keeps the per-process plan cache honest."""
    participant.plan_token = new_id()


def start_for(session: Session, participant: Participant, alert: Alert, now: datetime) -> TeamWait | None:
    """Open the wait-for-team state after ``alert`` (a pausing rule fired), unless one is open.

    Called in the BP upload's transaction; audited as ``team_wait.open`` by the system actor.
    """
    if alert.rule_id not in PAUSING_RULES:
        return None
    if alert.decision is not None:  # a newer high sitting: the earlier decision no longer covers it
        before = audit.snapshot(alert)
        alert.decision = alert.decided_by = alert.decided_at = None
        audit.record_change(
            session, SYSTEM, "alert.decision_cleared", "alert", alert, before, now=now,
            reason="a new high sitting needs a new decision",
            participant_id=participant.id, site_id=participant.site_id,
        )  # fmt: skip
    existing = open_wait(session, participant.id)
    if existing is not None:
        return existing
    today = local_date(now, participant.timezone)
    taken_today = session.scalar(
        select(DoseLog.id).where(
            DoseLog.participant_id == participant.id, DoseLog.local_date == today, DoseLog.taken.is_(True)
        )
    )
    wait = TeamWait(
        participant_id=participant.id,
        alert_id=alert.id,
        started_at=now,
        first_day=today + timedelta(days=1) if taken_today else today,
    )
    session.add(wait)
    _renew_plan(participant)
    session.flush()
    audit.record(
        session, SYSTEM, "team_wait.open", "team_wait", wait.id, now=now, after=audit.snapshot(wait),
        reason=f"rule {alert.rule_id} fired: no more anlotinib until the site decides",
        participant_id=participant.id, site_id=participant.site_id,
    )  # fmt: skip
    return wait


def check_decision(session: Session, alert: Alert, decision: str | None, resolving: bool) -> None:
    """422 when resolving the alert that holds a participant in wait-for-team without a decision."""
    wait = open_wait(session, alert.participant_id)
    if resolving and decision is None and wait is not None and wait.alert_id == alert.id:
        raise Invalid(
            {"decision": "this alert holds the participant in wait-for-team: record 'continue' or 'hold'"}
        )


def decide(
    session: Session, actor: Actor, alert: Alert, decision: str, note: str | None, now: datetime
) -> None:
    """Record the site's ``decision`` on ``alert`` and end the wait it opened (audited).

    ``hold`` orders an open-ended hold from the participant's local today through
    :func:`backend.services.treatment.add_hold` (investigators only, 403 otherwise), unless a
    hold already covers today. The waiting days end the day before the decision's local date,
    so a ``continue`` given in the morning makes today's dose due again.
    """
    participant = session.get(Participant, alert.participant_id)
    assert participant is not None
    today = local_date(now, participant.timezone)
    if decision == HOLD:
        plan = load_plan(session, participant)
        if not any(h.contains(today) for h in plan.holds):
            treatment.add_hold(
                session, actor, participant.id, start_date=today, end_date=None,
                reason=note or f"decision on alert {alert.id}", now=now,
            )  # fmt: skip
    before = audit.snapshot(alert)
    alert.decision, alert.decided_by, alert.decided_at = decision, actor.id, now
    audit.record_change(
        session, actor, "alert.decide", "alert", alert, before, now=now, reason=note,
        participant_id=participant.id, site_id=participant.site_id,
    )  # fmt: skip
    wait = open_wait(session, participant.id)
    if wait is None or wait.alert_id != alert.id:
        return
    before = audit.snapshot(wait)
    wait.ended_at, wait.ended_by, wait.decision = now, actor.id, decision
    wait.last_day = today - timedelta(days=1)
    _renew_plan(participant)
    audit.record_change(
        session, actor, "team_wait.end", "team_wait", wait, before, now=now, reason=note,
        participant_id=participant.id, site_id=participant.site_id,
    )  # fmt: skip


def waits_by_alert(session: Session, alert_ids: list[str]) -> dict[str, TeamWait]:
    """alert id -> its open wait-for-team state, for the alert list (one query)."""
    if not alert_ids:
        return {}
    stmt = select(TeamWait).where(TeamWait.alert_id.in_(alert_ids), TeamWait.ended_at.is_(None))
    return {w.alert_id: w for w in session.scalars(stmt)}
