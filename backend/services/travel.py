"""Travel across time zones: the phone's zone, the prompt, the participant's answer and its effect.

The PWA sends the phone's IANA zone with every request (``X-Device-Timezone``). When it
differs from the participant's zone and the participant has not answered for that zone yet,
``/me/today`` carries a prompt: keep the dose time on the current zone's clock ("08:00 there is
02:00 here"), or move it to the local clock from tomorrow. The answer is a
:class:`~backend.models.TimezoneChange` row (history, visible to the site) and an audit event.
A ``local`` answer schedules a change of zone; it takes effect at
:func:`backend.domain.travel.switch_instant` (first on the next scheduler tick or device request
after it), is audited as the system's and re-plans the participant's reminders at once: pending
rows move to the new instants (a row is keyed by diary date, so nothing is sent twice) and rows
the new plan no longer wants are cancelled. The first days in the new zone get their dose at the
time that keeps 12 hours from the previous dose (:func:`dose_overrides`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session, object_session

from backend.db import UTCDateTime
from backend.domain import travel
from backend.domain.calendar import TreatmentPlan, day_info
from backend.domain.localtime import is_valid_zone, local_date, local_instant
from backend.models import DoseLog, Participant, TimezoneChange
from backend.services import audit
from backend.services.actors import SYSTEM, Actor
from backend.services.errors import Invalid
from backend.services.scope import READ_ROLES, get_participant, require_role

HEADER = "X-Device-Timezone"
# The scheduler's probe (runner.probe_params binds "now"): a change of zone has come due.
DUE_CHANGES_PROBE = exists().where(
    TimezoneChange.applied_at.is_(None),
    TimezoneChange.cancelled_at.is_(None),
    TimezoneChange.switch_at <= bindparam("now", type_=UTCDateTime()),
)
OVERRIDE_DAYS = 2  # after a change the 12-hour chain settles within two days (a 26-hour jump)


def device_zone(raw: str | None) -> str | None:
    """The phone's zone from the header, or None when absent or not an IANA name.

    An unknown name is ignored rather than refused: a phone with an odd zone must still be able
    to record a dose.
    """
    value = (raw or "").strip()
    return value if value and len(value) <= 64 and is_valid_zone(value) else None


def _pending(session: Session, participant: Participant) -> TimezoneChange | None:
    stmt = select(TimezoneChange).where(
        TimezoneChange.participant_id == participant.id,
        TimezoneChange.applied_at.is_(None),
        TimezoneChange.cancelled_at.is_(None),
        TimezoneChange.policy == travel.LOCAL,
    )
    return session.scalars(stmt).first()


def _answered(session: Session, participant: Participant, zone: str) -> bool:
    """True when the participant answered for ``zone`` (on their current zone's clock) since the
    phone arrived in it: a later trip to the same zone is a new change and asks again."""
    stmt = select(TimezoneChange.id).where(
        TimezoneChange.participant_id == participant.id,
        TimezoneChange.device_timezone == zone,
        TimezoneChange.from_timezone == participant.timezone,
        TimezoneChange.cancelled_at.is_(None),
    )
    if participant.device_timezone_since is not None:
        stmt = stmt.where(TimezoneChange.decided_at >= participant.device_timezone_since)
    return session.scalar(stmt.limit(1)) is not None


def note_device(session: Session, participant: Participant, zone: str | None, now: datetime) -> None:
    """Remember the phone's zone, and apply the participant's change of zone if it is due."""
    if zone is not None and participant.device_timezone != zone:
        participant.device_timezone = zone
        participant.device_timezone_since = now
    apply_due(session, now, participant_id=participant.id)


def prompt(session: Session, participant: Participant, now: datetime) -> dict[str, Any] | None:
    """The travel prompt for Today, or None (same zone, no zone known, or already answered)."""
    zone = participant.device_timezone
    if zone is None or zone == participant.timezone:
        return None
    pending = _pending(session, participant)
    if pending is not None and pending.to_timezone == zone:
        return None
    if _answered(session, participant, zone):
        return None  # answered for this zone already: asked once per change
    tomorrow = local_date(now, participant.timezone) + timedelta(days=1)
    home_dose = local_instant(tomorrow, participant.reminder_time, participant.timezone)
    return {
        "device_timezone": zone,
        "timezone": participant.timezone,
        "dose_time": participant.reminder_time.strftime("%H:%M"),
        "dose_time_here": travel.local_label(home_dose, zone),
        "effective_date": tomorrow,
    }


def answer(
    session: Session,
    actor: Actor,
    participant: Participant,
    *,
    policy: str,
    device_timezone: str,
    now: datetime,
) -> TimezoneChange:
    """Record the participant's answer to the prompt (audited); ``local`` schedules the change."""
    if not is_valid_zone(device_timezone):
        raise Invalid({"device_timezone": "must be an IANA time zone name, e.g. Europe/Berlin"})
    before = audit.snapshot(participant)
    pending = _pending(session, participant)
    if pending is not None:
        pending.cancelled_at = now  # a later answer replaces a change not yet in effect
    row = TimezoneChange(
        participant_id=participant.id,
        site_id=participant.site_id,
        device_timezone=device_timezone,
        policy=policy,
        from_timezone=participant.timezone,
        decided_at=now,
    )
    if policy == travel.LOCAL and device_timezone != participant.timezone:
        row.to_timezone = device_timezone
        row.effective_date = travel.effective_date_for(now, participant.timezone)
        row.switch_at = travel.switch_instant(participant.timezone, device_timezone, row.effective_date)
    session.add(row)
    participant.timezone_policy = policy
    if participant.device_timezone != device_timezone:
        participant.device_timezone, participant.device_timezone_since = device_timezone, now
    session.flush()
    audit.record(
        session,
        actor,
        "participant.timezone_policy",
        "participant",
        participant.id,
        now=now,
        before={"timezone_policy": before["timezone_policy"], "timezone": before["timezone"]},
        after={
            "timezone_policy": policy,
            "device_timezone": device_timezone,
            "to_timezone": row.to_timezone,
            "effective_date": row.effective_date,
            "switch_at": row.switch_at,
            "cancelled_change": pending.id if pending is not None else None,
        },
        reason="travel prompt answered on the phone",
        participant_id=participant.id,
        site_id=participant.site_id,
    )
    return row


def apply_due(session: Session, now: datetime, participant_id: str | None = None) -> int:
    """Put every scheduled change of zone whose instant has come into effect; returns how many.

    Each is audited as the system's and re-plans the participant's reminders in the same
    transaction: pending reminders move to their new instants, unwanted ones are cancelled.
    """
    from backend.services.reminders import replan_participant  # reminders import this module

    stmt = select(TimezoneChange).where(
        TimezoneChange.applied_at.is_(None),
        TimezoneChange.cancelled_at.is_(None),
        TimezoneChange.switch_at.is_not(None),
        TimezoneChange.switch_at <= now,
    )
    if participant_id is not None:
        stmt = stmt.where(TimezoneChange.participant_id == participant_id)
    applied = 0
    due = session.scalars(stmt.order_by(TimezoneChange.switch_at).with_for_update(skip_locked=True)).all()
    for change in due:  # read first: re-planning runs statements of its own on this session
        participant = session.get(Participant, change.participant_id)
        if participant is None or change.to_timezone is None:
            continue
        before = {"timezone": participant.timezone}
        participant.zone_change_from = participant.timezone
        participant.timezone = change.to_timezone
        participant.zone_change_date = change.effective_date
        participant.zone_change_at = change.switch_at
        change.applied_at = now
        audit.record(
            session,
            SYSTEM,
            "participant.timezone_change",
            "participant",
            participant.id,
            now=now,
            before=before,
            after={"timezone": participant.timezone, "effective_date": change.effective_date},
            reason=f"moved to local time from {change.effective_date} (answer {change.id})",
            participant_id=participant.id,
            site_id=participant.site_id,
        )
        session.flush()
        replan_participant(session, participant, now)
        applied += 1
    return applied


def dose_overrides(participant: Participant, plan: TreatmentPlan, d: date) -> datetime | None:
    """The dose instant of day ``d`` when a recent change of zone moves it, else None.

    On the first days in a new zone a dose is due at the dose time on the new clock, but never
    less than 12 hours after the previous day's dose (taken, or due) nor before the day began.
    """
    first = participant.zone_change_date
    if first is None or not first <= d <= first + timedelta(days=OVERRIDE_DAYS):
        return None
    before, after = participant.zone_change_from or participant.timezone, participant.timezone
    days = [first - timedelta(days=1) + timedelta(days=n) for n in range((d - first).days + 2)]
    prescribed = [day for day in days if day_info(plan, day).is_prescribed]
    if d not in prescribed:
        return None
    session = object_session(participant)
    taken: dict[date, datetime] = {}
    if session is not None:
        rows = session.execute(
            select(DoseLog.local_date, DoseLog.taken_at).where(
                DoseLog.participant_id == participant.id,
                DoseLog.local_date.in_(prescribed),
                DoseLog.taken.is_(True),
                DoseLog.taken_at.is_not(None),
            )
        )
        taken = {day: at for day, at in rows if at is not None}  # (the query's condition too)
    starts = {first: participant.zone_change_at} if participant.zone_change_at is not None else {}
    due = travel.dose_instants(
        prescribed,
        participant.reminder_time,
        lambda day: before if day < first else after,
        taken_at=taken,
        starts=starts,
    )
    return due[d]


def history(session: Session, actor: Actor, participant_id: str) -> list[TimezoneChange]:
    """The participant's answers to the travel prompt, newest first (site staff)."""
    require_role(actor, READ_ROLES)
    participant = get_participant(session, actor, participant_id)
    stmt = (
        select(TimezoneChange)
        .where(TimezoneChange.participant_id == participant.id)
        .order_by(TimezoneChange.decided_at.desc(), TimezoneChange.id.desc())
    )
    return list(session.scalars(stmt))


def dose_due_at(participant: Participant, plan: TreatmentPlan, d: date) -> datetime:
    """When day ``d``'s dose is due: moved by a recent change of zone, else the dose time on the
    clock of the zone the day was lived in (before the latest change: the zone before it)."""
    moved = dose_overrides(participant, plan, d)
    if moved is not None:
        return moved
    zone = participant.timezone
    if participant.zone_change_date is not None and d < participant.zone_change_date:
        zone = participant.zone_change_from or zone
    return local_instant(d, participant.reminder_time, zone)


def dose_time_moved(participant: Participant, plan: TreatmentPlan, d: date) -> bool:
    """True when a change of zone moved day ``d``'s dose off the dose time (the calendar says so)."""
    moved = dose_overrides(participant, plan, d)
    return moved is not None and moved != local_instant(d, participant.reminder_time, participant.timezone)
