"""DA (Drug Accountability), from the site's dispensings and returns (pill counts).

One ``DISPAMT`` row per dispensing (``DADTC`` the date handed out) and one ``RETAMT`` row per
return (``DADTC`` the date it came back), as SDTMIG lays DA out: ``DAORRES`` the number of
units, ``DAORRESU`` the protocol's dose form (``[sdtm] dose_form``, else ``TABLET``),
``DAREFID`` the kit or bottle the site entered, ``DASPID`` the dispensing's id (stable across
exports, so the two rows of one supply pair up). The strength of the units is ``DASTRENG``-like
information SDTM has no variable for in DA: it is in ``DACAT`` (e.g. ``ANLOTINIB 8 MG``). A
date filter keeps the rows whose date falls inside it. The reconciliation with the diary is the
product's (see the API and the alert), not a collected value, so it is not written here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from backend.services.exports.datasets import Column, Dataset, DataType, Row, epoch, number
from backend.services.exports.scope import ExportFilters
from backend.services.exports.source import SubjectRecords

COLUMNS = (
    Column("STUDYID", "Study Identifier", key=1),
    Column("DOMAIN", "Domain Abbreviation"),
    Column("USUBJID", "Unique Subject Identifier", key=2),
    Column("DASEQ", "Sequence Number", DataType.INTEGER, key=5),
    Column("DAREFID", "Reference ID"),
    Column("DASPID", "Sponsor-Defined Identifier", key=4),
    Column("DATESTCD", "Short Name of Accountability Assessment", key=3),
    Column("DATEST", "Name of Accountability Assessment"),
    Column("DACAT", "Category for Drug Accountability"),
    Column("DAORRES", "Result or Finding in Original Units"),
    Column("DAORRESU", "Original Units"),
    Column("DASTRESC", "Character Result/Finding in Std Format"),
    Column("DASTRESN", "Numeric Result/Finding in Standard Units", DataType.INTEGER),
    Column("DASTRESU", "Standard Units"),
    Column("EPOCH", "Epoch"),
    Column("DADTC", "Date/Time of Collection"),
    Column("DADY", "Study Day of Collection", DataType.INTEGER),
)

TESTS = {"DISPAMT": "Dispensed Amount", "RETAMT": "Returned Amount"}


def _assessments(row: Any) -> Iterator[tuple[str, date, int]]:
    yield "DISPAMT", row.dispensed_on, row.tablets_dispensed
    if row.returned_on is not None and row.tablets_returned is not None:
        yield "RETAMT", row.returned_on, row.tablets_returned


def da_rows(records: SubjectRecords, filters: ExportFilters, now: datetime) -> Iterator[Row]:
    """Dispensed and returned amounts of the subject, in date order, inside the filters."""
    subject = records.subject
    unit = subject.coding.dose_form or "TABLET"
    found = [
        (on, 0 if code == "DISPAMT" else 1, code, amount, row)
        for row in records.dispensings
        for code, on, amount in _assessments(row)
        if filters.covers(on)
    ]
    found.sort(key=lambda item: (item[0], item[1]))
    for seq, (on, _, code, amount, row) in enumerate(found, start=1):
        yield (
            subject.studyid,
            "DA",
            subject.usubjid,
            seq,
            row.reference,
            row.id,
            code,
            TESTS[code],
            f"{subject.coding.treatment} {number(row.strength_mg)} MG",
            str(amount),
            unit,
            str(amount),
            amount,
            unit,
            epoch(subject, on),
            on.isoformat(),
            subject.study_day(on),
        )


DA = Dataset("da", "DA", "Drug Accountability", COLUMNS, da_rows, ("dispensings",))
DATASETS = (DA,)
