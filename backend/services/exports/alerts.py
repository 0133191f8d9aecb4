"""The alerts as a plain dataset: rule, severity, status, and who handled them when.

Not an SDTM domain (alerts are the product's, not the trial's findings) but laid out the same
way so a data manager loads it with the others: one row per alert, the participant's USUBJID,
instants in UTC (``...Z``; alerts are worked by site staff in the site's day, not the patient's),
the names of the staff who acknowledged and resolved it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from backend.services.exports.datasets import Column, Dataset, DataType, Row
from backend.services.exports.scope import ExportFilters
from backend.services.exports.source import SubjectRecords

COLUMNS = (
    Column("STUDYID", "Study Identifier", key=1),
    Column("USUBJID", "Unique Subject Identifier", key=2),
    Column("SITEID", "Study Site Identifier"),
    Column("ALSEQ", "Sequence Number", DataType.INTEGER, key=3),
    Column("ALID", "Alert Identifier"),
    Column("ALRULE", "Rule Identifier"),
    Column("ALKIND", "Alert Kind"),
    Column("ALSEV", "Severity"),
    Column("ALSTAT", "Status"),
    Column("ALTITLE", "Title"),
    Column("ALSRC", "Source of the Rule"),
    Column("ALOCCUR", "Occurrences in Episode", DataType.INTEGER),
    Column("ALOPDTC", "Opened (UTC)"),
    Column("ALLSDTC", "Last Seen (UTC)"),
    Column("ALACKDTC", "Acknowledged (UTC)"),
    Column("ALACKBY", "Acknowledged By"),
    Column("ALACKNT", "Acknowledgement Note"),
    Column("ALRESDTC", "Resolved (UTC)"),
    Column("ALRESBY", "Resolved By"),
    Column("ALRESNT", "Resolution Note"),
    Column("ALESCDTC", "Escalated (UTC)"),
)


def utc_dtc(instant: datetime | None) -> str | None:
    """An instant as ISO 8601 UTC with a ``Z``, to the second."""
    if instant is None:
        return None
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def alert_rows(records: SubjectRecords, filters: ExportFilters, now: datetime) -> Iterator[Row]:
    """One row per alert of the subject opened within the filters, oldest first."""
    subject = records.subject
    for seq, alert in enumerate(records.alerts, start=1):
        yield (
            subject.studyid,
            subject.usubjid,
            subject.site_code,
            seq,
            alert.id,
            alert.rule_id,
            alert.kind,
            alert.severity.upper(),
            alert.status.upper(),
            alert.title,
            alert.source,
            alert.occurrences,
            utc_dtc(alert.opened_at),
            utc_dtc(alert.last_seen_at),
            utc_dtc(alert.acknowledged_at),
            alert.acknowledged_by_name,
            alert.acknowledge_note,
            utc_dtc(alert.resolved_at),
            alert.resolved_by_name,
            alert.resolution_note,
            utc_dtc(alert.escalated_at),
        )


ALERTS = Dataset("alerts", "ALERTS", "Site Alerts", COLUMNS, alert_rows, ("alerts",))
DATASETS = (ALERTS,)
