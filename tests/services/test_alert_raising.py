"""Raising an alert from a finding: one open episode per rule, repeats added to it, a new episode
after resolution; the site's notices are queued in the same transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.domain.findings import make_finding
from backend.models import Alert, Notification
from backend.services import alert_queue, alerts
from backend.services.context import ServiceContext, attach
from tests.services.conftest import NOW, Trial


@pytest.fixture(autouse=True)
def public_base_url(session: Session) -> None:
    """The link in the notice e-mail comes from the session's context (no app needed)."""
    attach(session, ServiceContext(public_base_url="https://diary.example.org"))


def _raise(session: Session, trial: Trial, rule: str, now=NOW):  # type: ignore[no-untyped-def]
    finding = make_finding(rule, {"temperature_c": 38.4}, None)
    alert, opened = alerts.raise_finding(
        session, trial.participant, finding, evidence_item={"report_id": str(now)}, advice_shown=[], now=now
    )
    session.commit()
    return alert, opened


def test_a_repeat_finding_is_added_to_the_open_alert(session: Session, trial: Trial) -> None:
    first, opened = _raise(session, trial, "SYM-FEVER")
    again, opened_again = _raise(session, trial, "SYM-FEVER", now=NOW + timedelta(hours=2))
    assert (opened, opened_again) == (True, False)
    assert again.id == first.id and again.occurrences == 2 and len(again.evidence) == 2
    assert again.last_seen_at == NOW + timedelta(hours=2)
    assert session.scalar(select(func.count()).select_from(Alert)) == 1


def test_after_resolution_the_same_rule_opens_a_new_alert(session: Session, trial: Trial) -> None:
    first, _ = _raise(session, trial, "SYM-FEVER")
    alert_queue.resolve(
        session, trial.coordinator, first.id, note="called, paracetamol advised", now=NOW + timedelta(hours=1)
    )
    session.commit()
    second, opened = _raise(session, trial, "SYM-FEVER", now=NOW + timedelta(hours=3))
    assert opened and second.id != first.id
    assert [a.status for a in session.scalars(select(Alert).order_by(Alert.opened_at))] == [
        "resolved",
        "open",
    ]


def test_a_new_alert_queues_its_notices_and_a_repeat_does_not(session: Session, trial: Trial) -> None:
    _raise(session, trial, "SYM-FEVER")
    queued = session.scalar(select(func.count()).select_from(Notification))
    assert queued == 1  # the site's alert address (the coordinator has no push subscription)
    _raise(session, trial, "SYM-FEVER", now=NOW + timedelta(hours=2))
    assert queued == session.scalar(select(func.count()).select_from(Notification))
