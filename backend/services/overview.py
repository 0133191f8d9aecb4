"""The site overview: every participant of a site in one row, for the coordinator's morning round.

A row holds today's status (taken / pending / not reported / break / hold / wait for the
team after a high BP sitting / waiting for the next cycle / off treatment), cycle and day,
unresolved alerts by severity, the last entry of any kind, the latest BP sitting (mean and
grade), adherence in the current cycle and overall with the protocol's threshold flag, and the
late-entry rate. The whole site is computed in a fixed
number of queries (participants, plans, dose logs, alerts, readings, reports), never one per
participant; search, sort and keyset pages are then applied to the rows in memory, which for a
site (tens to a few hundred participants) is cheaper than expressing adherence in SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.domain.calendar import DOSING, day_info
from backend.models import Alert, AlertStatus, BpReading, DoseLog, Participant, SymptomReport
from backend.services import adherence
from backend.services.actors import Actor
from backend.services.patient_day import day_status
from backend.services.plans import load_plans, local_today, protocol_of
from backend.services.scope import READ_ROLES, get_site, require_role

SORTS = (
    "study_id",
    "today",
    "cycle",
    "alerts",
    "last_entry_at",
    "bp_grade",
    "cycle_percent",
    "overall_percent",
    "late_rate",
)
# How far back the latest BP sitting is looked for (older sittings say little about today).
BP_LOOKBACK = timedelta(days=60)


def _alert_counts(session: Session, ids: list[str]) -> dict[str, dict[str, int]]:
    """participant id -> unresolved alerts by severity (one grouped query)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"urgent": 0, "review": 0, "info": 0})
    stmt = (
        select(Alert.participant_id, Alert.severity, func.count())
        .where(Alert.participant_id.in_(ids), Alert.status.in_((AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)))
        .group_by(Alert.participant_id, Alert.severity)
    )
    for pid, severity, count in session.execute(stmt):
        counts[pid][severity] = count
    return counts


def _last_entries(session: Session, ids: list[str]) -> dict[str, datetime]:
    """participant id -> when their latest diary entry, BP reading or symptom report arrived."""
    latest: dict[str, datetime] = {}
    for column, owner in (
        (DoseLog.entered_at, DoseLog.participant_id),
        (BpReading.received_at, BpReading.participant_id),
        (SymptomReport.received_at, SymptomReport.participant_id),
    ):
        for pid, at in session.execute(select(owner, func.max(column)).where(owner.in_(ids)).group_by(owner)):
            if at is not None and (pid not in latest or at > latest[pid]):
                latest[pid] = at
    return latest


def _latest_sittings(session: Session, ids: list[str], now: datetime) -> dict[str, dict[str, Any]]:
    """participant id -> their latest BP sitting: time, readings, mean and grade."""
    stmt = (
        select(BpReading)
        .where(BpReading.participant_id.in_(ids), BpReading.measured_at >= now - BP_LOOKBACK)
        .order_by(BpReading.measured_at.desc())
    )
    sittings: dict[str, list[BpReading]] = {}
    for reading in session.scalars(stmt):
        chosen = sittings.setdefault(reading.participant_id, [reading])
        if reading is not chosen[0] and reading.sitting_id == chosen[0].sitting_id:
            chosen.append(reading)
    out = {}
    for pid, readings in sittings.items():
        out[pid] = {
            "measured_at": readings[0].measured_at,
            "readings": len(readings),
            "mean_systolic": round(sum(r.systolic for r in readings) / len(readings)),
            "mean_diastolic": round(sum(r.diastolic for r in readings) / len(readings)),
            "grade": readings[0].grade,  # graded on the sitting's mean when its last reading came
        }
    return out


def _recent_logs(
    session: Session, people: list[Participant], now: datetime
) -> dict[tuple[str, date], DoseLog]:
    """(participant id, local date) -> dose log, for each participant's local today and yesterday."""
    wanted = {(p.id, local_today(p, now) - timedelta(days=back)) for p in people for back in (0, 1)}
    stmt = select(DoseLog).where(
        DoseLog.participant_id.in_({pid for pid, _ in wanted}), DoseLog.local_date.in_({d for _, d in wanted})
    )
    return {(log.participant_id, log.local_date): log for log in session.scalars(stmt)}


def _status(
    participant: Participant, plan: Any, day: date, logs: dict[tuple[str, date], Any], now: datetime
) -> tuple[Any, str]:
    """A day's calendar info and status: on a dosing day the entry's (taken, pending, not_reported,
    ...), otherwise the phase (break, hold, awaiting_cycle, off_treatment)."""
    info = day_info(plan, day)
    log = logs.get((participant.id, day))
    if info.wait_for_team and log is None:
        return info, "wait_for_team"  # told not to take anlotinib until the site decides
    if info.phase != DOSING:
        return info, info.phase
    return info, day_status(info, log, participant, now)


