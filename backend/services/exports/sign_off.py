"""Sign-off in the exports: the investigators' signatures (the manifest) and the data queries.

Neither is an SDTM domain: they are the trial's data-management records, laid out like the other
datasets (STUDYID, USUBJID, a sequence per subject) so a data manager loads them together.

- ``signatures`` (SIGN): one row per electronic signature of a cycle: the cycle and its dates, the
  signer's full name and id, the meaning, when (UTC), the SHA-256 of what was signed, and its
  status; an invalidated signature names the audit event (id and action) of the change that did
  it. A date filter keeps the signatures of cycles that overlap the range.
- ``queries`` (DQ): one row per data query: what it is about, the question, its state, who
  raised, answered and closed it when, the answer, and the audit event of the correction the
  answer made. A date filter keeps the queries raised on a local date inside the range.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from backend.services.exports.alerts import utc_dtc
from backend.services.exports.datasets import Column, Dataset, DataType, Row
from backend.services.exports.scope import ExportFilters
from backend.services.exports.source import SubjectRecords


def _subject(records: SubjectRecords) -> tuple[str, str, str]:
    subject = records.subject
    return subject.studyid, subject.usubjid, subject.site_code


SIGNATURE_COLUMNS = (
    Column("STUDYID", "Study Identifier", key=1),
    Column("USUBJID", "Unique Subject Identifier", key=2),
    Column("SITEID", "Study Site Identifier"),
    Column("SGSEQ", "Sequence Number", DataType.INTEGER, key=3),
    Column("SGID", "Signature Identifier"),
    Column("SGCYCLE", "Cycle Signed", DataType.INTEGER),
    Column("SGSTDTC", "First Day of the Cycle"),
    Column("SGENDTC", "Last Day of the Cycle"),
    Column("SGSIGNER", "Signer Full Name"),
    Column("SGSIGNID", "Signer Identifier"),
    Column("SGMEAN", "Meaning of the Signature"),
    Column("SGDTC", "Signed (UTC)"),
    Column("SGHASH", "SHA-256 of the Signed Content"),
    Column("SGSTAT", "Signature Status"),
    Column("SGINVDTC", "Invalidated (UTC)"),
    Column("SGINVEVT", "Invalidating Audit Event", DataType.INTEGER),
    Column("SGINVACT", "Invalidating Change"),
    Column("SGBATCH", "Signing Batch Identifier"),
)


def signature_rows(records: SubjectRecords, filters: ExportFilters, now: datetime) -> Iterator[Row]:
    """One row per signature of the subject's cycles that overlap the filters, by cycle, then oldest first."""
    for seq, signature in enumerate(records.signatures, start=1):
        yield (
            *_subject(records),
            seq,
            signature.id,
            signature.cycle_number,
            signature.first_date.isoformat(),
            signature.last_date.isoformat(),
            signature.signer_name,
            signature.signer_id,
            signature.meaning.upper(),
            utc_dtc(signature.signed_at),
            signature.content_hash,
            signature.status.upper(),
            utc_dtc(signature.invalidated_at),
            signature.invalidated_by_event_id,
            signature.invalidated_by_action,
            signature.batch_id,
        )


QUERY_COLUMNS = (
    Column("STUDYID", "Study Identifier", key=1),
    Column("USUBJID", "Unique Subject Identifier", key=2),
    Column("SITEID", "Study Site Identifier"),
    Column("DQSEQ", "Sequence Number", DataType.INTEGER, key=3),
    Column("DQID", "Query Identifier"),
    Column("DQKIND", "Kind of Record Queried"),
    Column("DQREFID", "Identifier of the Record Queried"),
    Column("DQDATE", "Diary Date Queried"),
    Column("DQFIELD", "Field Queried"),
    Column("DQQUEST", "Question"),
    Column("DQSTAT", "Query Status"),
    Column("DQRSBY", "Raised By"),
    Column("DQRSROLE", "Role of the Raiser"),
    Column("DQRSDTC", "Raised (UTC)"),
    Column("DQANS", "Latest Answer"),
    Column("DQANSBY", "Answered By"),
    Column("DQANSDTC", "Answered (UTC)"),
    Column("DQCOREVT", "Correction Audit Event", DataType.INTEGER),
    Column("DQCLSBY", "Closed By"),
    Column("DQCLSDTC", "Closed (UTC)"),
    Column("DQNOTE", "Latest Close or Re-open Note"),
)


def query_rows(records: SubjectRecords, filters: ExportFilters, now: datetime) -> Iterator[Row]:
    """One row per data query on the subject raised within the filters, oldest first."""
    for seq, query in enumerate(records.queries, start=1):
        yield (
            *_subject(records),
            seq,
            query.id,
            query.target_kind.upper(),
            query.target_id,
            query.target_date.isoformat() if query.target_date else None,
            query.target_field,
            query.question,
            query.status.upper(),
            query.raised_by_name,
            query.raised_by_role.upper(),
            utc_dtc(query.raised_at),
            query.answer,
            query.answered_by_name,
            utc_dtc(query.answered_at),
            query.correction_event_id,
            query.closed_by_name,
            utc_dtc(query.closed_at),
            query.note,
        )


SIGNATURES = Dataset(
    "signatures", "SIGN", "Investigator Signatures", SIGNATURE_COLUMNS, signature_rows, ("signatures",)
)
QUERIES = Dataset("queries", "DQ", "Data Queries", QUERY_COLUMNS, query_rows, ("queries",))
DATASETS = (SIGNATURES, QUERIES)
