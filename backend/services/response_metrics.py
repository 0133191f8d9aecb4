"""How fast a site answers its alerts: per severity, time to acknowledge and to resolve.

As in the ePRO trials that send symptom alerts to the care team (Basch et al.; UAB's 48-hour
closure target), a site is measured on how soon an alert is acknowledged and closed. Per
severity over a period (alerts *opened* in it): count, median and 90th percentile (nearest rank)
of the minutes to acknowledge and to resolve, and the share that met the protocol's targets.
Targets are configurable per call; the defaults are the issue's: urgent acknowledged within
1 hour, review acknowledged within 1 working day (Monday to Friday in the site's time zone,
public holidays not known), every alert resolved within 48 hours.

An alert resolved without an acknowledgement counts as acknowledged when it was resolved. An
alert still waiting whose target has not passed yet is *pending*: neither met nor missed.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Alert, AlertStatus
from backend.services.actors import Actor
from backend.services.scope import READ_ROLES, get_site, require_role

SEVERITIES = ("urgent", "review", "info")


@dataclass(frozen=True)
class Targets:
    """The protocol's response targets (None: no target for that severity)."""

    urgent_ack_minutes: int = 60
    review_ack_working_days: int = 1
    resolve_hours: int = 48


def add_working_days(instant: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The same local time ``days`` working days (Mon-Fri) later; a weekend start counts from Monday."""
    local = instant.astimezone(zone)
    for _ in range(days):
        local += timedelta(days=1)
        while local.weekday() >= 5:
            local += timedelta(days=1)
    return local.astimezone(instant.tzinfo)


def _ack_deadline(alert: Alert, targets: Targets, zone: ZoneInfo) -> datetime | None:
    if alert.severity == "urgent":
        return alert.opened_at + timedelta(minutes=targets.urgent_ack_minutes)
    if alert.severity == "review":
        return add_working_days(alert.opened_at, targets.review_ack_working_days, zone)
    return None


def _p90(values: list[float]) -> float | None:
    """90th percentile, nearest rank (a value that occurred; no interpolation)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _summary(minutes: list[float]) -> dict[str, Any]:
    return {
        "count": len(minutes),
        "median_minutes": round(statistics.median(minutes), 1) if minutes else None,
        "p90_minutes": round(p90, 1) if (p90 := _p90(minutes)) is not None else None,
    }


def _share(outcomes: list[bool | None]) -> dict[str, Any]:
    """met / (met + missed); pending ones are left out until their target passes."""
    met = sum(1 for o in outcomes if o is True)
    missed = sum(1 for o in outcomes if o is False)
    decided = met + missed
    return {
        "met": met,
        "missed": missed,
        "pending": sum(1 for o in outcomes if o is None),
        "share": round(met / decided, 3) if decided else None,
    }


def _within(done_at: datetime | None, deadline: datetime | None, now: datetime) -> bool | None:
    if deadline is None:
        return None
    if done_at is not None:
        return done_at <= deadline
    return False if now > deadline else None


def site_metrics(
    session: Session, actor: Actor, site_id: str, *, start: date, end: date, targets: Targets, now: datetime
) -> dict[str, Any]:
    """The site's response metrics for alerts opened on local dates ``start``..``end``."""
    require_role(actor, READ_ROLES)
    site = get_site(session, actor, site_id)
    zone = ZoneInfo(site.timezone)
    since = datetime.combine(start, datetime.min.time(), zone)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone)
    alerts = list(
        session.scalars(
            select(Alert).where(Alert.site_id == site.id, Alert.opened_at >= since, Alert.opened_at < until)
        )
    )
    result: dict[str, Any] = {}
    for severity in SEVERITIES:
        rows = [a for a in alerts if a.severity == severity]
        acked = [(a, _first(a.acknowledged_at, a.resolved_at)) for a in rows]
        ack_minutes = [(at - a.opened_at).total_seconds() / 60 for a, at in acked if at is not None]
        res_minutes = [(a.resolved_at - a.opened_at).total_seconds() / 60 for a in rows if a.resolved_at]
        resolve_deadline = timedelta(hours=targets.resolve_hours)
        result[severity] = {
            "alerts": len(rows),
            "open": sum(1 for a in rows if a.status == AlertStatus.OPEN),
            "acknowledge": _summary(ack_minutes),
            "resolve": _summary(res_minutes),
            "acknowledged_within_target": _share(
                [_within(at, _ack_deadline(a, targets, zone), now) for a, at in acked]
            ),
            "resolved_within_target": _share(
                [_within(a.resolved_at, a.opened_at + resolve_deadline, now) for a in rows]
            ),
        }
    return {
        "site_id": site.id,
        "from": start,
        "to": end,
        "timezone": site.timezone,
        "targets": targets.__dict__,
        "severities": result,
    }


def _first(*instants: datetime | None) -> datetime | None:
    present = [i for i in instants if i is not None]
    return min(present) if present else None
