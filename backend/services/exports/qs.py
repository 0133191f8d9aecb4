"""QS (Questionnaires): one row per PRO-CTCAE item of each symptom report.

Everything comes from the questionnaire definition the report was answered with
(``symptom_reports.questionnaire``, e.g. ``anlo-daily.v1``): its symptom groups and items,
their scales, and their English wording. A new item in a new questionnaire version appears here
with no change to this module.

- An answered item: ``QSORRES`` the English option label, ``QSSTRESC``/``QSSTRESN`` the score.
- A follow-up item the branching skipped (its group's first item was answered 0): ``QSSTAT`` =
  ``NOT DONE``, ``QSREASND`` = ``LOGICALLY SKIPPED ITEM``, no result (PRO-CTCAE scores it 0; the
  product does so for its alert rules, and an analysis dataset imputes it from this flag).
- A symptom whose first item was left unanswered has no rows (unknown is not "none").

``QSTESTCD`` is built from the item code (:func:`testcd`): the symptom (first four letters, or
the initials of a multi-word symptom), the initial of any middle part, and the attribute
(``FRQ``, ``SEV``, ``INT``, ``PRS``, ``CNT``), e.g. ``nausea_frequency`` -> ``NAUSFRQ``,
``diarrhea_stools_count`` -> ``DIARSCNT``. ``QSSPID`` keeps the full ``questionnaire:item`` code.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from backend.domain.i18n import text
from backend.domain.questionnaire import Item, Questionnaire, SymptomGroup, load_questionnaire
from backend.services.exports.datasets import Column, Dataset, DataType, Row, epoch, instant_day, local_dtc
from backend.services.exports.scope import ExportFilters
from backend.services.exports.source import SubjectRecords

ATTRIBUTE_CODES = {
    "frequency": "FRQ",
    "severity": "SEV",
    "interference": "INT",
    "presence": "PRS",
    "count": "CNT",
}
CATEGORY = "PRO-CTCAE"
SKIPPED = "LOGICALLY SKIPPED ITEM"

COLUMNS = (
    Column("STUDYID", "Study Identifier", key=1),
    Column("DOMAIN", "Domain Abbreviation"),
    Column("USUBJID", "Unique Subject Identifier", key=2),
    Column("QSSEQ", "Sequence Number", DataType.INTEGER, key=6),
    Column("QSGRPID", "Group ID"),
    Column("QSREFID", "Reference ID"),
    Column("QSSPID", "Sponsor-Defined Identifier"),
    Column("QSTESTCD", "Question Short Name", key=4),
    Column("QSTEST", "Question Name"),
    Column("QSCAT", "Category of Question", key=3),
    Column("QSSCAT", "Subcategory for Question"),
    Column("QSORRES", "Finding in Original Units"),
    Column("QSSTRESC", "Character Result/Finding in Std Format"),
    Column("QSSTRESN", "Numeric Finding in Standard Units", DataType.INTEGER),
    Column("QSSTAT", "Completion Status"),
    Column("QSREASND", "Reason Not Performed"),
    Column("QSEVAL", "Evaluator"),
    Column("EPOCH", "Epoch"),
    Column("QSDTC", "Date/Time of Finding", key=5),
    Column("QSDY", "Study Day of Finding", DataType.INTEGER),
)
NAMES = tuple(column.name for column in COLUMNS)


def _symptom_code(group: SymptomGroup) -> str:
    words = group.code.split("_")
    return words[0][:4].upper() if len(words) == 1 else "".join(w[0] for w in words)[:4].upper()


def testcd(group: SymptomGroup, item: Item) -> str:
    """An SDTM ``QSTESTCD`` (at most 8 characters, starting with a letter) for ``item``."""
    middle = item.code[len(group.code) + 1 : -(len(item.attribute) + 1)]
    initial = middle[:1].upper()
    suffix = ATTRIBUTE_CODES.get(item.attribute, item.attribute[:3].upper())
    return f"{_symptom_code(group)}{initial}{suffix}"[:8]


def testcds(questionnaire: Questionnaire) -> dict[str, str]:
    """Item code -> QSTESTCD for every item; a clash (two codes alike) gets a checksum instead."""
    codes = {item.code: testcd(group, item) for group in questionnaire.symptoms for item in group.items}
    seen: dict[str, int] = {}
    for value in codes.values():
        seen[value] = seen.get(value, 0) + 1
    for code, value in codes.items():
        if seen[value] > 1:
            digest = format(zlib.crc32(code.encode()) % 1296, "02d")[-2:]
            codes[code] = f"{value[:3]}{digest}{value[-3:]}"
    return codes


def _test_name(group: SymptomGroup, item: Item) -> str:
    return f"{text('en', f'symptoms.title.{group.code}')} {item.attribute}"[:40]


def _report_rows(records: SubjectRecords, report: Any) -> Iterator[dict[str, Any]]:
    """The QS rows of one report, in questionnaire order."""
    subject = records.subject
    questionnaire = load_questionnaire(report.questionnaire)
    codes = testcds(questionnaire)
    answers = report.answers or {}
    day = instant_day(subject, report.reported_at)
    common = {
        "STUDYID": subject.studyid,
        "DOMAIN": "QS",
        "USUBJID": subject.usubjid,
        "QSGRPID": report.id,
        "QSREFID": report.client_id,
        "QSCAT": CATEGORY,
        "QSEVAL": "STUDY SUBJECT",
        "EPOCH": epoch(subject, day),
        "QSDTC": local_dtc(report.reported_at, subject.participant.timezone),
        "QSDY": subject.study_day(day),
    }
    for group in questionnaire.symptoms:
        gate = answers.get(group.gate.code)
        if not isinstance(gate, int):
            continue
        for item in group.items:
            value = answers.get(item.code)
            row = {
                **common,
                "QSSPID": f"{questionnaire.key}:{item.code}",
                "QSTESTCD": codes[item.code],
                "QSTEST": _test_name(group, item),
                "QSSCAT": text("en", f"symptoms.title.{group.code}"),
            }
            if isinstance(value, int) and not isinstance(value, bool):
                label = text("en", f"symptoms.scale.{item.attribute}.{value}")
                yield {**row, "QSORRES": label, "QSSTRESC": str(value), "QSSTRESN": value}
            elif gate == 0:
                yield {**row, "QSSTAT": "NOT DONE", "QSREASND": SKIPPED}


def qs_rows(records: SubjectRecords, filters: ExportFilters, now: datetime) -> Iterator[Row]:
    """QS rows of one subject, report by report in time order."""
    seq = 0
    for report in records.reports:
        for row in _report_rows(records, report):
            seq += 1
            row["QSSEQ"] = seq
            yield tuple(row.get(name) for name in NAMES)


QS = Dataset("qs", "QS", "Questionnaires", COLUMNS, qs_rows, ("reports",))
DATASETS = (QS,)
