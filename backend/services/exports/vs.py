"""VS (Vital Signs) and SUPPVS: home BP readings, their sittings, and temperatures.

- Each BP reading gives ``SYSBP``, ``DIABP`` and (when measured) ``PULSE`` rows, position
  ``SITTING``, with the sitting's id as ``VSGRPID`` and the reading's client id as ``VSREFID``.
- Each sitting adds two derived rows (``VSDRVFL`` = ``Y``): the mean ``SYSBP`` and ``DIABP`` of
  its readings (what the product grades), dated at its last reading.
- SUPPVS (``IDVAR`` = ``VSGRPID``, one set per sitting): ``CTCAEGR``, the CTCAE hypertension
  grade the product gave the sitting (the grade stored with its last reading, so the export shows
  what staff and patient saw), ``CTCAEVER`` the grading table, ``VSNREAD`` the number of readings.
- A symptom report's temperature gives a ``TEMP`` row in °C (``VSREFID`` the report's client id).

Rows of a subject are in time order; ``VSDTC`` is local clock time (see ``datasets.local_dtc``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from backend.services.exports.datasets import (
    Column,
    Dataset,
    DataType,
    Row,
    epoch,
    instant_day,
    local_dtc,
    number,
    supp_columns,
)
from backend.services.exports.scope import ExportFilters, Subject
from backend.services.exports.source import SubjectRecords

COLUMNS = (
    Column("STUDYID", "Study Identifier", key=1),
    Column("DOMAIN", "Domain Abbreviation"),
    Column("USUBJID", "Unique Subject Identifier", key=2),
    Column("VSSEQ", "Sequence Number", DataType.INTEGER, key=5),
    Column("VSGRPID", "Group ID"),
    Column("VSREFID", "Reference ID"),
    Column("VSTESTCD", "Vital Signs Test Short Name", key=3),
    Column("VSTEST", "Vital Signs Test Name"),
    Column("VSPOS", "Vital Signs Position of Subject"),
    Column("VSORRES", "Result or Finding in Original Units"),
    Column("VSORRESU", "Original Units"),
    Column("VSSTRESC", "Character Result/Finding in Std Format"),
    Column("VSSTRESN", "Numeric Result/Finding in Standard Units", DataType.FLOAT),
    Column("VSSTRESU", "Standard Units"),
    Column("VSDRVFL", "Derived Flag"),
    Column("EPOCH", "Epoch"),
    Column("VSDTC", "Date/Time of Measurements", key=4),
    Column("VSDY", "Study Day of Vital Signs", DataType.INTEGER),
)
NAMES = tuple(column.name for column in COLUMNS)

TESTS = {
    "SYSBP": ("Systolic Blood Pressure", "mmHg"),
    "DIABP": ("Diastolic Blood Pressure", "mmHg"),
    "PULSE": ("Pulse Rate", "beats/min"),
    "TEMP": ("Temperature", "C"),
}
TABLE_NAMES = {"ctcae-5.0": "CTCAE v5.0", "ctcae-6.0": "CTCAE v6.0"}


def _when(subject: Subject, instant: datetime) -> dict[str, Any]:
    """The timing variables of a measurement at ``instant`` (worked out once per reading)."""
    day = instant_day(subject, instant)
    return {
        "EPOCH": epoch(subject, day),
        "VSDTC": local_dtc(instant, subject.participant.timezone),
        "VSDY": subject.study_day(day),
        "_at": instant,
    }


def _row(subject: Subject, when: dict[str, Any], testcd: str, value: float, **extra: Any) -> dict[str, Any]:
    """One VS row for a test result measured ``when``."""
    test, unit = TESTS[testcd]
    shown = number(value)
    return {
        "STUDYID": subject.studyid,
        "DOMAIN": "VS",
        "USUBJID": subject.usubjid,
        "VSTESTCD": testcd,
        "VSTEST": test,
        "VSORRES": str(shown),
        "VSORRESU": unit,
        "VSSTRESC": str(shown),
        "VSSTRESN": shown,
        "VSSTRESU": unit,
        **when,
        **extra,
    }


def _sittings(readings: list[Any]) -> dict[str, list[Any]]:
    """Readings by sitting id, in the order sittings started."""
    sittings: dict[str, list[Any]] = {}
    for reading in readings:
        sittings.setdefault(reading.sitting_id, []).append(reading)
    return sittings


def vs_records(records: SubjectRecords) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A subject's VS rows (numbered, in time order) and one qualifier set per sitting."""
    subject = records.subject
    rows: list[dict[str, Any]] = []
    supp: list[dict[str, Any]] = []
    for sitting_id, readings in _sittings(records.readings).items():
        for r in readings:
            common = {"VSGRPID": sitting_id, "VSREFID": r.client_id, "VSPOS": "SITTING"}
            when = _when(subject, r.measured_at)
            rows.append(_row(subject, when, "SYSBP", r.systolic, **common))
            rows.append(_row(subject, when, "DIABP", r.diastolic, **common))
            if r.pulse is not None:
                rows.append(_row(subject, when, "PULSE", r.pulse, **common))
        last = max(readings, key=lambda r: (r.measured_at, r.received_at))
        last_when = _when(subject, last.measured_at)
        derived = {"VSGRPID": sitting_id, "VSPOS": "SITTING", "VSDRVFL": "Y"}
        for testcd, attr in (("SYSBP", "systolic"), ("DIABP", "diastolic")):
            mean = round(sum(getattr(r, attr) for r in readings) / len(readings), 1)
            rows.append(_row(subject, last_when, testcd, mean, _derived=1, **derived))
        table = subject.protocol.bp.grading_table
        supp.append(
            {
                "VSGRPID": sitting_id,
                "CTCAEGR": last.grade,
                "CTCAEVER": TABLE_NAMES.get(table, table),
                "VSNREAD": len(readings),
            }
        )
    for report in records.reports:
        if report.temperature_c is not None:
            when = _when(subject, report.reported_at)
            rows.append(_row(subject, when, "TEMP", report.temperature_c, VSREFID=report.client_id))
    rows.sort(key=lambda row: (row["_at"], row.get("_derived", 0)))
    for seq, row in enumerate(rows, start=1):
        row["VSSEQ"] = seq
    return rows, supp


