"""Investigator sign-off of a cycle (21 CFR Part 11): what a cycle covers, what is signed, lockout.

A signature attests to *exactly* one participant's cycle as it stood when it was signed. What it
covers, in order:

1. the cycle's **span** is its confirmed day 1 up to the day before the next confirmed day 1, or
   up to the day before discontinuation for the last cycle of a discontinued participant
   (:func:`cycle_span`); the open cycle (the latest one, treatment continuing) has no end yet;
2. only a **complete** cycle (its span has an end) can be signed: a cycle still running can
   still gain entries, readings and reports, so a signature on it would attest to a moving
   target (:func:`is_complete`);
3. the **signed content** is a document of the participant id, the cycle number and span, every
   calendar day of the span (phase, prescribed dose, the diary entry with its version), and the
   BP readings, symptom reports and alerts dated in the span, with their values
   (:func:`content_document`);
4. its **hash** is SHA-256 over the canonical serialisation of that document
   (:func:`canonical_bytes`: sorted keys, no whitespace, UTF-8, instants in UTC). Because the
   participant id and cycle number are inside the hashed document, a signature's hash never
   matches another record's content: a signature cannot be copied or moved (Part 11 §11.70).

Records are placed in a cycle by their local date in the participant's zone: a diary entry by
its date, a reading by when it was measured, a report by when it was reported, an alert by when
it was opened. Records dated after discontinuation belong to no cycle.

Lockout (Part 11 §11.300(d)): five wrong passwords in a row lock the account's signing for 15
minutes (:func:`after_wrong_password`); a right password clears the count, and a lock that has
run out starts a fresh count.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from backend.domain.calendar import TreatmentPlan, day_info

DOCUMENT_SCHEMA = "dosing-diary/cycle-signature/v1"
MAX_WRONG_PASSWORDS = 5
LOCK_DURATION = timedelta(minutes=15)


class Meaning(StrEnum):
    """What the signer means by signing (Part 11 §11.50(a)(3))."""

    REVIEWED = "reviewed"
    APPROVED = "approved"


class SignatureStatus(StrEnum):
    """A signature stays valid until a record it covers changes."""

    VALID = "valid"
    INVALIDATED = "invalidated"


class CycleSignState(StrEnum):
    """Where a cycle stands in sign-off."""

    OPEN = "open"  # still running: cannot be signed yet
    UNSIGNED = "unsigned"  # complete, never signed
    INVALIDATED = "invalidated"  # complete, every signature invalidated by a later change
    SIGNED = "signed"  # complete, at least one valid signature


@dataclass(frozen=True)
class CycleSpan:
    """The local dates a cycle covers; ``last`` is None while the cycle is still running."""

    number: int
    first: date
    last: date | None

    def contains(self, d: date) -> bool:
        """True when local date ``d`` belongs to this cycle."""
        return self.first <= d and (self.last is None or d <= self.last)


def cycle_span(plan: TreatmentPlan, number: int) -> CycleSpan | None:
    """The span of confirmed cycle ``number`` (None when no such cycle was confirmed).

    A complete span can be empty (``last`` before ``first``) when discontinuation was dated
    before the cycle's day 1; it then covers no records.
    """
    starts = {c.number: c.start for c in plan.cycles}
    if number not in starts:
        return None
    first = starts[number]
    ends = []
    if number + 1 in starts:
        ends.append(starts[number + 1] - timedelta(days=1))
    if plan.discontinued_on is not None:
        ends.append(plan.discontinued_on - timedelta(days=1))
    return CycleSpan(number, first, min(ends) if ends else None)


def is_complete(span: CycleSpan) -> bool:
    """A cycle can be signed once it has ended (next cycle confirmed, or treatment discontinued)."""
    return span.last is not None


def complete_spans(plan: TreatmentPlan) -> list[CycleSpan]:
    """Every complete cycle of the plan, in order."""
    spans = [cycle_span(plan, c.number) for c in plan.cycles]
    return [s for s in spans if s is not None and is_complete(s)]


def last_signable_date(plan: TreatmentPlan) -> date | None:
    """The last local date any complete cycle covers (None when no cycle is complete yet).

    A change dated after it cannot touch a signed record, which lets the write path skip the
    signature lookup for today's diary entry.
    """
    spans = complete_spans(plan)
    return max((s.last for s in spans if s.last is not None), default=None)


def may_touch_signed(plan: TreatmentPlan, dates: Sequence[date]) -> bool:
    """True when a record dated on any of ``dates`` may lie in a complete (signable) cycle."""
    end = last_signable_date(plan)
    return end is not None and any(plan.c1d1 <= d <= end for d in dates)


# --- the signed document and its hash ----------------------------------------------------------


def _canonical_value(value: Any) -> Any:
    """A JSON value with one spelling per meaning: instants as UTC ISO 8601, dates as ISO dates."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime in signed content: {value.isoformat()}")
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("non-finite number in signed content")
    if isinstance(value, Mapping):
        return {str(k): _canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_value(v) for v in value]
    return value


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """The one byte string a document hashes as: sorted keys, no whitespace, UTF-8."""
    return json.dumps(
        _canonical_value(document), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def canonical_json(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` as the plain JSON data that is hashed (for storing beside the hash)."""
    return dict(_canonical_value(document))


def content_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical serialisation of ``document``."""
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def _by(key: str, *more: str) -> Any:
    return lambda row: tuple(str(row.get(k)) for k in (key, *more))


def content_document(
    plan: TreatmentPlan,
    participant_id: str,
    span: CycleSpan,
    *,
    entries: Mapping[date, Mapping[str, Any]],
    bp_readings: Sequence[Mapping[str, Any]],
    symptom_reports: Sequence[Mapping[str, Any]],
    alerts: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The document a signature of ``span`` attests to (see the module docstring, rule 3).

    ``entries`` are the diary entries by local date (each with its ``version``); the other
    records are plain mappings of their signed fields, already restricted to the span. Every
    day of the span appears, with or without an entry, so a day whose entry appears later
    changes the document too.
    """
    if span.last is None:
        raise ValueError(f"cycle {span.number} is still running and cannot be signed")
    days = []
    count = (span.last - span.first).days + 1
    for offset in range(max(count, 0)):
        info = day_info(plan, span.first + timedelta(days=offset))
        days.append(
            {
                "date": info.date,
                "cycle_day": info.cycle_day,
                "phase": info.phase,
                "expected_dose_mg": info.expected_dose_mg,
                "entry": dict(entries[info.date]) if info.date in entries else None,
            }
        )
    return {
        "schema": DOCUMENT_SCHEMA,
        "participant_id": participant_id,
        "cycle": span.number,
        "first_date": span.first,
        "last_date": span.last,
        "days": days,
        "bp_readings": sorted((dict(r) for r in bp_readings), key=_by("measured_at", "id")),
        "symptom_reports": sorted((dict(r) for r in symptom_reports), key=_by("reported_at", "id")),
        "alerts": sorted((dict(a) for a in alerts), key=_by("opened_at", "id")),
    }


# --- wrong passwords and the signing lock ------------------------------------------------------


@dataclass(frozen=True)
class LockState:
    """An account's signing lock: consecutive wrong passwords and the lock's end, if locked."""

    wrong_passwords: int
    locked_until: datetime | None

    def is_locked(self, now: datetime) -> bool:
        """True while the lock lasts."""
        return self.locked_until is not None and now < self.locked_until

    def retry_after_seconds(self, now: datetime) -> int:
        """Whole seconds until signing may be tried again (0 when not locked)."""
        if not self.is_locked(now) or self.locked_until is None:
            return 0
        return max(1, math.ceil((self.locked_until - now).total_seconds()))

    def tries_left(self, now: datetime) -> int:
        """Wrong passwords still allowed before the lock (0 while locked)."""
        if self.is_locked(now):
            return 0
        return MAX_WRONG_PASSWORDS - current(self, now).wrong_passwords


def current(state: LockState, now: datetime) -> LockState:
    """The state as of ``now``: a lock that has run out is over, and its count starts afresh."""
    if state.locked_until is not None and now >= state.locked_until:
        return LockState(0, None)
    return state


def after_wrong_password(state: LockState, now: datetime) -> LockState:
    """The state after one more wrong password at ``now``; the fifth in a row locks signing."""
    state = current(state, now)
    if state.is_locked(now):
        return state  # not counted: while locked no password is even checked
    count = state.wrong_passwords + 1
    if count >= MAX_WRONG_PASSWORDS:
        return LockState(count, now + LOCK_DURATION)
    return LockState(count, None)
