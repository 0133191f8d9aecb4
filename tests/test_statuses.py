"""The statuses are StrEnums whose values are the strings already stored (no migration): a row
written with an enum member reads back as the same string, and equal to the member."""

from __future__ import annotations

from backend.domain.signing import SignatureStatus
from backend.models import AlertStatus, NotificationStatus, ParticipantStatus, ReminderStatus, Severity
from backend.models.alerts import SEVERITIES, STATUSES
from backend.models.participants import STATUSES as PARTICIPANT_STATUSES


def test_the_stored_strings_are_unchanged() -> None:
    assert STATUSES == ("open", "acknowledged", "resolved") == tuple(AlertStatus)
    assert SEVERITIES == ("urgent", "review", "info") == tuple(Severity)
    assert PARTICIPANT_STATUSES == ("screening", "on_treatment", "off_treatment", "withdrawn")
    assert PARTICIPANT_STATUSES == tuple(ParticipantStatus)
    assert [s.value for s in NotificationStatus] == [
        "pending",
        "claimed",
        "sending",
        "sent",
        "failed",
        "dropped",
    ]
    assert [s.value for s in ReminderStatus] == [
        "pending",
        "queued",
        "unsubscribed",
        "cancelled",
        "dropped",
        "done",
    ]
    assert [s.value for s in SignatureStatus] == ["valid", "invalidated"]


def test_a_status_written_as_a_member_reads_back_as_its_string(app, world) -> None:  # type: ignore[no-untyped-def]
    from backend.db import db
    from backend.models import Participant

    with app.test_request_context():
        participant = db.session.get(Participant, world.participants["p1"])
        participant.status = ParticipantStatus.OFF_TREATMENT
        db.commit_request()
    with app.test_request_context():
        stored = db.session.get(Participant, world.participants["p1"]).status
    assert type(stored) is str and stored == "off_treatment" == ParticipantStatus.OFF_TREATMENT
