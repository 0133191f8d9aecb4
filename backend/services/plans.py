"""Treatment plans built from the site's rows: what every date-asking feature reads.

:func:`load_plan` / :func:`load_plans` turn a participant's cycle, hold and dose-change rows into
the pure :class:`~backend.domain.calendar.TreatmentPlan` every other feature (diary, adherence,
scheduler) asks about dates; :func:`protocol_of` is the protocol version the participant was
enrolled under. The site's actions that change these rows live in
:mod:`backend.services.treatment`; the per-process cache of the rows that requests read is
:mod:`backend.services.plan_cache`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Date,
    Float,
    Integer,
    bindparam,
    cast,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from backend.domain.calendar import CycleStart, DoseChangeRecord, HoldPeriod, TreatmentPlan, WaitPeriod
from backend.domain.localtime import local_date
from backend.domain.protocol import Protocol, Treatment, get_protocol
from backend.models import Cycle, DoseChange, Hold, Participant, TeamWait
from backend.services.errors import Invalid


def protocol_of(participant: Participant) -> Protocol:
    """The protocol version the participant was enrolled under."""
    return get_protocol(participant.protocol_ref)


def _plan(
    participant: Participant,
    cycles: Sequence[CycleStart],
    holds: Sequence[HoldPeriod],
    changes: Sequence[DoseChangeRecord],
    waits: Sequence[WaitPeriod] = (),
) -> TreatmentPlan:
    return TreatmentPlan(
        treatment=protocol_of(participant).treatment,
        c1d1=participant.c1d1,
        initial_dose_mg=participant.initial_dose_mg,
        cycles=tuple(cycles),
        holds=tuple(holds),
        dose_changes=tuple(changes),
        discontinued_on=participant.discontinued_on,
        waits=tuple(waits),
    )


def _plan_rows() -> CompoundSelect[*tuple[Any, ...]]:
    """Confirmed cycle starts (with ``confirmed_late_through``), holds, dose changes and
    wait-for-team days of the ``ids`` parameter as one UNION ALL.

    This is on every diary request's path: one round trip, plain columns rather than ORM
    objects, and built once (the expanding ``ids`` parameter keeps SQLAlchemy's compiled cache hot).
    """
    ids: BindParameter[list[str]] = bindparam("ids", expanding=True)
    no_int, no_date, no_float = cast(null(), Integer), cast(null(), Date), cast(null(), Float)
    cycles = select(
        literal("cycle").label("kind"),
        Cycle.participant_id.label("pid"),
        Cycle.number.label("number"),
        Cycle.confirmed_start.label("first"),
        Cycle.confirmed_late_through.label("last"),
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
    waits = select(
        literal("wait"), TeamWait.participant_id, no_int, TeamWait.first_day, TeamWait.last_day, no_float
    ).where(TeamWait.participant_id.in_(ids))
    return union_all(cycles, holds, changes, waits)


PLAN_ROWS = _plan_rows()


# A participant's plan rows: confirmed cycle starts, holds, dose changes, wait-for-team days.
PlanRows = tuple[
    tuple[CycleStart, ...], tuple[HoldPeriod, ...], tuple[DoseChangeRecord, ...], tuple[WaitPeriod, ...]
]


def _load_rows(session: Session, ids: list[str]) -> dict[str, PlanRows]:
    cycles: dict[str, list[CycleStart]] = defaultdict(list)
    holds: dict[str, list[HoldPeriod]] = defaultdict(list)
    changes: dict[str, list[DoseChangeRecord]] = defaultdict(list)
    waits: dict[str, list[WaitPeriod]] = defaultdict(list)
    for kind, pid, number, first, last, dose_mg in session.execute(PLAN_ROWS, {"ids": ids}):
        if kind == "cycle":
            cycles[pid].append(CycleStart(number, first, last))
        elif kind == "hold":
            holds[pid].append(HoldPeriod(first, last))
        elif kind == "wait":
            waits[pid].append(WaitPeriod(first, last))
        else:
            changes[pid].append(DoseChangeRecord(first, dose_mg))
    return {
        pid: (tuple(cycles[pid]), tuple(holds[pid]), tuple(changes[pid]), tuple(waits[pid])) for pid in ids
    }


def load_plans(session: Session, participants: Iterable[Participant]) -> dict[str, TreatmentPlan]:
    """Treatment plans for many participants in one query, by participant id."""
    by_id = {p.id: p for p in participants}
    if not by_id:
        return {}
    rows = _load_rows(session, list(by_id))
    return {pid: _plan(p, *rows[pid]) for pid, p in by_id.items()}


class LazyPlans(dict[str, TreatmentPlan]):
    """Plans loaded in one query but each built when first looked up by participant id.

    For the scheduler's jobs: a participant whose stored rows make no valid plan raises when
    (and where) that participant is worked on, inside the job's per-participant isolation,
    instead of failing the whole batch.
    """

    def __init__(self, session: Session, participants: Iterable[Participant]) -> None:
        super().__init__()
        self._people = {p.id: p for p in participants}
        self._rows = _load_rows(session, list(self._people)) if self._people else {}

    def __missing__(self, participant_id: str) -> TreatmentPlan:
        plan = _plan(self._people[participant_id], *self._rows[participant_id])
        self[participant_id] = plan
        return plan


def load_plan(session: Session, participant: Participant) -> TreatmentPlan:
    """The participant's treatment plan as recorded so far (confirmed cycles only)."""
    return load_plans(session, [participant])[participant.id]


def local_today(participant: Participant, now: datetime) -> date:
    """The participant's local date at ``now``."""
    return local_date(now, participant.timezone)


def check_date_window(treatment: Treatment, today: date, value: date, field: str) -> None:
    """422 naming ``field`` unless ``value`` lies in the protocol's window around local ``today``.

    C1D1, hold and dose-change dates feed every date calculation of the plan (cycle arithmetic
    overflows past year 9999): a value years away is a typing error, never a treatment date.
    """
    earliest = today - timedelta(days=treatment.date_window_past_days)
    latest = today + timedelta(days=treatment.date_window_future_days)
    if not earliest <= value <= latest:
        window = f"{earliest.isoformat()} .. {latest.isoformat()}"
        raise Invalid({field: f"{value.isoformat()} is outside {window} (local today {today.isoformat()})"})
