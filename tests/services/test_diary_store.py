"""The diary's upsert, called as the API and the outbox of a phone call it: idempotent, audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import AuditEvent, DoseLog
from backend.services import diary
from backend.services.errors import Invalid
from tests.services.conftest import NOW, Trial

TODAY = date(2026, 11, 24)  # local date of NOW in Shanghai


def _dose_events(session: Session, trial: Trial) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.participant_id == trial.participant.id, AuditEvent.entity == "dose_log")
            .order_by(AuditEvent.id)
        )
    )


def _put(session: Session, trial: Trial, entry: dict, *, reason: str | None = None, now=NOW):  # type: ignore[no-untyped-def]
    log, created = diary.put_patient_dose(
        session, trial.device, TODAY, dict(entry), reason_for_change=reason, device_time=None, now=now
    )
    session.commit()
    return log, created


def test_a_repeated_entry_is_one_row_and_one_audit_event(session: Session, trial: Trial) -> None:
    first, created = _put(session, trial, {"taken": True})
    again, created_again = _put(session, trial, {"taken": True}, now=NOW + timedelta(minutes=5))
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    rows = session.scalar(
        select(func.count()).select_from(DoseLog).where(DoseLog.participant_id == trial.participant.id)
    )
    assert rows == 1
    assert [event.action for event in _dose_events(session, trial)] == ["dose_log.create"]


def test_a_change_needs_a_reason_and_chains_its_audit_event_to_the_last(
    session: Session, trial: Trial
) -> None:
    _put(session, trial, {"taken": True})
    with pytest.raises(Invalid) as refused:
        _put(session, trial, {"taken": False, "missed_reason": "forgot"})
    assert "reason_for_change" in (refused.value.errors or {})
    session.rollback()
    _put(session, trial, {"taken": False, "missed_reason": "forgot"}, reason="tapped the wrong button")
    created, changed = _dose_events(session, trial)
    # the change records the fields it changed, each as the previous event left it
    assert changed.before == {field: created.after[field] for field in changed.before}
    assert (changed.before["taken"], changed.after["taken"]) == (True, False)
    assert changed.after["version"] == changed.before["version"] + 1
    assert changed.reason == "tapped the wrong button" and changed.request_id == "system"


def test_a_future_day_is_refused_naming_the_date(session: Session, trial: Trial) -> None:
    with pytest.raises(Invalid) as refused:
        diary.put_patient_dose(
            session,
            trial.device,
            TODAY + timedelta(days=1),
            {"taken": True},
            reason_for_change=None,
            device_time=None,
            now=NOW,
        )
    assert "in the future" in refused.value.errors["date"][0]  # type: ignore[index]
