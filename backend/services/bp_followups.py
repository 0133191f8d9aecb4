"""A single high reading whose repeat never comes: one push, then a review alert (scheduler job).

CLINICAL.md ("Blood pressure"): a single reading >= 160/100 asks the patient to rest 5 minutes
and measure again. When no later reading comes within 30 minutes the patient gets one push
asking to measure again; when none comes within 2 hours the single reading opens a review alert
"high reading not confirmed" (product decision: a high reading is never silently dropped). Both
delays are the participant's protocol's (``bp.repeat_nudge_minutes``,
``bp.unconfirmed_alert_minutes``; 30 and 120 unless the protocol says otherwise). The
timing rule is :func:`backend.domain.bp.unconfirmed_high_step`; the clock starts when the reading
was received (the moment the app showed "measure again"), so an offline reading uploaded late is
not alerted on before the patient could answer.

Idempotent: ``repeat_nudged_at`` is set with the push (one outbox row per subscription, keyed by
reading), ``repeat_closed_at`` once the reading is answered or alerted, so a replayed tick, a
second replica or a restart never sends a second push or appends to the alert again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from backend.domain import bp
from backend.domain.i18n import text
from backend.domain.protocol import MIN_REPEAT_NUDGE_MINUTES, BpRules, get_protocol
from backend.models import BpReading, Participant, PushSubscription
from backend.services import alerts, outbox
from backend.services.alert_notices import iso_utc

LOOKBACK = timedelta(days=2)  # a reading older than this was closed long ago (or predates the rule)
BATCH = 500
BP_URL = "/#bp"


# The runner's cheap test: is any single high reading still open? (ix_bp_readings_repeat_open)
OPEN_PROBE = exists().where(BpReading.repeat_requested.is_(True), BpReading.repeat_closed_at.is_(None))


def _candidates(session: Session, now: datetime) -> list[BpReading]:
    """Open single high readings received at least the shortest nudge delay any protocol may set
    ago (oldest first); each reading's own protocol decides the rest."""
    stmt = (
        select(BpReading)
        .where(
            BpReading.repeat_requested.is_(True),
            BpReading.repeat_closed_at.is_(None),
            BpReading.received_at > now - LOOKBACK,
            BpReading.received_at <= now - timedelta(minutes=MIN_REPEAT_NUDGE_MINUTES),
        )
        .order_by(BpReading.received_at)
        .limit(BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def _later_reading(session: Session, reading: BpReading, now: datetime) -> bool:
    """True when the participant sent any reading measured after this one (by ``now``)."""
    stmt = select(BpReading.id).where(
        BpReading.participant_id == reading.participant_id,
        BpReading.id != reading.id,
        BpReading.measured_at > reading.measured_at,
        BpReading.received_at <= now,
    )
    return session.scalars(stmt.limit(1)).first() is not None


def _nudge(
    session: Session, reading: BpReading, participant: Participant, rules: BpRules, now: datetime
) -> int:
    """Queue the one "measure again" push to each of the patient's phones; returns rows queued."""
    lang = participant.language
    message = {
        "kind": "bp_reminder",
        "id": reading.id,
        "title": text(lang, "push.bp_repeat.title"),
        "body": text(lang, "push.bp_repeat.body"),
        "url": BP_URL,
        "due_at": iso_utc(now),
    }
    expires = reading.received_at + rules.unconfirmed_alert_after
    envelope = {"message": message, "ttl_until": iso_utc(expires), "topic": f"bp-repeat-{participant.id}"}
    subs = session.scalars(
        select(PushSubscription).where(
            PushSubscription.participant_id == participant.id, PushSubscription.disabled_at.is_(None)
        )
    )
    queued = 0
    for sub in subs:
        key = f"bp-repeat:{reading.id}:{sub.id}"
        queued += outbox.enqueue(
            session, key, "webpush", participant.id, envelope, now, expires, "normal", sub.id, now=now
        )
    reading.repeat_nudged_at = now
    return queued


def _alert(
    session: Session, reading: BpReading, participant: Participant, rules: BpRules, now: datetime
) -> None:
    """Open (or add to) the participant's BP-UNCONFIRMED-HIGH review alert for this reading."""
    table = rules.grading_table
    single = bp.Reading(reading.measured_at, reading.systolic, reading.diastolic, reading.pulse)
    finding = bp.unconfirmed_high_finding(single, reading.received_at, reading.grade or 0, table)
    evidence_item = {"kind": "bp_reading", "reading_id": reading.id, "sitting_id": reading.sitting_id}
    advice = [reading.advice_shown] if reading.advice_shown else []
    alerts.raise_finding(
        session, participant, finding, evidence_item=evidence_item, advice_shown=advice, now=now
    )


def follow_unconfirmed_high(session: Session, now: datetime) -> int:
    """Scheduler job: nudge, alert or close each single high reading whose repeat is overdue."""
    done = 0
    for reading in _candidates(session, now):
        participant = session.get(Participant, reading.participant_id)
        assert participant is not None
        rules = get_protocol(participant.protocol_ref).bp
        step = bp.unconfirmed_high_step(
            reading.received_at,
            now,
            _later_reading(session, reading, now),
            reading.repeat_nudged_at is not None,
            rules,
        )
        if step is None:
            continue
        if step == bp.NUDGE:
            _nudge(session, reading, participant, rules, now)
        else:
            if step == bp.ALERT_UNCONFIRMED:
                _alert(session, reading, participant, rules, now)
            reading.repeat_closed_at = now
        done += 1
    session.flush()
    return done
