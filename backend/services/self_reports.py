"""What both kinds of patient self-report share: advice objects, time bounds, idempotent inserts.

The clinical rules live in ``backend.domain`` (bp, questionnaire, symptoms). The two report
services (:mod:`backend.services.bp_readings`, :mod:`backend.services.symptom_reports`) gather
what those rules need from the database, store the report with the advice shown, and raise each
finding through :func:`backend.services.alerts.raise_finding`. Both report kinds are idempotent
on the device's ``client_id``: a retried upload returns the first result and changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.domain import bp
from backend.domain.findings import Finding, severity_rank
from backend.domain.i18n import text
from backend.models import Alert, Participant
from backend.services import alerts
from backend.services.errors import Invalid

# How far a device clock may run ahead, and how old an uploaded report may be.
FUTURE_TOLERANCE = timedelta(minutes=10)
MAX_REPORT_AGE = timedelta(days=30)

LEVELS = ("urgent", "review", "info", "ok")
# advice key -> level shown with it (how pressing the advice is, for the PWA's colour and icon).
ADVICE_LEVELS = {
    bp.ADVICE_NORMAL: "ok",
    bp.ADVICE_ELEVATED: "info",
    bp.ADVICE_REPEAT: "info",
    bp.ADVICE_CONTACT_TEAM_TODAY: "review",
    bp.ADVICE_EMERGENCY: "urgent",
    bp.ADVICE_PERSISTENT: "review",
    "advice.symptoms_call_now": "urgent",
    "advice.symptoms_contact_today": "review",
    "advice.symptoms_keep_recording": "ok",
    "advice.fever_call_now": "urgent",
    "advice.fever_measure": "info",
    "advice.bleeding_call_now": "urgent",
    "advice.breathing_call_now": "urgent",
    "advice.chest_pain_call_now": "urgent",
    "advice.diarrhea_fluids": "review",
}


def advice(language: str, key: str) -> dict[str, str]:
    """The advice object shown to the patient: ``{code, level, text}`` in their language."""
    return {
        "code": key.removeprefix("advice."),
        "level": ADVICE_LEVELS.get(key, "info"),
        "text": text(language, key),
    }


def level_rank(key: str | None) -> int:
    """0 for urgent advice .. 3 for "ok": lower is more pressing."""
    return LEVELS.index(ADVICE_LEVELS.get(key or "", "info"))


def check_instant(name: str, value: datetime, now: datetime) -> None:
    """422 unless ``value`` lies between ``MAX_REPORT_AGE`` ago and a few minutes from now."""
    if value > now + FUTURE_TOLERANCE:
        raise Invalid({name: "must not be in the future"})
    if value < now - MAX_REPORT_AGE:
        raise Invalid({name: f"must be within the last {MAX_REPORT_AGE.days} days"})


def insert_once(session: Session, row: Any) -> bool:
    """Insert ``row`` in a savepoint; False when a concurrent upload took its client id first."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def raise_all(
    session: Session,
    participant: Participant,
    findings: list[Finding],
    evidence_item: dict[str, Any],
    advice_shown: list[dict[str, str]],
    now: datetime,
) -> list[Alert]:
    """Raise every finding; returns the alerts raised or added to, most pressing first."""
    raised = [
        alerts.raise_finding(
            session, participant, f, evidence_item=evidence_item, advice_shown=advice_shown, now=now
        )[0]
        for f in findings
    ]
    return sorted(raised, key=lambda a: severity_rank(a.severity))
