"""The dosing diary: dose entries by the patient or the site (the day and calendar: ``patient_day``).

The rules of an entry live here: who may write which day, field rules, flags. Writing it (the
locked upsert, its audit event, the prebuilt statements) is :mod:`backend.services.diary_store`,
whose invariant is one row per day and one audit event per actual change. An identical repeat
changes nothing; any other change needs a reason and leaves the old values in the audit trail.
The window rules (on time, late, staff only), ``taken_at`` sanity and deviation flags all come
from :mod:`backend.domain.diary`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import calendar, diary
from backend.models import DoseLog, Participant
from backend.services.actors import Actor
from backend.services.diary_store import ENTRY_FIELDS, entry_on, write_entry
from backend.services.diary_store import same_entry as _same
from backend.services.errors import Forbidden, Invalid, NotFound
from backend.services.plan_cache import current_plan
from backend.services.plans import protocol_of
from backend.services.scope import READ_ROLES, WRITE_ROLES, get_participant, require_role

MAX_RANGE_DAYS = 400
LATE = "late"


def check_range(start: date, end: date) -> None:
    """Refuse reversed or overly long date ranges (422 naming ``to``)."""
    if end < start:
        raise Invalid({"to": f"{end.isoformat()} is before from ({start.isoformat()})"})
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise Invalid({"to": f"at most {MAX_RANGE_DAYS} days can be asked for at once"})


def logs_between(session: Session, participant: Participant, start: date, end: date) -> dict[date, DoseLog]:
    """The participant's entries from ``start`` to ``end`` inclusive, by local date."""
    stmt = select(DoseLog).where(
        DoseLog.participant_id == participant.id, DoseLog.local_date >= start, DoseLog.local_date <= end
    )
    return {log.local_date: log for log in session.scalars(stmt)}


def me(session: Session, actor: Actor) -> Participant:
    """The participant behind a device actor."""
    if actor.kind != "device" or actor.participant_id is None:
        raise Forbidden("this endpoint is for a participant's device")
    return get_participant(session, actor, actor.participant_id)


def site_participant(
    session: Session, actor: Actor, participant_id: str, roles: tuple[str, ...]
) -> Participant:
    """A participant for a staff endpoint: role check, then site scoping (404 outside it)."""
    require_role(actor, roles)
    return get_participant(session, actor, participant_id)


# --- entries -------------------------------------------------------------------------------


def _normalise(entry: dict[str, Any]) -> dict[str, Any]:
    """The stored form of an entry body: every field present, absent ones at their default."""
    values = {name: entry.get(name) for name in ENTRY_FIELDS}
    values["vomited_after"] = bool(values["vomited_after"])
    if values["dose_mg"] is not None:
        values["dose_mg"] = float(values["dose_mg"])
    return values


def _validate(
    session: Session, participant: Participant, d: date, values: dict[str, Any], now: datetime
) -> None:
    """Field rules of one entry: nothing about an intake when none was taken; taken_at on the day.

    A ``taken_at`` after local midnight still belongs to a prescribed day until that day's make-up
    cut-off (a late-evening dose time); after it, or on any other date, it is refused.
    """
    if not values["taken"]:
        wrong = [n for n in ("taken_at", "dose_mg") if values[n] is not None]
        if values["vomited_after"]:
            wrong.append("vomited_after")
        if wrong:
            raise Invalid({name: "must be left out when taken is false" for name in wrong})
        return
    if values["missed_reason"] is not None:
        raise Invalid({"missed_reason": "only for a dose that was not taken"})
    if values["taken_at"] is not None:
        tz = participant.timezone
        make_up_until = None
        if diary.taken_after_midnight(d, values["taken_at"], tz):  # only then is the plan needed
            plan = current_plan(session, participant)
            if calendar.day_info(plan, d).is_prescribed:
                protocol = protocol_of(participant)
                window = diary.make_up_window(plan, d, participant.reminder_time, tz, protocol.entry)
                make_up_until = window.cutoff_at
        error = diary.check_taken_at(d, values["taken_at"], tz, now, make_up_until)
        if error:
            raise Invalid({"taken_at": error})


