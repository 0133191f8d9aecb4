"""Enrolment and participant details (site staff), with the audit trail on every change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain import bp
from backend.domain.localtime import local_date
from backend.domain.protocol import Treatment, get_protocol
from backend.models import Cycle, Participant, ParticipantStatus, Site
from backend.services import audit
from backend.services.actors import Actor
from backend.services.errors import Invalid, NotFound
from backend.services.locks import add_unique, conflict
from backend.services.paging import Order, Page, keyset_page
from backend.services.plans import check_date_window
from backend.services.scope import READ_ROLES, WRITE_ROLES, get_participant, require_role, scope_participants

PATCHABLE = (
    "timezone",
    "language",
    "reminder_time",
    "bp_reminder_time",
    "status",
    "baseline_sbp",
    "baseline_dbp",
)
BASELINE_FIELDS = ("baseline_sbp", "baseline_dbp")


def check_baseline(sbp: int | None, dbp: int | None) -> None:
    """A baseline BP is a pair within the plausible bounds of a reading, or absent (422 otherwise).

    CTCAE v6.0's baseline-rise criterion needs both values (the MAP is computed from the pair).
    """
    if sbp is None and dbp is None:
        return
    if sbp is None or dbp is None:
        missing = "baseline_sbp" if sbp is None else "baseline_dbp"
        raise Invalid({missing: "baseline_sbp and baseline_dbp are set (or cleared) together"})
    errors = bp.plausibility_errors(sbp, dbp, None)
    if errors:
        names = {"systolic": "baseline_sbp", "diastolic": "baseline_dbp"}
        raise Invalid({names[key]: message for key, message in errors.items()})


def enrol(
    session: Session,
    actor: Actor,
    *,
    study_id: str,
    site_id: str,
    timezone: str,
    c1d1: date,
    reminder_time: time,
    language: str = "zh-CN",
    bp_reminder_time: time | None = None,
    dose_mg: float | None = None,
    protocol_ref: str | None = None,
    baseline_sbp: int | None = None,
    baseline_dbp: int | None = None,
    now: datetime,
) -> Participant:
    """Enrol a participant; cycle 1 is confirmed at enrolment with its day 1 = ``c1d1``.

    The baseline BP (CTCAE v6.0 baseline rise) is optional and may be set later (``update``).
    """
    require_role(actor, WRITE_ROLES)
    check_baseline(baseline_sbp, baseline_dbp)
    site = session.get(Site, site_id)
    if site is None or not (actor.sees_all_sites or actor.site_id == site_id):
        raise Invalid({"site_id": "no such site, or not yours"})
    protocol = get_protocol(protocol_ref)
    check_date_window(protocol.treatment, local_date(now, timezone), c1d1, "c1d1")
    dose = _starting_dose(protocol.treatment, dose_mg)
    duplicate = select(Participant).where(Participant.site_id == site_id, Participant.study_id == study_id)
    taken = f"study id {study_id} is already enrolled at this site"
    if session.scalar(duplicate) is not None:
        raise conflict("study_id", taken)
    participant = Participant(
        site_id=site_id,
        study_id=study_id,
        timezone=timezone,
        language=language,
        reminder_time=reminder_time,
        bp_reminder_time=bp_reminder_time or protocol.reminders.default_bp_time,
        status=ParticipantStatus.ON_TREATMENT,
        protocol_ref=protocol.ref,
        c1d1=c1d1,
        initial_dose_mg=dose,
        baseline_sbp=baseline_sbp,
        baseline_dbp=baseline_dbp,
        created_at=now,
        updated_at=now,
    )
    add_unique(session, participant, field="study_id", message=taken)  # the same enrolment twice at once
    _confirm_first_cycle(session, actor, participant, now)
    return participant


def _starting_dose(treatment: Treatment, dose_mg: float | None) -> float:
    """The dose the participant starts on: the protocol's default, or a level the protocol allows."""
    dose = treatment.default_dose_mg if dose_mg is None else float(dose_mg)
    if dose not in treatment.allowed_dose_mg:
        allowed = ", ".join(f"{d:g}" for d in treatment.allowed_dose_mg)
        raise Invalid({"dose_mg": f"must be one of the protocol's dose levels: {allowed} mg"})
    return dose


def _confirm_first_cycle(session: Session, actor: Actor, participant: Participant, now: datetime) -> None:
    """Cycle 1 is confirmed at enrolment (day 1 = C1D1); the enrolment and the cycle are each audited."""
    cycle = Cycle(
        participant_id=participant.id,
        number=1,
        planned_start=participant.c1d1,
        confirmed_start=participant.c1d1,
        confirmed_by=actor.id,
        confirmed_at=now,
    )
    session.add(cycle)
    session.flush()
    audit.record(
        session,
        actor,
        "participant.enrol",
        "participant",
        participant.id,
        now=now,
        after=audit.snapshot(participant),
        participant_id=participant.id,
        site_id=participant.site_id,
    )
    audit.record(
        session,
        actor,
        "cycle.confirm",
        "cycle",
        cycle.id,
        now=now,
        after=audit.snapshot(cycle),
        participant_id=participant.id,
        site_id=participant.site_id,
        reason="cycle 1 day 1 given at enrolment",
    )


PARTICIPANT_ORDER = (Order(Participant.study_id), Order(Participant.id))


def list_participants(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    site_id: str | None = None,
    after: Sequence[Any] | None = None,
    limit: int | None = None,
) -> Page:
    """Participants the caller may see, optionally filtered, by study id (keyset pages)."""
    require_role(actor, READ_ROLES)
    stmt = scope_participants(select(Participant), actor)
    if status:
        stmt = stmt.where(Participant.status == status)
    if site_id:
        stmt = stmt.where(Participant.site_id == site_id)
    key = lambda p: (p.study_id, p.id)  # noqa: E731 - the row's values of PARTICIPANT_ORDER
    return keyset_page(session, stmt, PARTICIPANT_ORDER, key, after=after, limit=limit)


def read(session: Session, actor: Actor, participant_id: str) -> Participant:
    """One participant, if the caller may see them."""
    require_role(actor, READ_ROLES)
    return get_participant(session, actor, participant_id)


def update(
    session: Session,
    actor: Actor,
    participant_id: str,
    changes: dict[str, Any],
    *,
    reason: str,
    now: datetime,
) -> Participant:
    """Change a participant's details; the reason and old/new values go to the audit trail."""
    require_role(actor, WRITE_ROLES)
    participant = get_participant(session, actor, participant_id)
    unknown = set(changes) - set(PATCHABLE)
    if unknown:
        raise NotFound(f"cannot change {sorted(unknown)[0]}")
    if changes.get("status") == ParticipantStatus.OFF_TREATMENT:
        raise Invalid({"status": "use POST /participants/{id}/discontinue to take someone off treatment"})
    if any(name in changes for name in BASELINE_FIELDS):
        check_baseline(
            changes.get("baseline_sbp", participant.baseline_sbp),
            changes.get("baseline_dbp", participant.baseline_dbp),
        )
    before = audit.snapshot(participant)
    for key, value in changes.items():
        setattr(participant, key, value)
    participant.updated_at = now
    audit.record_change(
        session,
        actor,
        "participant.update",
        "participant",
        participant,
        before,
        now=now,
        reason=reason,
        participant_id=participant.id,
        site_id=participant.site_id,
    )
    return participant
