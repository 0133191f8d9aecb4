"""Treatment plans built from the site's rows: what every date-asking feature reads.

:func:`load_plan` / :func:`load_plans` turn a participant's cycle, hold and dose-change rows into
the pure :class:`~backend.domain.calendar.TreatmentPlan` every other feature (diary, adherence,
scheduler) asks about dates; :func:`protocol_of` is the protocol version the participant was
enrolled under. The site's actions that change these rows live in
:mod:`backend.services.treatment`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Date, Float, Integer, Select, bindparam, cast, literal, null, select, union_all
from sqlalchemy.orm import Session

from backend.domain.calendar import CycleStart, DoseChangeRecord, HoldPeriod, TreatmentPlan
from backend.domain.localtime import local_date
from backend.domain.protocol import Protocol, get_protocol
from backend.models import Cycle, DoseChange, Hold, Participant


def protocol_of(participant: Participant) -> Protocol:
    """The protocol version the participant was enrolled under."""
    return get_protocol(participant.protocol_ref)


def _plan(
    participant: Participant,
    cycles: list[CycleStart],
    holds: list[HoldPeriod],
    changes: list[DoseChangeRecord],
) -> TreatmentPlan:
    return TreatmentPlan(
        treatment=protocol_of(participant).treatment,
        c1d1=participant.c1d1,
        initial_dose_mg=participant.initial_dose_mg,
        cycles=tuple(cycles),
        holds=tuple(holds),
        dose_changes=tuple(changes),
        discontinued_on=participant.discontinued_on,
    )


def _plan_rows() -> Select:
    """Confirmed cycle starts, holds and dose changes of the ``ids`` parameter as one UNION ALL.

    This is on every diary request's path: one round trip, plain columns rather than ORM
    objects, and built once (the expanding ``ids`` parameter keeps SQLAlchemy's compiled cache hot).
    """
    ids = bindparam("ids", expanding=True)
    no_int, no_date, no_float = cast(null(), Integer), cast(null(), Date), cast(null(), Float)
    cycles = select(
        literal("cycle").label("kind"),
        Cycle.participant_id.label("pid"),
        Cycle.number.label("number"),
        Cycle.confirmed_start.label("first"),
        no_date.label("last"),
        no_float.label("dose_mg"),
    ).where(Cycle.participant_id.in_(ids), Cycle.confirmed_start.is_not(None))
    holds = select(
        literal("hold"), Hold.participant_id, no_int, Hold.start_date, Hold.end_date, no_float
    ).where(Hold.participant_id.in_(ids))
    changes = select(
        literal("dose"),
        DoseChange.participant_id,
        no_int,
        DoseChange.effective_date,
        no_date,
        DoseChange.dose_mg,
    ).where(DoseChange.participant_id.in_(ids))
    return union_all(cycles, holds, changes)


PLAN_ROWS = _plan_rows()


def load_plans(session: Session, participants: Iterable[Participant]) -> dict[str, TreatmentPlan]:
    """Treatment plans for many participants in one query, by participant id."""
    by_id = {p.id: p for p in participants}
    if not by_id:
        return {}
    cycles: dict[str, list[CycleStart]] = defaultdict(list)
    holds: dict[str, list[HoldPeriod]] = defaultdict(list)
    changes: dict[str, list[DoseChangeRecord]] = defaultdict(list)
    for kind, pid, number, first, last, dose_mg in session.execute(PLAN_ROWS, {"ids": list(by_id)}):
        if kind == "cycle":
            cycles[pid].append(CycleStart(number, first))
        elif kind == "hold":
            holds[pid].append(HoldPeriod(first, last))
        else:
            changes[pid].append(DoseChangeRecord(first, dose_mg))
    return {pid: _plan(p, cycles[pid], holds[pid], changes[pid]) for pid, p in by_id.items()}


def load_plan(session: Session, participant: Participant) -> TreatmentPlan:
    """The participant's treatment plan as recorded so far (confirmed cycles only)."""
    return load_plans(session, [participant])[participant.id]


def local_today(participant: Participant, now: datetime) -> date:
    """The participant's local date at ``now``."""
    return local_date(now, participant.timezone)
