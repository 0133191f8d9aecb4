"""Adherence for one participant and for a whole site, from the domain's single computation.

Both views load plans and entries in bulk (a handful of queries for a whole site, never one per
participant) and hand them to :func:`backend.domain.adherence.compute_adherence`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.adherence import AdherenceReport, DoseRecord, compute_adherence
from backend.domain.calendar import TreatmentPlan, current_cycle
from backend.models import DoseLog, Participant
from backend.services.actors import Actor
from backend.services.plans import load_plans, local_today, protocol_of
from backend.services.scope import READ_ROLES, get_participant, get_site, require_role


def _records(session: Session, ids: list[str]) -> dict[str, dict[date, DoseRecord]]:
    grouped: dict[str, dict[date, DoseRecord]] = defaultdict(dict)
    stmt = select(
        DoseLog.participant_id, DoseLog.local_date, DoseLog.taken, DoseLog.is_late, DoseLog.is_deviation
    ).where(DoseLog.participant_id.in_(ids))
    for pid, d, taken, late, deviation in session.execute(stmt):
        grouped[pid][d] = DoseRecord(d, taken, late, deviation)
    return grouped


def _report(
    participant: Participant, plan: TreatmentPlan, records: dict[date, DoseRecord], now: datetime
) -> AdherenceReport:
    protocol = protocol_of(participant)
    return compute_adherence(
        plan, records, now, participant.timezone, protocol.entry, protocol.adherence_threshold_percent
    )


def participant_adherence(
    session: Session, actor: Actor, participant_id: str, now: datetime
) -> AdherenceReport:
    """Per-cycle and overall adherence of one participant, as of ``now``."""
    require_role(actor, READ_ROLES)
    participant = get_participant(session, actor, participant_id)
    plan = load_plans(session, [participant])[participant.id]
    return _report(participant, plan, _records(session, [participant.id])[participant.id], now)


def site_adherence(session: Session, actor: Actor, site_id: str, now: datetime) -> list[dict[str, Any]]:
    """One dashboard row per participant of the site: current cycle, overall, lateness, threshold."""
    require_role(actor, READ_ROLES)
    site = get_site(session, actor, site_id)
    people = list(
        session.scalars(
            select(Participant).where(Participant.site_id == site.id).order_by(Participant.study_id)
        )
    )
    plans = load_plans(session, people)
    records = _records(session, [p.id for p in people])
    rows = []
    for participant in people:
        plan = plans[participant.id]
        report = _report(participant, plan, records[participant.id], now)
        cycle = current_cycle(plan, local_today(participant, now))
        current = next((row for row in report.cycles if cycle and row.cycle == cycle.number), None)
        # the dashboard shows the current cycle; early in a cycle (nothing due yet) the overall row
        shown = current if current is not None and current.percent is not None else report.overall
        rows.append(
            {
                "participant_id": participant.id,
                "study_id": participant.study_id,
                "status": participant.status,
                "cycle": cycle.number if cycle else None,
                "current_cycle": current,
                "overall": report.overall,
                "percent": shown.percent,
                "not_reported": shown.not_reported,
                "late": report.overall.late,
                "below_threshold": shown.below_threshold,
            }
        )
    return rows