def _today(
    participant: Participant, plan: Any, logs: dict[tuple[str, date], Any], now: datetime
) -> dict[str, Any]:
    """Today's line, with yesterday's status: a dose not reported yesterday is what a coordinator
    calls about this morning, while today's own entry is still pending all day."""
    today = local_today(participant, now)
    info, status = _status(participant, plan, today, logs, now)
    _, yesterday = _status(participant, plan, today - timedelta(days=1), logs, now)
    return {
        "date": info.date,
        "phase": info.phase,
        "status": status,
        "yesterday_status": yesterday,
        "cycle": info.cycle,
        "cycle_day": info.cycle_day,
    }


def site_overview(session: Session, actor: Actor, site_id: str, now: datetime) -> list[dict[str, Any]]:
    """Every participant of the site with today's status, alerts, last entry, BP and adherence."""
    require_role(actor, READ_ROLES)
    site = get_site(session, actor, site_id)
    people = list(session.scalars(select(Participant).where(Participant.site_id == site.id)))
    ids = [p.id for p in people]
    if not ids:
        return []
    plans = load_plans(session, people)
    adherence_rows = {
        row["participant_id"]: row for row in adherence.site_adherence(session, actor, site.id, now)
    }
    alerts, last, sittings, logs = (
        _alert_counts(session, ids),
        _last_entries(session, ids),
        _latest_sittings(session, ids, now),
        _recent_logs(session, people, now),
    )
    rows = []
    for participant in people:
        row = adherence_rows[participant.id]
        overall = row["overall"]
        entries = overall.taken + overall.not_taken
        current = row["current_cycle"]
        rows.append(
            {
                "participant_id": participant.id,
                "study_id": participant.study_id,
                "status": participant.status,
                "timezone": participant.timezone,
                "today": _today(participant, plans[participant.id], logs, now),
                "alerts": alerts[participant.id],
                "last_entry_at": last.get(participant.id),
                "bp": sittings.get(participant.id),
                "cycle_percent": current.percent if current else None,
                "cycle_below_threshold": bool(current and current.below_threshold),
                "overall_percent": overall.percent,
                "overall_below_threshold": overall.below_threshold,
                "adherence_threshold": protocol_of(participant).adherence_threshold_percent,
                "late_rate": round(100 * overall.late / entries, 1) if entries else None,
            }
        )
    return rows


def _sort_value(row: dict[str, Any], sort: str) -> Any:
    """The value a row sorts by (alerts: urgent, then review, then info counts)."""
    if sort == "today":
        return row["today"]["status"]
    if sort == "cycle":
        today = row["today"]
        return None if today["cycle"] is None else [today["cycle"], today["cycle_day"] or 0]
    if sort == "alerts":
        counts = row["alerts"]
        return [counts["urgent"], counts["review"], counts["info"]]
    if sort == "bp_grade":
        return None if row["bp"] is None else row["bp"]["grade"]
    value = row[sort]
    return value.isoformat() if isinstance(value, datetime) else value


def sort_key(row: dict[str, Any], sort: str) -> list[Any]:
    """A total order: rows without a value last, then the value, then study id and id."""
    value = _sort_value(row, sort)
    return [value is None, value if value is not None else 0, row["study_id"], row["participant_id"]]


def page_rows(
    rows: list[dict[str, Any]],
    *,
    sort: str = "study_id",
    descending: bool = False,
    search: str | None = None,
    after: Sequence[Any] | None = None,
    limit: int = 25,
) -> tuple[list[dict[str, Any]], list[Any] | None, int]:
    """Search (study id contains ``search``), sort and cut one keyset page.

    Returns ``(page, key of its last row if more follow, rows matching the search)``. The
    cursor is a row's sort key, not an offset, so a participant enrolled between two pages
    never shifts the rows not yet read."""
    if search:
        needle = search.casefold()
        rows = [row for row in rows if needle in row["study_id"].casefold()]
    keyed = sorted(((sort_key(row, sort), row) for row in rows), key=lambda pair: pair[0], reverse=descending)
    if after is not None:
        wanted = list(after)
        keyed = [(key, row) for key, row in keyed if (key < wanted if descending else key > wanted)]
    page = keyed[:limit]
    more = len(keyed) > limit
    return [row for _, row in page], (page[-1][0] if more and page else None), len(rows)
