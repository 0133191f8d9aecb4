"""The scheduler's daily checks: missed doses and cycles the site has not confirmed.

Each runs once per participant and local day: a processed-day marker (a
:class:`~backend.models.Reminder` row of kind ``missed_check`` / ``cycle_check``) is inserted
*before* the work with ``ON CONFLICT DO NOTHING``, so a replayed tick or a second scheduler never
raises the same alert twice; the alert itself goes through the alerts service (episode rule).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import calendar
from backend.domain.calendar import TreatmentPlan
from backend.domain.diary import entry_window_closes_at
from backend.domain.findings import make_finding
from backend.domain.localtime import local_date
from backend.models import Alert, DoseLog, Participant
from backend.services import day_markers
from backend.services.job_isolation import each_participant
from backend.services.plans import LazyPlans, protocol_of

BATCH = 2000  # participants per check and tick; the rest are checked in the next ticks


def _raise(
    session: Session, participant: Participant, rule_id: str, evidence: dict[str, Any], now: datetime
) -> Alert:
    """Raise a finding through the alerts service (one open alert per participant, rule and episode)."""
    from backend.services.alerts import raise_finding

    finding = make_finding(rule_id, evidence, None)
    alert, _is_new = raise_finding(  # a new alert's notices are queued by raise_finding itself
        session, participant, finding, evidence_item={"detected_by": "scheduler"}, advice_shown=[], now=now
    )
    return alert


def detect_missed_doses(session: Session, now: datetime) -> int:
    """After a day's entry window closed, alert on missed dosing days: 1 -> info, 2 consecutive -> review.

    Runs once per participant and local day (after 12:00 local), checking the day before. Days
    confirmed late by the site that the patient did not log are not missed doses, and they end
    a run of consecutive missed days.
    """
    batch = day_markers.participants_without_marker(
        session, "missed_check", now, BATCH, after_local_time=(12, 0)
    )
    plans = LazyPlans(session, batch)

    def check(participant: Participant) -> int:
        today = local_date(now, participant.timezone)
        day = today - timedelta(days=1)
        protocol = protocol_of(participant)
        if now < entry_window_closes_at(day, participant.timezone, protocol.entry):
            return 0
        if not day_markers.add_marker(session, participant.id, "missed_check", today, now):
            return 0
        return _missed(session, participant, plans[participant.id], day, now)

    return each_participant(
        session, "detect_missed_doses", batch, check, now, _marker(session, "missed_check", now)
    )


def _missed(session: Session, participant: Participant, plan: TreatmentPlan, day: date, now: datetime) -> int:
    """Raise DOSE-MISSED / DOSE-MISSED-2 for ``day`` if it ends a run of missed dosing days."""
    if not calendar.day_info(plan, day).is_prescribed:
        return 0
    rules = protocol_of(participant).alerts
    lookback = [d for d in calendar.days(plan, day - timedelta(days=30), day) if d.is_prescribed]
    rows = session.execute(
        select(DoseLog.local_date, DoseLog.taken).where(
            DoseLog.participant_id == participant.id,
            DoseLog.local_date.in_([d.date for d in lookback]),
        )
    )
    logged = {d: taken for d, taken in rows}
    missed: list[str] = []
    for info in reversed(lookback):
        d = info.date
        # a day confirmed late by the site and not logged was never the patient's to miss
        unannounced = info.confirmed_late and d not in logged
        if unannounced or logged.get(d) or len(missed) >= rules.missed_dose_review_after:
            break
        missed.append(d.isoformat())
    if not missed or len(missed) < rules.missed_dose_info_after:
        return 0
    rule = "DOSE-MISSED-2" if len(missed) >= rules.missed_dose_review_after else "DOSE-MISSED"
    evidence = {"local_date": day.isoformat(), "consecutive_missed": len(missed), "dates": sorted(missed)}
    _raise(session, participant, rule, evidence, now)
    return 1


def _marker(session: Session, kind: str, now: datetime) -> Callable[[Participant], None]:
    """After a participant's check failed: mark the local day done, so it is not retried every tick."""

    def mark(participant: Participant) -> None:
        day_markers.add_marker(
            session, participant.id, kind, local_date(now, participant.timezone), now
        )

    return mark


def cycle_unconfirmed(session: Session, now: datetime) -> int:
    """Alert the site once per planned cycle when its start is N days past without a confirmation."""
    batch = day_markers.participants_without_marker(session, "cycle_check", now, BATCH)
    plans = LazyPlans(session, batch)

    def check(participant: Participant) -> int:
        today = local_date(now, participant.timezone)
        if not day_markers.add_marker(session, participant.id, "cycle_check", today, now):
            return 0
        plan = plans[participant.id]
        if plan.discontinued_on is not None:
            return 0
        planned = calendar.planned_next_start(plan)
        after = protocol_of(participant).alerts.cycle_unconfirmed_after_days
        if today < planned + timedelta(days=after):
            return 0
        number = plan.cycles[-1].number + 1
        if not day_markers.add_marker(session, participant.id, "cycle_alert", planned, now, sequence=number):
            return 0
        evidence = {
            "cycle": number,
            "planned_start": planned.isoformat(),
            "last_confirmed_start": plan.cycles[-1].start.isoformat(),
            "checked_on": today.isoformat(),
        }
        _raise(session, participant, "CYCLE-UNCONFIRMED", evidence, now)
        return 1

    return each_participant(
        session, "cycle_unconfirmed", batch, check, now, _marker(session, "cycle_check", now)
    )
