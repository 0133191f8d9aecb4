"""The per-process cache of treatment-plan rows that requests read (the diary, the patient's day).

Invariant: an entry is keyed by (participant id, ``plan_token``), and a participant's token
changes in the same transaction as any of their plan rows, so a cached entry is never older
than its key and a changed plan is never served from an old entry. Five places keep it:

1. the ``participants.plan_token`` column (:mod:`backend.models.participants`);
2. database triggers that renew it on every insert, update or delete of a cycle, hold or dose
   change (migration ``0002``), and :func:`backend.services.team_waits` renewing it on every
   write of a wait-for-team state (a row the triggers do not watch);
3. the participant is read *before* the plan rows (the device-token lookup in
   :mod:`backend.services.auth` reads both in the request's first query): rows read after the
   token are at least as new as the token says, since a concurrent change commits its rows and
   its new token together;
4. a session that has itself written plan rows (its in-memory token predates its own change)
   never uses the cache: the ORM flush listeners below mark such a session; they are
   registered by ``create_app`` (:func:`register_listeners`);
5. :func:`clear` empties the cache (tests that rewrite the database under a running process).
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from backend.domain.calendar import TreatmentPlan
from backend.models import Cycle, DoseChange, Hold, Participant, TeamWait
from backend.services.plans import PlanRows, _load_rows, _plan, load_plan


class PlanCache:
    """Plan rows by (participant id, plan token); least recently used out first; thread-safe."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._rows: OrderedDict[tuple[str, str], PlanRows] = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, str]) -> PlanRows | None:
        """The rows cached under ``key``, or None (counted as a miss)."""
        with self._lock:
            rows = self._rows.get(key)
            if rows is None:
                self.misses += 1
                return None
            self._rows.move_to_end(key)
            self.hits += 1
            return rows

    def put(self, key: tuple[str, str], rows: PlanRows) -> None:
        """Cache ``rows`` under ``key``, dropping the least recently used beyond ``size``."""
        with self._lock:
            self._rows[key] = rows
            self._rows.move_to_end(key)
            while len(self._rows) > self.size:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry and the hit counts."""
        with self._lock:
            self._rows.clear()
            self.hits = self.misses = 0


PLAN_CACHE = PlanCache()
_PLAN_MODELS = (Cycle, Hold, DoseChange, TeamWait)
_PLAN_WRITTEN = "plan_rows_written"
_EVENTS = ("after_insert", "after_update", "after_delete")


def clear() -> None:
    """Empty the process's cache (for tests)."""
    PLAN_CACHE.clear()


def _mark_plan_written(_mapper: Any, _connection: Any, target: Any) -> None:
    session = object_session(target)
    if session is not None:
        session.info[_PLAN_WRITTEN] = True


def register_listeners() -> None:
    """Mark every session that flushes a plan row (point 4 above); idempotent, called by ``create_app``."""
    for model in _PLAN_MODELS:
        for name in _EVENTS:
            if not event.contains(model, name, _mark_plan_written):
                event.listen(model, name, _mark_plan_written)


def _plan_changed_here(session: Session) -> bool:
    """True once this session has written, or holds unflushed changes to, any plan row."""
    if session.info.get(_PLAN_WRITTEN):
        return True
    return any(isinstance(obj, _PLAN_MODELS) for obj in (*session.new, *session.dirty, *session.deleted))


def plan_rows(session: Session, participant_id: str, plan_token: str) -> PlanRows:
    """The participant's plan rows for the token they were read with, from the cache when there."""
    key = (participant_id, plan_token)
    rows = PLAN_CACHE.get(key)
    if rows is None:
        rows = _load_rows(session, [participant_id])[participant_id]
        PLAN_CACHE.put(key, rows)
    return rows


def current_plan(session: Session, participant: Participant) -> TreatmentPlan:
    """The participant's plan for a request that only reads it: through the cache (see the invariant)."""
    if _plan_changed_here(session):
        return load_plan(session, participant)
    return _plan(participant, *plan_rows(session, participant.id, participant.plan_token))
