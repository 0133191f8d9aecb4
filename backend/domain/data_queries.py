"""Data queries between a monitor and a site: their states, targets and who may move them.

A query asks about one record: a dose day (a diary date, with or without an entry), a BP
reading, a symptom report, or one field of the participant. Its life:

- ``raise``: a monitor, or the site itself (coordinator, investigator), asks a question -> ``open``;
- ``answer``: the site answers in words, optionally correcting the value through the service
  that owns the record (the correction's own audit event is linked) -> ``answered``;
- ``close``: the question is settled -> ``closed`` (from ``open`` too: a query raised in error);
- ``reopen``: the answer does not settle it -> ``open`` again (from ``answered`` or ``closed``).

Who closes and re-opens: monitors, always; site staff only the queries the *site* raised. A site
never closes a monitor's question: source data verification is the monitor's independent check
(ICH E6(R3) 3.11.4), and a site that closed its own monitor's queries would defeat it. Only the
site answers or corrects (monitors may change nothing, PRODUCT.md).

A repeated step that would change nothing (closing a closed query, re-opening an open one,
re-sending the same answer) is a no-op, so a retried request never records a step twice.
"""

from __future__ import annotations

from enum import StrEnum


class QueryStatus(StrEnum):
    """Where a query stands."""

    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class QueryStep(StrEnum):
    """The steps of a query's life; each is one audit event ``data_query.<step>``."""

    RAISE = "raise"
    ANSWER = "answer"
    CLOSE = "close"
    REOPEN = "reopen"


class TargetKind(StrEnum):
    """What a query is about."""

    DOSE_DAY = "dose_day"
    BP_READING = "bp_reading"
    SYMPTOM_REPORT = "symptom_report"
    PARTICIPANT = "participant"


# Fields a query may name, per target (None: the record as a whole). Participant fields are the
# ones a site records about a participant; which of them a correction may change is the
# participant service's business (its PATCHABLE list).
TARGET_FIELDS: dict[TargetKind, tuple[str, ...]] = {
    TargetKind.DOSE_DAY: ("taken", "taken_at", "dose_mg", "vomited_after", "missed_reason", "note"),
    TargetKind.BP_READING: ("systolic", "diastolic", "pulse", "measured_at"),
    TargetKind.SYMPTOM_REPORT: ("answers", "temperature_c", "reported_at"),
    TargetKind.PARTICIPANT: (
        "study_id",
        "timezone",
        "language",
        "reminder_time",
        "bp_reminder_time",
        "status",
        "c1d1",
        "initial_dose_mg",
        "baseline_sbp",
        "baseline_dbp",
        "timezone_policy",
    ),
}

# step -> the states it may start from, and the state it leads to
TRANSITIONS: dict[QueryStep, tuple[tuple[QueryStatus, ...], QueryStatus]] = {
    QueryStep.ANSWER: ((QueryStatus.OPEN,), QueryStatus.ANSWERED),
    QueryStep.CLOSE: ((QueryStatus.OPEN, QueryStatus.ANSWERED), QueryStatus.CLOSED),
    QueryStep.REOPEN: ((QueryStatus.ANSWERED, QueryStatus.CLOSED), QueryStatus.OPEN),
}

MONITOR = "monitor"
SITE_ROLES = ("coordinator", "investigator")


def may_raise(role: str | None) -> bool:
    """Monitors and site staff raise queries."""
    return role == MONITOR or role in SITE_ROLES


def may_answer(role: str | None) -> bool:
    """Only the site answers (and corrects)."""
    return role in SITE_ROLES


def may_settle(role: str | None, raised_by_role: str) -> bool:
    """Close or re-open: a monitor always; the site only a query the site raised itself."""
    if role == MONITOR:
        return True
    return role in SITE_ROLES and raised_by_role in SITE_ROLES


def next_status(status: QueryStatus, step: QueryStep) -> QueryStatus | None:
    """The state after ``step`` from ``status``; None when the step is not allowed from there."""
    sources, target = TRANSITIONS[step]
    return target if status in sources else None


def is_repeat(status: QueryStatus, step: QueryStep) -> bool:
    """True when ``step`` would leave the query where it already is (a retried request)."""
    return TRANSITIONS[step][1] == status


def target_field_error(kind: TargetKind, field: str | None) -> str | None:
    """Why ``field`` cannot be the subject of a query on a ``kind`` record (None when it can)."""
    if field is None:
        return "name the participant field the query is about" if kind is TargetKind.PARTICIPANT else None
    if field in TARGET_FIELDS[kind]:
        return None
    return f"must be one of: {', '.join(TARGET_FIELDS[kind])}"
