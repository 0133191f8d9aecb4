"""The scheduler's daily checks: missed doses and cycles the site has not confirmed.

Each runs once per participant and local day: a processed-day marker (a
:class:`~backend.models.Reminder` row of kind ``missed_check`` / ``cycle_check``) is inserted
*before* the work with ``ON CONFLICT DO NOTHING``, so a replayed tick or a second scheduler never
raises the same alert twice; the alert itself goes through the alerts service (episode rule).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import calendar
from backend.domain.diary import entry_window_closes_at
from backend.domain.findings import make_finding
from backend.models import Alert, DoseLog, Participant
from backend.services import reminders
from backend.services.plans import load_plans, protocol_of

BATCH = 2000  # participants per check and tick; the rest are checked in the next ticks


def _raise(session: Session, participant: Participant, rule_id: str, evidence: dict, now: datetime) -> Alert:
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
    raised = 0
    batch = reminders.participants_without_marker(
        session, "missed_check", now, BATCH, after_local_time=(12, 0)
    )
    plans = load_plans(session, batch)
    for participant in batch:
        today = reminders.local_date(now, participant.timezone)
        day = today - timedelta(days=1)
        protocol = protocol_of(participant)
        if now < entry_window_closes_at(day, participant.timezone, protocol.entry):
            continue
        if not reminders.add_marker(session, participant.id, "missed_check", today, now):
            continue
        plan = plans[participant.id]
        if not calendar.day_info(plan, day).is_prescribed:
            continue
        rules = protocol.alerts
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
        if not missed:
            continue
        rule = "DOSE-MISSED-2" if len(missed) >= rules.missed_dose_review_after else "DOSE-MISSED"
        if len(missed) < rules.missed_dose_info_after:
            continue
        _raise(
            session,
            participant,
            rule,
            {"local_date": day.isoformat(), "consecutive_missed": len(missed), "dates": sorted(missed)},
            now,
        )
        raised += 1
    return raised


def cycle_unconfirmed(session: Session, now: datetime) -> int:
    """Alert the site once per planned cycle when its start is N days past without a confirmation."""
    raised = 0
    batch = reminders.participants_without_marker(session, "cycle_check", now, BATCH)
    plans = load_plans(session, batch)
    for participant in batch:
        today = reminders.local_date(now, participant.timezone)
        if not reminders.add_marker(session, participant.id, "cycle_check", today, now):
            continue
        plan = plans[participant.id]
        if plan.discontinued_on is not None:
            continue
        planned = calendar.planned_next_start(plan)
        after = protocol_of(participant).alerts.cycle_unconfirmed_after_days
        if today < planned + timedelta(days=after):
            continue
        number = plan.cycles[-1].number + 1
        if not reminders.add_marker(session, participant.id, "cycle_alert", planned, now, sequence=number):
            continue
        _raise(
            session,
            participant,
            "CYCLE-UNCONFIRMED",
            {
                "cycle": number,
                "planned_start": planned.isoformat(),
                "last_confirmed_start": plan.cycles[-1].start.isoformat(),
                "checked_on": today.isoformat(),
            },
            now,
        )
        raised += 1
    return raised