def vs_rows(records: SubjectRecords, filters: ExportFilters, now: datetime) -> Iterator[Row]:
    """VS rows of one subject."""
    rows, _supp = vs_records(records)
    for row in rows:
        yield tuple(row.get(name) for name in NAMES)


SUPP_LABELS = {
    "CTCAEGR": ("CTCAE Hypertension Grade of Sitting", "DERIVED"),
    "CTCAEVER": ("CTCAE Version of Grade", "ASSIGNED"),
    "VSNREAD": ("Number of Readings in Sitting", "DERIVED"),
}


def suppvs_rows(records: SubjectRecords, filters: ExportFilters, now: datetime) -> Iterator[Row]:
    """SUPPVS rows of one subject: the grade, grading table and reading count of each sitting."""
    subject = records.subject
    _rows, supp = vs_records(records)
    for sitting in supp:
        for qnam, (label, origin) in SUPP_LABELS.items():
            if sitting[qnam] is not None:
                yield (
                    subject.studyid,
                    "VS",
                    subject.usubjid,
                    "VSGRPID",
                    sitting["VSGRPID"],
                    qnam,
                    label,
                    str(sitting[qnam]),
                    origin,
                    None,
                )


VS = Dataset("vs", "VS", "Vital Signs", COLUMNS, vs_rows, ("readings", "reports"))
SUPPVS = Dataset(
    "suppvs", "SUPPVS", "Supplemental Qualifiers for VS", supp_columns(), suppvs_rows, ("readings",)
)
DATASETS = (VS, SUPPVS)
