"""What a tabular dataset is: its name, label, columns and a per-participant row function.

A dataset module (``ec``, ``vs``, ``qs``, ``alerts``, ``sign_off``; later ``da``) declares
:class:`Dataset` objects; :mod:`.registry` lists them. :func:`prepare` checks the caller and the
filters *before* anything is streamed (so a 403/404/422 is a proper answer, not a broken stream)
and returns a :class:`DatasetExport` whose :meth:`~DatasetExport.rows` reads lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from backend.domain.localtime import local_date, to_local
from backend.services.actors import Actor
from backend.services.exports.scope import ExportFilters, Subject, authorise, subjects
from backend.services.exports.source import SubjectRecords, subject_records


class DataType(StrEnum):
    """Dataset-JSON v1.1 column data types used here (dates are ISO 8601 strings in SDTM)."""

    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"


@dataclass(frozen=True)
class Column:
    """One variable: SDTM name, label (≤ 40 characters) and type; ``key`` is its key order."""

    name: str
    label: str
    data_type: DataType = DataType.STRING
    key: int | None = None


Row = tuple[Any, ...]
SubjectRows = Callable[[SubjectRecords, ExportFilters, datetime], Iterable[Row]]


@dataclass(frozen=True)
class Dataset:
    """A tabular export: ``key`` in the URL (``ec``), SDTM ``name`` (``EC``), its rows per subject."""

    key: str
    name: str
    label: str
    columns: tuple[Column, ...]
    subject_rows: SubjectRows
    kinds: tuple[str, ...]

    @property
    def item_group_oid(self) -> str:
        """The dataset's OID (Dataset-JSON ``itemGroupOID``, Define-XML ItemGroupDef)."""
        return f"IG.{self.name}"


@dataclass
class DatasetExport:
    """An authorised export of one dataset: the subjects are known, the rows not read yet."""

    dataset: Dataset
    subjects: list[Subject]
    filters: ExportFilters
    now: datetime

    def rows(self, reader: Session) -> Iterator[Row]:
        """Every row, subject by subject, read with ``reader`` a batch of subjects at a time.

        ``reader`` is a read-only session of its own (``db.read_only_session()``): the stream
        outlives the request's transaction and must not hold a write lock while it runs.
        """
        for records in subject_records(reader, self.subjects, self.filters, self.dataset.kinds):
            yield from self.dataset.subject_rows(records, self.filters, self.now)


def prepare(
    session: Session, actor: Actor, dataset: Dataset, filters: ExportFilters, now: datetime
) -> DatasetExport:
    """Check role, filters and site scope, and find the subjects; nothing is streamed yet."""
    authorise(session, actor, filters)
    return DatasetExport(dataset, subjects(session, actor, filters), filters, now)


# --- value helpers shared by the dataset modules ---------------------------------------------


def local_dtc(instant: datetime, tz: str) -> str:
    """An instant as an SDTM --DTC: the participant's local clock time, to the second.

    SDTM records the time as collected; the participant's zone is their IANA zone. The UTC
    instant itself is in the ODM and FHIR exports.
    """
    return to_local(instant, tz).replace(tzinfo=None).isoformat(timespec="seconds")


def epoch(subject: Subject, d: date) -> str:
    """EPOCH: SCREENING before cycle 1 day 1, FOLLOW-UP from discontinuation on, else TREATMENT."""
    participant = subject.participant
    if d < participant.c1d1:
        return "SCREENING"
    if participant.discontinued_on is not None and d >= participant.discontinued_on:
        return "FOLLOW-UP"
    return "TREATMENT"


def instant_day(subject: Subject, instant: datetime) -> date:
    """The participant's local date of ``instant``."""
    return local_date(instant, subject.participant.timezone)


def number(value: float | None) -> float | int | None:
    """A number as SDTM shows it: 8.0 becomes 8, 152.5 stays 152.5."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def supp_columns() -> tuple[Column, ...]:
    """The columns of a SUPP-- dataset (supplemental qualifiers)."""
    return (
        Column("STUDYID", "Study Identifier", key=1),
        Column("RDOMAIN", "Related Domain Abbreviation", key=2),
        Column("USUBJID", "Unique Subject Identifier", key=3),
        Column("IDVAR", "Identifying Variable", key=4),
        Column("IDVARVAL", "Identifying Variable Value", key=5),
        Column("QNAM", "Qualifier Variable Name", key=6),
        Column("QLABEL", "Qualifier Variable Label"),
        Column("QVAL", "Data Value"),
        Column("QORIG", "Origin"),
        Column("QEVAL", "Evaluator"),
    )
