"""One participant's bad data must not stop a scheduler job for everyone else.

A job that works through participants runs each one's work in a savepoint. When it raises
(say an ``OverflowError`` from dates near year 9999 that slipped in before they were refused at
entry), that participant's work is rolled back, the error is logged with the participant and
the job, and the site gets one operations alert (``OPS-SCHEDULER``, review) per participant
while it stays open; the job then carries on with the next participant and the tick succeeds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Alert, Participant

log = logging.getLogger(__name__)

OPS_RULE = "OPS-SCHEDULER"
T = TypeVar("T")


def each_participant(
    session: Session,
    job: str,
    participants: Iterable[Participant],
    work: Callable[[Participant], int],
    now: datetime,
    after_failure: Callable[[Participant], object] | None = None,
) -> int:
    """Run ``work(participant)`` for each participant in its own savepoint; sum what it returns.

    ``after_failure`` runs (outside the rolled-back savepoint) for a participant whose work
    failed, e.g. to write the day's processed marker so the check is not retried every minute.
    """
    done = 0
    for participant in participants:
        try:
            with session.begin_nested():
                done += work(participant)
        except Exception as exc:  # noqa: BLE001 - isolate any failure to the participant it came from
            report_failure(session, job, participant, exc, now)
            if after_failure is not None:
                after_failure(participant)
    return done


def guarded(
    job: str, participant: Participant, compute: Callable[[], T], now: datetime, session: Session
) -> T | None:
    """``compute()`` (pure work, no writes yet), or None after reporting its failure."""
    try:
        return compute()
    except Exception as exc:  # noqa: BLE001 - see each_participant
        report_failure(session, job, participant, exc, now)
        return None


def report_failure(
    session: Session, job: str, participant: Participant, exc: BaseException, now: datetime
) -> None:
    """Log the failure and open the site's operations alert for the participant (once per episode)."""
    from backend.domain.findings import make_finding
    from backend.services.alerts import ACTIVE_STATUSES, raise_finding

    error = f"{type(exc).__name__}: {exc}"[:300]
    log.error(
        "scheduler job %s failed for participant %s at %s: %s",
        job,
        participant.id,
        now.isoformat(),
        error,
        exc_info=exc,
    )
    open_alert = select(Alert.id).where(
        Alert.participant_id == participant.id, Alert.rule_id == OPS_RULE, Alert.status.in_(ACTIVE_STATUSES)
    )
    if session.scalar(open_alert) is not None:
        return  # one alert until the site resolves it; the log keeps every occurrence
    finding = make_finding(OPS_RULE, {"job": job, "error": error}, None)
    try:
        with session.begin_nested():
            evidence = {"detected_by": "scheduler"}
            raise_finding(session, participant, finding, evidence_item=evidence, advice_shown=[], now=now)
    except Exception:  # noqa: BLE001 - the job must go on; the log above already names the participant
        log.critical("could not raise the operations alert for participant %s", participant.id, exc_info=True)
