"""Today's one instruction (issue 14, item 2): every state, one table, plain values, no database.

Participant in Shanghai (UTC+8, no DST), dose time 08:00, SKB264-ANLO (dosing days 1-14 of 21).
Cycle 1 starts 2026-11-02: dosing 11-02..11-15, break 11-16..11-22, cycle 2 planned 11-23 and not
confirmed. Every instant is written out by hand in UTC, so a wrong rule cannot compute its own
expectation: on an ordinary dosing day the make-up cut-off is 20:00 local (12:00Z), 12 h before
the next day's 08:00 dose; on day 14 (the last dosing day, nothing scheduled after it) it is the
entry window's close, 12:00 local next day (04:00Z).
"""

# ruff: noqa: E501  (the case table reads best one case per two lines)

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from backend.domain.calendar import CycleStart, HoldPeriod, TreatmentPlan, WaitPeriod, day_info
from backend.domain.i18n import catalogue
from backend.domain.instruction import (
    FORM_ANYWAY,
    FORM_ASK,
    FORM_RECORDED,
    STATES,
    DayEntry,
    OpenWait,
    instruction,
)
from backend.domain.protocol import get_protocol

SH = "Asia/Shanghai"
SKB = get_protocol()
C1 = date(2026, 11, 2)


def z(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in 2026, UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def plan(
    holds: tuple[HoldPeriod, ...] = (), discontinued_on: date | None = None, cycles: int = 1
) -> TreatmentPlan:
    starts = [CycleStart(1, C1)] + ([CycleStart(2, date(2026, 11, 23))] if cycles == 2 else [])
    return TreatmentPlan(SKB.treatment, C1, 8.0, tuple(starts), holds, discontinued_on=discontinued_on)


TAKEN = DayEntry(True)
VOMITED = DayEntry(True, vomited_after=True)
FORGOT = DayEntry(False, missed_reason="forgot")
SIDE_EFFECTS = DayEntry(False, missed_reason="side_effects")
TOLD = DayEntry(False, missed_reason="told_by_team")
WAIT = OpenWait(z(11, 4, 14))  # a confirmed high sitting at 22:00 local on 11-04
HOLD_5_ON = (HoldPeriod(date(2026, 11, 6)),)

# fmt: off
# (case, plan, local date, entry, open wait, now) -> (state, level, dose form, make-up until, next dose)
CASES = [
    ("dosing before the dose time", plan(), date(2026, 11, 4), None, None, z(11, 3, 23),
     ("dosing", "info", FORM_ASK, z(11, 4, 12), None)),
    ("dosing after the dose time, before the cut-off", plan(), date(2026, 11, 4), None, None, z(11, 4, 11, 59),
     ("dosing", "info", FORM_ASK, z(11, 4, 12), None)),
    ("dosing at the cut-off (half-open: closed)", plan(), date(2026, 11, 4), None, None, z(11, 4, 12),
     ("dosing_after_cutoff", "info", FORM_ASK, None, date(2026, 11, 5))),
    ("23:34, not logged: too late, next dose tomorrow", plan(), date(2026, 11, 4), None, None, z(11, 4, 15, 34),
     ("dosing_after_cutoff", "info", FORM_ASK, None, date(2026, 11, 5))),
    ("23:34, taken that morning: recorded, nothing to do", plan(), date(2026, 11, 4), TAKEN, None,
     z(11, 4, 15, 34), ("taken", "ok", FORM_RECORDED, None, None)),
    ("taken, vomited after: do not take another", plan(), date(2026, 11, 4), VOMITED, None, z(11, 4, 2),
     ("taken_vomited", "info", FORM_RECORDED, None, None)),
    ("not taken (forgot) in the afternoon: can still take it", plan(), date(2026, 11, 4), FORGOT, None,
     z(11, 4, 7), ("not_taken_can_still_take", "info", FORM_RECORDED, z(11, 4, 12), None)),
    ("not taken (forgot) after the cut-off: next dose tomorrow", plan(), date(2026, 11, 4), FORGOT, None,
     z(11, 4, 13), ("not_taken_next_tomorrow", "info", FORM_RECORDED, None, date(2026, 11, 5))),
    ("not taken for side effects: never urged to make it up", plan(), date(2026, 11, 4), SIDE_EFFECTS, None,
     z(11, 4, 3), ("not_taken_recorded", "info", FORM_RECORDED, None, None)),
    ("not taken on the team's word: never urged to make it up", plan(), date(2026, 11, 4), TOLD, None,
     z(11, 4, 3), ("not_taken_recorded", "info", FORM_RECORDED, None, None)),
    ("last dosing day (day 14) in the evening: open until noon next day", plan(), date(2026, 11, 15), None,
     None, z(11, 15, 13), ("dosing_last_day", "info", FORM_ASK, z(11, 16, 4), None)),
    ("last dosing day at 23:59: still open until noon next day", plan(), date(2026, 11, 15), None, None,
     z(11, 15, 15, 59), ("dosing_last_day", "info", FORM_ASK, z(11, 16, 4), None)),
    ("day 14 not logged, checked at 12:00 next day (no next dose)", plan(), date(2026, 11, 15), None, None,
     z(11, 16, 4), ("dosing_after_cutoff_not_scheduled", "info", FORM_ASK, None, None)),
    ("day 14 with cycle 2 confirmed: next dose named by date", plan(cycles=2), date(2026, 11, 15), FORGOT,
     None, z(11, 16, 4), ("not_taken_next_later", "info", FORM_RECORDED, None, date(2026, 11, 23))),
    ("day before an open hold: not taken, too late, none scheduled", plan(HOLD_5_ON), date(2026, 11, 5),
     FORGOT, None, z(11, 6, 4), ("not_taken_next_none", "info", FORM_RECORDED, None, None)),
    ("break day", plan(), date(2026, 11, 17), None, None, z(11, 17, 1),
     ("break", "info", FORM_ANYWAY, None, None)),
    ("intake logged on a break day: recorded for the team", plan(), date(2026, 11, 17), TAKEN, None,
     z(11, 17, 1), ("break_intake", "review", FORM_RECORDED, None, None)),
    ("hold", plan(HOLD_5_ON), date(2026, 11, 7), None, None, z(11, 7, 1),
     ("hold", "info", FORM_ANYWAY, None, None)),
    ("intake logged during a hold: recorded for the team", plan(HOLD_5_ON), date(2026, 11, 7), TAKEN, None,
     z(11, 7, 1), ("hold_intake", "review", FORM_RECORDED, None, None)),
    ("awaiting the next cycle", plan(), date(2026, 11, 24), None, None, z(11, 24, 1),
     ("awaiting_cycle", "info", FORM_ANYWAY, None, None)),
    ("intake while awaiting the next cycle", plan(), date(2026, 11, 24), TAKEN, None, z(11, 24, 1),
     ("awaiting_cycle_intake", "review", FORM_RECORDED, None, None)),
    ("off treatment", plan(discontinued_on=date(2026, 11, 10)), date(2026, 11, 11), None, None, z(11, 11, 1),
     ("off_treatment", "info", FORM_ANYWAY, None, None)),
    ("intake off treatment", plan(discontinued_on=date(2026, 11, 10)), date(2026, 11, 11), TAKEN, None,
     z(11, 11, 1), ("off_treatment_intake", "review", FORM_RECORDED, None, None)),
    ("wait for team after midnight, on a dosing day: not 'take 8 mg'", plan(), date(2026, 11, 5), None, WAIT,
     z(11, 4, 16, 30), ("wait_for_team", "review", FORM_ANYWAY, None, None)),
    ("wait for team on the day of the sitting, dose already taken", plan(), date(2026, 11, 4), TAKEN, WAIT,
     z(11, 4, 14, 30), ("wait_for_team", "review", FORM_RECORDED, None, None)),
    ("wait for team outranks a break day", plan(), date(2026, 11, 17), None, WAIT, z(11, 17, 1),
     ("wait_for_team", "review", FORM_ANYWAY, None, None)),
]
# fmt: on


@pytest.mark.parametrize(("plan_", "d", "entry", "wait", "now", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_one_instruction_per_state(plan_, d, entry, wait, now, expected):
    found = instruction(plan_, d, entry, wait, now, time(8, 0), SH, SKB.entry)
    assert (found.state, found.level, found.dose_form, found.make_up_until, found.next_dose) == expected
    assert found.take_dose == (found.state in ("dosing", "dosing_last_day", "not_taken_can_still_take"))
    if found.state == "wait_for_team":
        assert found.wait_since == WAIT.since and not found.take_dose


def test_every_state_is_covered_by_the_table_and_has_a_message_in_both_languages():
    assert {c[-1][0] for c in CASES} | {"dosing_after_cutoff_next_later"} == set(STATES)
    for lang in ("en", "zh-CN"):
        texts = catalogue(lang)
        for state in STATES:
            assert texts[f"instruction.{state}.headline"] and texts[f"instruction.{state}.text"]


def test_after_cutoff_names_a_later_date_when_tomorrow_is_not_a_dosing_day():
    held = plan((HoldPeriod(date(2026, 11, 6), date(2026, 11, 8)),))
    found = instruction(held, date(2026, 11, 5), None, None, z(11, 6, 4), time(8, 0), SH, SKB.entry)
    assert (found.state, found.next_dose) == ("dosing_after_cutoff_next_later", date(2026, 11, 9))


def test_a_wait_period_takes_its_dosing_days_out_of_the_prescription_and_marks_every_day():
    waiting = TreatmentPlan(
        SKB.treatment,
        C1,
        8.0,
        (CycleStart(1, C1),),
        waits=(WaitPeriod(date(2026, 11, 5), date(2026, 11, 6)),),
    )
    before, first, last, after = (day_info(waiting, date(2026, 11, n)) for n in (4, 5, 6, 7))
    assert (before.is_prescribed, before.wait_for_team) == (True, False)
    assert (first.phase, first.is_prescribed, first.wait_for_team) == ("dosing", False, True)
    assert (last.is_prescribed, last.wait_for_team) == (False, True)
    assert (after.is_prescribed, after.wait_for_team) == (True, False)
    open_ended = TreatmentPlan(
        SKB.treatment, C1, 8.0, (CycleStart(1, C1),), waits=(WaitPeriod(date(2026, 11, 14)),)
    )
    assert day_info(open_ended, date(2026, 11, 17)).wait_for_team is True  # a break day is marked too
    decided_same_day = WaitPeriod(date(2026, 11, 5), date(2026, 11, 4))
    assert not decided_same_day.contains(date(2026, 11, 5)) and not decided_same_day.contains(
        date(2026, 11, 4)
    )
