"""Which reminders the calendar asks for on a day, and until when each stays worth sending."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from backend.services import reminders
from backend.services.plans import load_plan
from tests.services.conftest import Trial


def test_a_dosing_day_has_a_dose_reminder_and_its_follow_up_before_the_cut_off(
    session: Session, trial: Trial
) -> None:
    plan = load_plan(session, trial.participant)
    planned = reminders.expected_on(trial.participant, plan, date(2026, 11, 24))
    doses = [r for r in planned if r.kind == reminders.DOSE]
    assert [r.sequence for r in doses] == [0, 1]
    first, follow_up = doses
    assert first.due_at == datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert first.expires_at == follow_up.due_at  # the first is stale once the follow-up is due
    # no reminder outlives the make-up cut-off: 12 h before the next day's 08:00 dose
    assert all(r.expires_at <= datetime(2026, 11, 24, 12, 0, tzinfo=UTC) for r in doses)


def test_a_break_day_has_no_dose_reminder(session: Session, trial: Trial) -> None:
    plan = load_plan(session, trial.participant)
    planned = reminders.expected_on(trial.participant, plan, date(2026, 12, 2))  # cycle 1 day 16
    assert [r for r in planned if r.kind == reminders.DOSE] == []