def _upsert(
    session: Session,
    participant: Participant,
    d: date,
    values: dict[str, Any],
    *,
    actor: Actor,
    source: str,
    source_detail: str | None,
    reason: str | None,
    reason_field: str,
    is_late: bool,
    device_time: datetime | None,
    now: datetime,
    device_timezone: str | None = None,
) -> tuple[DoseLog, bool]:
    """Create or change the day's entry with its flags; returns (entry, created)."""
    stored = {
        **values,
        "entered_by": actor.id,
        "entered_at": now,
        "device_time": device_time,
        "device_timezone": device_timezone,
        "source": source,
        "source_detail": source_detail,
        "is_late": is_late,
        **_flags(session, participant, d, values, is_late),
    }

    def refuse_change() -> None:
        raise Invalid(
            {reason_field: f"the entry for {d.isoformat()} exists; a reason is needed to change it"}
        )

    return write_entry(
        session,
        participant,
        d,
        values,
        stored,
        actor=actor,
        reason=reason,
        create_reason=reason if source == "site" else None,
        refuse_change=refuse_change,
        now=now,
    )


def _flags(
    session: Session, participant: Participant, d: date, values: dict[str, Any], is_late: bool
) -> dict[str, Any]:
    """The entry's flags: late, deviations from the calendar (intake on a break day...), after midnight."""
    plan = current_plan(session, participant)
    deviations = list(diary.deviation_flags(calendar.day_info(plan, d), values["taken"], values["dose_mg"]))
    notes = (
        [diary.TAKEN_AFTER_MIDNIGHT]
        if values["taken"] and diary.taken_after_midnight(d, values["taken_at"], participant.timezone)
        else []
    )
    return {"is_deviation": bool(deviations), "flags": ([LATE] if is_late else []) + deviations + notes}


def _check_date(participant: Participant, d: date, classification: str) -> None:
    if classification == diary.FUTURE:
        raise Invalid({"date": f"{d.isoformat()} is in the future"})
    if d < participant.c1d1:
        raise Invalid({"date": f"{d.isoformat()} is before cycle 1 day 1 ({participant.c1d1.isoformat()})"})


def put_patient_dose(
    session: Session,
    actor: Actor,
    d: date,
    entry: dict[str, Any],
    *,
    reason_for_change: str | None,
    device_time: datetime | None,
    now: datetime,
    device_timezone: str | None = None,
) -> tuple[DoseLog, bool]:
    """The patient enters or changes a day: late entries are flagged, after 72 h only the site may."""
    participant = me(session, actor)
    rules = protocol_of(participant).entry
    classification = diary.classify_entry(d, now, participant.timezone, rules)
    _check_date(participant, d, classification)
    values = _normalise(entry)
    if classification == diary.STAFF_ONLY:
        existing = entry_on(session, participant.id, d)
        if existing is not None and _same(existing, values):
            # a phone's outbox retrying an entry that already went through: still a no-op
            return existing, False
        raise Forbidden(
            f"{d.isoformat()} is more than {rules.patient_max_age_hours} hours ago; "
            "please contact your study site to record or change this day"
        )
    _validate(session, participant, d, values, now)
    return _upsert(
        session,
        participant,
        d,
        values,
        actor=actor,
        source="patient",
        source_detail=None,
        reason=reason_for_change,
        reason_field="reason_for_change",
        is_late=classification != diary.ON_TIME,
        device_time=device_time,
        device_timezone=device_timezone,
        now=now,
    )


def put_site_dose(
    session: Session,
    actor: Actor,
    participant_id: str,
    d: date,
    entry: dict[str, Any],
    *,
    reason: str,
    source_detail: str,
    now: datetime,
) -> tuple[DoseLog, bool]:
    """Site staff enter or change a day on the patient's behalf, at any age, with reason and source."""
    participant = site_participant(session, actor, participant_id, WRITE_ROLES)
    rules = protocol_of(participant).entry
    classification = diary.classify_entry(d, now, participant.timezone, rules)
    _check_date(participant, d, classification)
    values = _normalise(entry)
    _validate(session, participant, d, values, now)
    return _upsert(
        session,
        participant,
        d,
        values,
        actor=actor,
        source="site",
        source_detail=source_detail,
        reason=reason,
        reason_field="reason",
        is_late=classification != diary.ON_TIME,
        device_time=None,
        now=now,
    )


def get_dose(session: Session, participant: Participant, d: date) -> DoseLog:
    """The entry for ``d`` or 404."""
    log = entry_on(session, participant.id, d)
    if log is None:
        raise NotFound(f"no entry for {d.isoformat()}")
    return log


def list_doses(session: Session, participant: Participant, start: date, end: date) -> list[DoseLog]:
    """Entries from ``start`` to ``end`` inclusive, in date order."""
    check_range(start, end)
    return sorted(logs_between(session, participant, start, end).values(), key=lambda log: log.local_date)


def site_reader(session: Session, actor: Actor, participant_id: str) -> Participant:
    """A participant for a staff read endpoint."""
    return site_participant(session, actor, participant_id, READ_ROLES)
