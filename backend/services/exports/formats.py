"""Writers that turn any dataset's rows into CSV or CDISC Dataset-JSON v1.1, chunk by chunk.

Both yield text chunks of a few hundred rows, count the rows into a :class:`Tally` (the audit
event of the export records it when the stream ends), and never hold more than one chunk.

Dataset-JSON v1.1 wants ``records`` (the row count); a stream knows it only at the end, so the
object's members are written in spec order except that ``records`` comes after ``rows``. JSON
member order has no meaning (RFC 8259 §4), and every reader tried (odmlib's DatasetJSON,
``json``, pandas via dsjson) reads it; writing it first would mean reading the study twice.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.services.exports.datasets import Dataset, Row

CHUNK_ROWS = 500
DATASET_JSON_VERSION = "1.1.0"
ORIGINATOR = "Dosing Diary"
SOURCE_SYSTEM = {"name": "Dosing Diary", "version": "0.1.0"}


@dataclass
class Tally:
    """Rows written so far, and whether the writer reached the end of its rows."""

    rows: int = 0
    complete: bool = False


def _csv_value(value: Any) -> Any:
    return "" if value is None else value


def csv_chunks(dataset: Dataset, rows: Iterable[Row], tally: Tally) -> Iterator[str]:
    """The dataset as CSV (RFC 4180, header of SDTM variable names, empty cell for null)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.name for column in dataset.columns])
    pending = 0
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])
        tally.rows += 1
        pending += 1
        if pending >= CHUNK_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()
    tally.complete = True


def _columns(dataset: Dataset) -> list[dict[str, Any]]:
    columns = []
    for column in dataset.columns:
        meta: dict[str, Any] = {
            "itemOID": f"IT.{dataset.name}.{column.name}",
            "name": column.name,
            "label": column.label,
            "dataType": str(column.data_type),
        }
        if column.key is not None:
            meta["keySequence"] = column.key
        columns.append(meta)
    return columns


def dataset_json_chunks(
    dataset: Dataset, rows: Iterable[Row], tally: Tally, *, study_oid: str, now: datetime
) -> Iterator[str]:
    """The dataset as Dataset-JSON v1.1, ``rows`` streamed, ``records`` after them."""
    head = {
        "datasetJSONCreationDateTime": now.isoformat(timespec="seconds"),
        "datasetJSONVersion": DATASET_JSON_VERSION,
        "fileOID": f"DD.{study_oid}.{dataset.name}.{now.strftime('%Y%m%dT%H%M%S')}",
        "originator": ORIGINATOR,
        "sourceSystem": SOURCE_SYSTEM,
        "studyOID": study_oid,
        "metaDataVersionOID": f"MDV.{study_oid}",
        "itemGroupOID": dataset.item_group_oid,
        "name": dataset.name,
        "label": dataset.label,
        "columns": _columns(dataset),
    }
    opening = json.dumps(head, ensure_ascii=False)
    parts = [opening[:-1] + ', "rows": [']
    pending = 0
    for row in rows:
        parts.append(("," if tally.rows else "") + "\n" + json.dumps(row, ensure_ascii=False))
        tally.rows += 1
        pending += 1
        if pending >= CHUNK_ROWS:
            yield "".join(parts)
            parts, pending = [], 0
    parts.append(f'\n], "records": {tally.rows}}}\n')
    yield "".join(parts)
    tally.complete = True
