"""One participant's impossible dates do not stop the scheduler for anyone else (issue 12, finding 6).

Before the fix, a C1D1 of 9999-12-31 (or 0001-01-01) or a dose change effective 9999-12-31 was
accepted at enrolment, and from then on every ``scheduler tick`` exited 1 (``OverflowError`` in
``calendar.planned_next_start``), rolling back that job for every participant. The API now
refuses such dates (tests/api/test_date_windows.py); rows stored before that are simulated here
by writing them directly. Each job isolates the participant: logs it, opens one OPS-SCHEDULER
alert for the site, and carries on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import update

from backend.db import db
from backend.models import Alert, Cycle, DoseChange, Participant, Reminder
from backend.services import reminders
from tests.factories import build_world, device_token, enrol
from tests.scheduler.conftest import rows, subscribe

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Shanghai 20:00 on 11-23 (p1's cycle 1 day 1)
DUE = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # p1's 08:00 Shanghai reminder on 11-24


def _bad_world(app, case: str):  # type: ignore[no-untyped-def]
    """The standard world plus participant "bad" whose stored dates break the calendar, and
    "late" (C1D1 2026-10-01, no cycle 2 confirmed) who is owed a CYCLE-UNCONFIRMED alert."""
    with time_machine.travel(T0, tick=False), app.test_request_context():
        world = build_world(app)
        bad = enrol(world, "bad", "a", study_id="01-666")
        enrol(world, "late", "a", study_id="01-667", c1d1=date(2026, 10, 1))
        if case.startswith("c1d1"):  # as enrolment stored it: C1D1 and cycle 1's confirmed day 1
            c1d1 = date(9999, 12, 31) if case == "c1d1-9999" else date(1, 1, 1)
            db.session.execute(update(Participant).where(Participant.id == bad).values(c1d1=c1d1))
            db.session.execute(
                update(Cycle)
                .where(Cycle.participant_id == bad)
                .values(planned_start=c1d1, confirmed_start=c1d1)
            )
        elif case == "dose-change-9999":
            db.session.add(
                DoseChange(
                    participant_id=bad,
                    effective_date=date(9999, 12, 31),
                    dose_mg=8.0,
                    reason="typo",
                    ordered_by=world.staff["investigator_a"],
                    created_at=T0,
                )
            )
        world.tokens["bad"] = device_token(bad, app.config["SETTINGS"].token_pepper)
        db.commit_request()
    return world


@pytest.mark.parametrize("case", ["c1d1-9999", "c1d1-0001", "dose-change-9999", "reminder-planning"])
def test_a_participant_whose_dates_break_a_job_does_not_stop_the_others(
    app, client, push_endpoint, transport, case, monkeypatch
):
    world = _bad_world(app, case)
    if case == "reminder-planning":  # whatever breaks the calendar of one participant's reminders
        real = reminders.expected_on

        def expected_on(participant, plan, d):  # type: ignore[no-untyped-def]
            if participant.study_id == "01-666":
                raise OverflowError("date value out of range")
            return real(participant, plan, d)

        monkeypatch.setattr(reminders, "expected_on", expected_on)
    with time_machine.travel(T0, tick=False):
        subscribe(client, world, "p1", push_endpoint, "/push/p1")
        subscribe(client, world, "bad", push_endpoint, "/push/bad")
    runner = app.test_cli_runner()
    for instant in (T0, DUE, DUE + timedelta(minutes=1)):
        with time_machine.travel(instant, tick=False):
            result = runner.invoke(args=["scheduler", "tick", "--now", instant.isoformat()])
        assert result.exit_code == 0, result.output

    # Everyone else's work was done: p1's reminder went out, "late" got its cycle alert.
    assert "/push/p1" in {r.path for r in push_endpoint.wait_for(1)}
    sent = rows(app, Reminder, Reminder.participant_id == world.participants["p1"], Reminder.kind == "dose")
    assert any(r.status == "queued" for r in sent)
    late = rows(app, Alert, Alert.participant_id == world.participants["late"])
    assert [a.rule_id for a in late] == ["CYCLE-UNCONFIRMED"]
    # The broken participant is reported to the site once, naming the job and the error.
    ops = rows(
        app, Alert, Alert.participant_id == world.participants["bad"], Alert.rule_id == "OPS-SCHEDULER"
    )
    if case in ("c1d1-0001", "dose-change-9999"):  # stored, but no job of these ticks trips over them
        assert ops == []
        return
    assert len(ops) == 1 and ops[0].occurrences == 1 and ops[0].severity == "review"
    assert ops[0].site_id == world.sites["a"]
    job = {"c1d1-9999": "cycle_unconfirmed", "reminder-planning": "plan_reminders"}[case]
    assert ops[0].evidence[0]["job"] == job and "OverflowError" in ops[0].evidence[0]["error"]
