"""Treatment plans built from the site's rows: what every date-asking feature reads.

:func:`load_plan` / :func:`load_plans` turn a participant's cycle, hold and dose-change rows into
the pure :class:`~backend.domain.calendar.TreatmentPlan` every other feature (diary, adherence,
scheduler) asks about dates; :func:`protocol_of` is the protocol version the participant was
enrolled under. The site's actions that change these rows live in
:mod:`backend.services.treatment`.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from threading import Lock

from sqlalchemy import Date, Float, Integer, Select, bindparam, cast, event, literal, null, select, union_all
from sqlalchemy.orm import Session, object_session

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


def _plan_rows() -> Select:
    """Confirmed cycle starts (with ``confirmed_late_through``), holds, dose changes and
    wait-for-team days of the ``ids`` parameter as one UNION ALL.

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


class PlanCache:
    """Plan rows per process, by (participant id, plan token); least recently used out first.

    ``participants.plan_token`` is renewed by database triggers on every write of a cycle, hold
    or dose change (migration 0002), and by :mod:`backend.services.team_waits` on every write of
    a wait-for-team state, so an entry whose token is no longer the participant's
    current one is never asked for again and ages out. Thread-safe (gthread workers).
    """

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._rows: OrderedDict[tuple[str, str], PlanRows] = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, str]) -> PlanRows | None:
        with self._lock:
            rows = self._rows.get(key)
            if rows is None:
                self.misses += 1
                return None
            self._rows.move_to_end(key)
            self.hits += 1
            return rows

    def put(self, key: tuple[str, str], rows: PlanRows) -> None:
        with self._lock:
            self._rows[key] = rows
            self._rows.move_to_end(key)
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self.hits = self.misses = 0


PLAN_CACHE = PlanCache()


_PLAN_MODELS = (Cycle, Hold, DoseChange, TeamWait)
_PLAN_WRITTEN = "plan_rows_written"


def _mark_plan_written(mapper, connection, target) -> None:  # type: ignore[no-untyped-def]
    session = object_session(target)
    if session is not None:
        session.info[_PLAN_WRITTEN] = True


for _model in _PLAN_MODELS:
    for _event in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _event, _mark_plan_written)


def _plan_changed_here(session: Session) -> bool:
    """True once this session has written, or holds unflushed changes to, any plan row."""
    if session.info.get(_PLAN_WRITTEN):
        return True
    return any(isinstance(obj, _PLAN_MODELS) for obj in (*session.new, *session.dirty, *session.deleted))


def current_plan(session: Session, participant: Participant) -> TreatmentPlan:
    """:func:`load_plan` through the per-process :data:`PLAN_CACHE`: for requests that only read a plan.

    The key is the ``plan_token`` the participant was read with. The diary and the patient's day
    read the participant in the request's first query and never change a plan. A session that
    has itself written cycles, holds or dose changes (its in-memory token would be the one from
    before its own change) always loads the rows: the ORM's flush events mark such a session.
    Rows read after the token are at least as new as the token says (a concurrent change
    commits its rows and its new token together), so a cached entry is never older than its key.
    """
    if _plan_changed_here(session):
        return load_plan(session, participant)
    key = (participant.id, participant.plan_token)
    rows = PLAN_CACHE.get(key)
    if rows is None:
        rows = _load_rows(session, [participant.id])[participant.id]
        PLAN_CACHE.put(key, rows)
    return _plan(participant, *rows)


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
