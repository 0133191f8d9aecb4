"""Exports written to files (the CLI's ``export`` commands), with the same audit trail as the API.

Each file is written from the same chunk generators the API streams, read with a read-only
session (``reader``), so a study of any size is written with the memory of one batch and no
write lock is held while it is read. Every file gets its ``export.start`` and
``export.complete`` events, each written through ``write``: the caller's way of running a
function in a transaction of its own and committing it (so the start of an export is on record
even if the export then fails).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from backend.services.actors import Actor
from backend.services.exports import events, fhir, odm
from backend.services.exports.datasets import prepare
from backend.services.exports.formats import Tally, csv_chunks, dataset_json_chunks
from backend.services.exports.registry import dataset
from backend.services.exports.scope import ExportFilters, authorise, subjects

FORMATS = ("csv", "json")
Writer = Callable[[Callable[[Session], Any]], Any]
Chunks = Callable[[Session, Tally], Iterator[str]]


class Target:
    """Where and how an export is written: the caller's sessions, actor, filters and instant."""

    def __init__(
        self, reader: Session, write: Writer, actor: Actor, filters: ExportFilters, now: datetime
    ) -> None:
        self.reader, self.write, self.actor, self.filters, self.now = reader, write, actor, filters, now

    def file(
        self, path: Path, what: str, fmt: str, chunks: Chunks, participant_id: str | None = None
    ) -> tuple[Path, int]:
        """Write one export to ``path`` with its two audit events; returns (path, rows)."""
        started = {"participant_id": participant_id}
        export_id = self.write(
            lambda s: events.export_started(s, self.actor, what, fmt, self.filters, self.now, **started)
        )
        tally = Tally()
        try:
            with path.open("w", encoding="utf-8", newline="") as out:
                for chunk in chunks(self.reader, tally):
                    out.write(chunk)
        finally:
            self.write(
                lambda s: events.export_finished(
                    s, self.actor, export_id, what, fmt, self.filters, tally, self.now, **started
                )
            )
        return path, tally.rows


def write_datasets(
    target: Target, keys: list[str], formats: list[str], folder: Path
) -> list[tuple[Path, int]]:
    """Write each dataset in each format to ``folder`` (``ec.csv``, ``ec.json``, ...)."""
    written = []
    for key in keys:
        export = prepare(target.reader, target.actor, dataset(key), target.filters, target.now)
        for fmt in formats:

            def chunks(reader: Session, tally: Tally, export: Any = export, fmt: str = fmt) -> Iterator[str]:
                if fmt == "csv":
                    return csv_chunks(export.dataset, export.rows(reader), tally)
                study = odm.study_oid()
                return dataset_json_chunks(
                    export.dataset, export.rows(reader), tally, study_oid=study, now=target.now
                )

            written.append(target.file(folder / f"{key}.{fmt}", f"sdtm.{key}", fmt, chunks))
    return written


def write_odm(target: Target, folder: Path) -> tuple[Path, int]:
    """Write ``odm.xml`` to ``folder``."""
    document = odm.prepare(target.reader, target.actor, target.filters, target.now)
    return target.file(folder / "odm.xml", "odm", "xml", document.chunks)


def write_fhir(target: Target, participant_ids: list[str] | None, folder: Path) -> list[tuple[Path, int]]:
    """Write one ``<USUBJID>.fhir.json`` Bundle per participant (every one in scope when None)."""
    if participant_ids is None:
        authorise(target.reader, target.actor, target.filters)
        participant_ids = [s.participant.id for s in subjects(target.reader, target.actor, target.filters)]
    written = []
    for participant_id in participant_ids:
        bundle = fhir.prepare(target.reader, target.actor, participant_id, target.filters, target.now)
        path = folder / f"{bundle.file_stem}.fhir.json"
        written.append(target.file(path, "fhir", "json", bundle.chunks, participant_id=participant_id))
    return written
