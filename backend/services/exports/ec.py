"""EC (Exposure as Collected) and SUPPEC, from the calendar and the diary.

- One ``SCHEDULED`` row per prescribed day: a confirmed dosing day, not held, before
  discontinuation, up to the participant's local today (never a future day) and inside the
  filters, with the dose level in force that day (the calendar's ``expected_dose_mg``).
- One ``PERFORMED`` row per diary entry: ``ECOCCUR`` ``Y`` when taken (``ECDOSE`` the dose the
  patient entered, else the dose level in force), ``N`` when not (``ECDOSE`` empty,
  ``ECREASOC`` the patient's reason). Entries on days that were not prescribed (break, hold,
  after discontinuation) are PERFORMED rows too, with the deviation qualifier.
- ``ECDOSRGM`` is the protocol's regimen ("DAYS 1-14 Q21D"), ``ECDOSFRQ`` its daily frequency.
- SUPPEC (``IDVAR`` = ``ECSEQ``): ``ECLATE`` (entered after the entry window), ``ECSITE`` and
  ``ECSRCDTL`` (entered by site staff, and from what source), ``ECVOMIT`` (vomited after the
  dose), ``ECDEV`` and ``ECDEVRS`` (protocol deviation and its codes). Only ``Y`` values are
  written, as SUPPQUAL expects.

``ECSEQ`` numbers a subject's rows in date order (SCHEDULED before PERFORMED on a day) within
one export; take EC and SUPPEC with the same filters. ``ECREFID`` is the diary entry's id, stable
across exports.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from backend.domain import calendar
from backend.domain.diary import DEVIATION_CODES
from backend.domain.protocol import Treatment
from backend.services.exports.datasets import (
    Column,
    Dataset,
    DataType,
    Row,
    epoch,
    local_dtc,
    number,
    supp_columns,
)
from backend.services.exports.scope import ExportFilters
from backend.services.exports.source import SubjectRecords, first_day, last_day

FREQUENCIES = {1: "QD", 2: "BID", 3: "TID", 4: "QID"}

COLUMNS = (
    Column("STUDYID", "Study Identifier", key=1),
    Column("DOMAIN", "Domain Abbreviation"),
    Column("USUBJID", "Unique Subject Identifier", key=2),
    Column("ECSEQ", "Sequence Number", DataType.INTEGER, key=5),
    Column("ECGRPID", "Group ID"),
    Column("ECREFID", "Reference ID"),
    Column("ECTRT", "Name of Treatment", key=3),
    Column("ECMOOD", "Mood", key=4),
    Column("ECPRESP", "Pre-specified"),
    Column("ECOCCUR", "Occurrence"),
    Column("ECREASOC", "Reason for Occur Value"),
    Column("ECDOSE", "Dose", DataType.FLOAT),
    Column("ECDOSU", "Dose Units"),
    Column("ECDOSFRM", "Dose Form"),
    Column("ECDOSFRQ", "Dosing Frequency per Interval"),
    Column("ECDOSRGM", "Intended Dose Regimen"),
    Column("ECROUTE", "Route of Administration"),
    Column("EPOCH", "Epoch"),
    Column("ECSTDTC", "Start Date/Time of Treatment"),
    Column("ECENDTC", "End Date/Time of Treatment"),
    Column("ECSTDY", "Study Day of Start of Treatment", DataType.INTEGER),
    Column("ECENDY", "Study Day of End of Treatment", DataType.INTEGER),
)
NAMES = tuple(column.name for column in COLUMNS)

# QNAM -> (QLABEL, QORIG)
QUALIFIERS = {
    "ECLATE": ("Entered After Entry Window", "DERIVED"),
    "ECSITE": ("Entered by Site Staff", "COLLECTED"),
    "ECSRCDTL": ("Source of Site Entry", "COLLECTED"),
    "ECVOMIT": ("Vomited After Dose", "COLLECTED"),
    "ECDEV": ("Protocol Deviation", "DERIVED"),
    "ECDEVRS": ("Protocol Deviation Codes", "DERIVED"),
}


def regimen(treatment: Treatment) -> str:
    """The intended regimen in words, from the protocol: "DAYS 1-14 Q21D"."""
    first, last = treatment.first_dosing_day, treatment.last_dosing_day
    days = f"DAY {first}" if first == last else f"DAYS {first}-{last}"
    return f"{days} Q{treatment.cycle_length_days}D"


def _static(records: SubjectRecords) -> dict[str, Any]:
    """The values every EC row of a subject shares (worked out once per subject)."""
    subject = records.subject
    treatment = subject.protocol.treatment
    coding = subject.coding
    return {
        "STUDYID": subject.studyid,
        "DOMAIN": "EC",
        "USUBJID": subject.usubjid,
        "ECTRT": coding.treatment,
        "ECPRESP": "Y",
        "ECDOSU": "mg",
        "ECDOSFRM": coding.dose_form,
        "ECDOSFRQ": FREQUENCIES.get(treatment.doses_per_day, f"{treatment.doses_per_day} TIMES PER DAY"),
        "ECDOSRGM": regimen(treatment),
        "ECROUTE": coding.route,
    }


def _base(records: SubjectRecords, static: dict[str, Any], d: Any, mood: str) -> dict[str, Any]:
    """The values every EC row of a subject and day shares."""
    cycle = calendar.current_cycle(records.plan, d)
    study_day = records.subject.study_day(d)
    day = d.isoformat()
    return {
        **static,
        "ECGRPID": f"CYCLE {cycle.number}" if cycle is not None else None,
        "ECMOOD": mood,
        "EPOCH": epoch(records.subject, d),
        "ECSTDTC": day,
        "ECENDTC": day,
        "ECSTDY": study_day,
        "ECENDY": study_day,
    }


def _performed(records: SubjectRecords, static: dict[str, Any], log: Any) -> dict[str, Any]:
    """The PERFORMED row of one diary entry, with its qualifiers under ``_supp``."""
    row = _base(records, static, log.local_date, "PERFORMED")
    row["ECREFID"] = log.id
    if log.taken:
        dose = log.dose_mg if log.dose_mg is not None else calendar.dose_on(records.plan, log.local_date)
        row.update(ECOCCUR="Y", ECDOSE=number(dose))
        if log.taken_at is not None:
            row["ECSTDTC"] = row["ECENDTC"] = local_dtc(log.taken_at, records.subject.participant.timezone)
    else:
        row.update(ECOCCUR="N", ECREASOC=log.missed_reason)
    supp = {
        "ECLATE": "Y" if log.is_late else None,
        "ECSITE": "Y" if log.source == "site" else None,
        "ECSRCDTL": log.source_detail if log.source == "site" else None,
        "ECVOMIT": "Y" if log.vomited_after else None,
        "ECDEV": "Y" if log.is_deviation else None,
        "ECDEVRS": ", ".join(f for f in log.flags or [] if f in DEVIATION_CODES) or None,
    }
    row["_supp"] = {name: value for name, value in supp.items() if value}
    return row


def ec_records(records: SubjectRecords, filters: ExportFilters, now: datetime) -> list[dict[str, Any]]:
    """A subject's EC rows as dicts, numbered, in date order (SCHEDULED first on a day)."""
    subject = records.subject
    static = _static(records)
    rows: list[tuple[Any, int, dict[str, Any]]] = []
    for day in calendar.days(records.plan, first_day(subject, filters), last_day(subject, filters, now)):
        if day.is_prescribed:
            row = _base(records, static, day.date, "SCHEDULED")
            row["ECDOSE"] = number(day.expected_dose_mg)
            rows.append((day.date, 0, row))
    rows.extend((log.local_date, 1, _performed(records, static, log)) for log in records.dose_logs)
    rows.sort(key=lambda item: (item[0], item[1]))
    numbered = []
    for seq, (_d, _order, row) in enumerate(rows, start=1):
        row["ECSEQ"] = seq
        numbered.append(row)
    return numbered


def ec_rows(records: SubjectRecords, filters: ExportFilters, now: datetime) -> Iterator[Row]:
    """EC rows of one subject."""
    for row in ec_records(records, filters, now):
        yield tuple(row.get(name) for name in NAMES)


def suppec_rows(records: SubjectRecords, filters: ExportFilters, now: datetime) -> Iterator[Row]:
    """SUPPEC rows of one subject: one per qualifier with a value, linked by ECSEQ."""
    subject = records.subject
    for row in ec_records(records, filters, now):
        for qnam, qval in row.get("_supp", {}).items():
            label, origin = QUALIFIERS[qnam]
            yield (
                subject.studyid,
                "EC",
                subject.usubjid,
                "ECSEQ",
                str(row["ECSEQ"]),
                qnam,
                label,
                qval,
                origin,
                None,
            )


EC = Dataset("ec", "EC", "Exposure as Collected", COLUMNS, ec_rows, ("dose_logs",))
SUPPEC = Dataset(
    "suppec", "SUPPEC", "Supplemental Qualifiers for EC", supp_columns(), suppec_rows, ("dose_logs",)
)
DATASETS = (EC, SUPPEC)
