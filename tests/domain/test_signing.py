"""Sign-off rules with plain values: cycle spans, what is signed and its hash, the signing lock."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from backend.domain import signing
from backend.domain.calendar import CycleStart, DoseChangeRecord, HoldPeriod, TreatmentPlan
from backend.domain.protocol import get_protocol
from backend.domain.signing import CycleSpan, LockState

SKB = get_protocol().treatment
C1D1 = date(2026, 1, 5)


def plan(*starts: date, discontinued: date | None = None, holds=(), changes=()) -> TreatmentPlan:
    cycles = [CycleStart(1, C1D1)] + [CycleStart(n, s) for n, s in enumerate(starts, start=2)]
    return TreatmentPlan(SKB, C1D1, 8.0, tuple(cycles), tuple(holds), tuple(changes), discontinued)


# --- spans ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("the_plan", "number", "expected"),
    [
        # the running (latest) cycle has no end, even past its 21 days (a delayed next cycle)
        (plan(), 1, CycleSpan(1, C1D1, None)),
        # the next confirmed day 1 ends a cycle, on time or delayed
        (plan(date(2026, 1, 26)), 1, CycleSpan(1, C1D1, date(2026, 1, 25))),
        (plan(date(2026, 2, 2)), 1, CycleSpan(1, C1D1, date(2026, 2, 1))),
        (plan(date(2026, 1, 26)), 2, CycleSpan(2, date(2026, 1, 26), None)),
        # discontinuation ends the last cycle the day before
        (
            plan(date(2026, 1, 26), discontinued=date(2026, 2, 3)),
            2,
            CycleSpan(2, date(2026, 1, 26), date(2026, 2, 2)),
        ),
        # ... and, dated before a cycle's day 1, leaves that cycle an empty span
        (
            plan(date(2026, 1, 26), discontinued=date(2026, 1, 20)),
            2,
            CycleSpan(2, date(2026, 1, 26), date(2026, 1, 19)),
        ),
        (plan(), 2, None),
    ],
)
def test_cycle_span(the_plan, number, expected):
    assert signing.cycle_span(the_plan, number) == expected


@pytest.mark.parametrize(
    ("the_plan", "last", "dates", "may_touch"),
    [
        (plan(), None, [date(2026, 1, 10)], False),  # nothing complete: nothing signable
        (plan(date(2026, 1, 26)), date(2026, 1, 25), [date(2026, 1, 25)], True),
        (plan(date(2026, 1, 26)), date(2026, 1, 25), [date(2026, 1, 26)], False),  # today's entry in cycle 2
        (plan(date(2026, 1, 26)), date(2026, 1, 25), [date(2026, 1, 4)], False),  # before C1D1
        (plan(date(2026, 1, 26)), date(2026, 1, 25), [date(2026, 1, 27), date(2026, 1, 20)], True),  # moved
        (plan(discontinued=date(2026, 1, 12)), date(2026, 1, 11), [date(2026, 1, 12)], False),  # after it
    ],
)
def test_which_dates_may_touch_a_signed_cycle(the_plan, last, dates, may_touch):
    assert signing.last_signable_date(the_plan) == last
    assert signing.may_touch_signed(the_plan, dates) is may_touch


# --- the document and its hash ------------------------------------------------------------------

SPAN = CycleSpan(1, C1D1, date(2026, 1, 25))
ENTRY = {
    "id": "e1",
    "version": 1,
    "taken": True,
    "dose_mg": 8.0,
    "taken_at": datetime(2026, 1, 6, 1, tzinfo=UTC),
}
READING = {"id": "r1", "version": 1, "measured_at": datetime(2026, 1, 6, 1, tzinfo=UTC), "systolic": 150}


def document(**overrides):
    values = {
        "entries": {date(2026, 1, 6): ENTRY},
        "bp_readings": [READING],
        "symptom_reports": [],
        "alerts": [],
    }
    values.update(overrides)
    participant = values.pop("participant_id", "p1")
    the_plan = values.pop("plan", plan(date(2026, 1, 26)))
    span = values.pop("span", SPAN)
    return signing.content_document(the_plan, participant, span, **values)


def test_the_document_names_every_day_of_the_cycle_with_its_plan():
    doc = document()
    assert (doc["participant_id"], doc["cycle"], len(doc["days"])) == ("p1", 1, 21)
    assert doc["days"][1] == {
        "date": date(2026, 1, 6),
        "cycle_day": 2,
        "phase": "dosing",
        "expected_dose_mg": 8.0,
        "entry": ENTRY,
    }
    assert (doc["days"][14]["phase"], doc["days"][14]["entry"]) == ("break", None)


def test_a_running_cycle_has_no_document():
    with pytest.raises(ValueError, match="still running"):
        document(span=CycleSpan(1, C1D1, None))


CHANGES = [
    ("another participant", {"participant_id": "p2"}),
    ("another cycle", {"span": CycleSpan(2, C1D1, date(2026, 1, 25))}),
    ("an entry's version", {"entries": {date(2026, 1, 6): {**ENTRY, "version": 2}}}),
    ("an entry's value", {"entries": {date(2026, 1, 6): {**ENTRY, "taken": False}}}),
    ("a new entry", {"entries": {date(2026, 1, 6): ENTRY, date(2026, 1, 7): ENTRY}}),
    ("a reading's value", {"bp_readings": [{**READING, "systolic": 151}]}),
    (
        "a reading's time",
        {"bp_readings": [{**READING, "measured_at": READING["measured_at"] + timedelta(seconds=1)}]},
    ),
    ("a new report", {"symptom_reports": [{"id": "s1", "answers": {"nausea_frequency": 0}}]}),
    ("an alert's status", {"alerts": [{"id": "a1", "status": "resolved"}]}),
    (
        "a hold in the cycle",
        {"plan": plan(date(2026, 1, 26), holds=[HoldPeriod(date(2026, 1, 10), date(2026, 1, 12))])},
    ),
    (
        "a dose change in the cycle",
        {"plan": plan(date(2026, 1, 26), changes=[DoseChangeRecord(date(2026, 1, 10), 6.0)])},
    ),
]


@pytest.mark.parametrize(("what", "overrides"), CHANGES, ids=[c[0] for c in CHANGES])
def test_the_hash_changes_when_anything_signed_changes(what, overrides):
    assert signing.content_hash(document(**overrides)) != signing.content_hash(document())


def test_the_hash_is_sha256_of_sorted_compact_utf8_json_with_utc_instants():
    doc = {
        "b": 1,
        "a": [datetime(2026, 1, 6, 9, tzinfo=timezone(timedelta(hours=8))), date(2026, 1, 6), "中"],
    }
    expected = '{"a":["2026-01-06T01:00:00Z","2026-01-06","中"],"b":1}'.encode()
    assert signing.canonical_bytes(doc) == expected
    assert signing.content_hash(doc) == hashlib.sha256(expected).hexdigest()
    # the same content read in another order, another zone or back from JSON hashes the same
    reordered = {"a": [datetime(2026, 1, 6, 1, tzinfo=UTC), date(2026, 1, 6), "中"], "b": 1}
    assert signing.content_hash(reordered) == signing.content_hash(doc)
    assert signing.content_hash(json.loads(expected)) == signing.content_hash(doc)


def test_naive_instants_and_non_numbers_cannot_be_signed():
    with pytest.raises(ValueError, match="naive"):
        signing.canonical_bytes({"at": datetime(2026, 1, 6, 1)})  # noqa: DTZ001
    with pytest.raises(ValueError, match="non-finite"):
        signing.canonical_bytes({"x": float("nan")})


# --- the signing lock ---------------------------------------------------------------------------

T0 = datetime(2026, 1, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("before", "now", "after"),
    [
        (LockState(0, None), T0, LockState(1, None)),
        (LockState(3, None), T0, LockState(4, None)),
        (LockState(4, None), T0, LockState(5, T0 + timedelta(minutes=15))),  # the fifth locks
        # while locked nothing is counted
        (LockState(5, T0), T0 - timedelta(minutes=1), LockState(5, T0)),
        # a lock that ran out starts a fresh count
        (LockState(5, T0), T0, LockState(1, None)),
        (LockState(5, T0), T0 + timedelta(hours=1), LockState(1, None)),
    ],
)
def test_each_wrong_password_counts_and_the_fifth_locks_for_15_minutes(before, now, after):
    assert signing.after_wrong_password(before, now) == after


def test_a_lock_tells_when_signing_may_be_tried_again():
    locked = LockState(5, T0 + timedelta(minutes=15))
    assert locked.is_locked(T0) and locked.retry_after_seconds(T0) == 900 and locked.tries_left(T0) == 0
    assert locked.retry_after_seconds(T0 + timedelta(minutes=14, seconds=59, milliseconds=500)) == 1
    assert (
        not locked.is_locked(T0 + timedelta(minutes=15))
        and locked.tries_left(T0 + timedelta(minutes=15)) == 5
    )
    assert LockState(2, None).tries_left(T0) == 3 and LockState(2, None).retry_after_seconds(T0) == 0
