"""Data query rules with plain values: the states a step moves between, who may take it, targets."""

from __future__ import annotations

import pytest

from backend.domain import data_queries as rules
from backend.domain.data_queries import QueryStatus as S
from backend.domain.data_queries import QueryStep as Step
from backend.domain.data_queries import TargetKind as K

TRANSITIONS = [
    (S.OPEN, Step.ANSWER, S.ANSWERED),
    (S.ANSWERED, Step.ANSWER, None),
    (S.CLOSED, Step.ANSWER, None),
    (S.OPEN, Step.CLOSE, S.CLOSED),  # raised in error
    (S.ANSWERED, Step.CLOSE, S.CLOSED),
    (S.CLOSED, Step.CLOSE, None),
    (S.OPEN, Step.REOPEN, None),
    (S.ANSWERED, Step.REOPEN, S.OPEN),  # the answer does not settle it
    (S.CLOSED, Step.REOPEN, S.OPEN),
]


@pytest.mark.parametrize(("status", "step", "after"), TRANSITIONS)
def test_each_step_moves_a_query_from_the_states_it_may(status, step, after):
    assert rules.next_status(status, step) == after


@pytest.mark.parametrize(
    ("status", "step", "repeat"),
    [
        (S.CLOSED, Step.CLOSE, True),
        (S.OPEN, Step.REOPEN, True),
        (S.ANSWERED, Step.ANSWER, True),  # the service also compares the answer's words
        (S.OPEN, Step.CLOSE, False),
        (S.ANSWERED, Step.REOPEN, False),
    ],
)
def test_a_step_to_where_the_query_already_is_is_a_repeat(status, step, repeat):
    assert rules.is_repeat(status, step) is repeat


@pytest.mark.parametrize(
    ("role", "raised_by", "raise_", "answer", "settle"),
    [
        ("monitor", "monitor", True, False, True),
        ("monitor", "coordinator", True, False, True),
        ("coordinator", "monitor", True, True, False),  # never closes the monitor's question
        ("investigator", "monitor", True, True, False),
        ("coordinator", "investigator", True, True, True),  # the site's own query
        ("investigator", "coordinator", True, True, True),
        ("admin", "coordinator", False, False, False),
        (None, "monitor", False, False, False),
    ],
)
def test_who_may_raise_answer_and_settle(role, raised_by, raise_, answer, settle):
    assert (rules.may_raise(role), rules.may_answer(role), rules.may_settle(role, raised_by)) == (
        raise_,
        answer,
        settle,
    )


@pytest.mark.parametrize(
    ("kind", "field", "ok"),
    [
        (K.DOSE_DAY, None, True),
        (K.DOSE_DAY, "taken_at", True),
        (K.DOSE_DAY, "systolic", False),
        (K.BP_READING, "systolic", True),
        (K.BP_READING, None, True),
        (K.SYMPTOM_REPORT, "temperature_c", True),
        (K.SYMPTOM_REPORT, "grade", False),
        (K.PARTICIPANT, None, False),  # a participant query names its field
        (K.PARTICIPANT, "bp_reminder_time", True),
        (K.PARTICIPANT, "plan_token", False),
    ],
)
def test_a_query_names_a_field_of_its_record(kind, field, ok):
    assert (rules.target_field_error(kind, field) is None) is ok
