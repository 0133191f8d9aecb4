"""Exports written to files (the CLI's ``export`` commands), with the same audit trail as the API.

Each file is written from the same chunk generators the API streams, so a study of any size is
written with the memory of one batch; ``export.start`` and ``export.complete`` are recorded for
each file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from backend.services.actors import Actor
from backend.services.exports import events, fhir, odm
from backend.services.exports.datasets import prepare
from backend.services.exports.formats import Tally, csv_chunks, dataset_json_chunks
from backend.services.exports.registry import dataset
from backend.services.exports.scope import ExportFilters, authorise, subjects

FORMATS = ("csv", "json")


def _write(path: Path, chunks: Callable[[Tally], Iterator[str]], tally: Tally) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        for chunk in chunks(tally):
            out.write(chunk)


def _audited(
    session: Session,
    actor: Actor,
    what: str,
    fmt: str,
    filters: ExportFilters,
    now: datetime,
    path: Path,
    chunks: Callable[[Tally], Iterator[str]],
    participant_id: str | None = None,
) -> tuple[Path, int]:
    export_id = events.export_started(session, actor, what, fmt, filters, now, participant_id=participant_id)
    tally = Tally()
    try:
        _write(path, chunks, tally)
    finally:
        events.export_finished(
            session, actor, export_id, what, fmt, filters, tally, now, participant_id=participant_id
        )
    return path, tally.rows


def write_datasets(
    session: Session,
    actor: Actor,
    keys: list[str],
    formats: list[str],
    filters: ExportFilters,
    now: datetime,
    folder: Path,
) -> list[tuple[Path, int]]:
    """Write each dataset in each format to ``folder`` (``ec.csv``, ``ec.json``, ...)."""
    written = []
    for key in keys:
        export = prepare(session, actor, dataset(key), filters, now)
        for fmt in formats:
            if fmt == "csv":

                def chunks(tally: Tally, export=export) -> Iterator[str]:  # noqa: ANN001
                    return csv_chunks(export.dataset, export.rows(), tally)
            else:

                def chunks(tally: Tally, export=export) -> Iterator[str]:  # noqa: ANN001
                    return dataset_json_chunks(
                        export.dataset, export.rows(), tally, study_oid=odm.study_oid(), now=now
                    )

            path = folder / f"{key}.{fmt}"
            written.append(_audited(session, actor, f"sdtm.{key}", fmt, filters, now, path, chunks))
    return written


def write_odm(
    session: Session, actor: Actor, filters: ExportFilters, now: datetime, folder: Path
) -> tuple[Path, int]:
    """Write ``odm.xml`` to ``folder``."""
    document = odm.prepare(session, actor, filters, now)
    return _audited(session, actor, "odm", "xml", filters, now, folder / "odm.xml", document.chunks)


def write_fhir(
    session: Session,
    actor: Actor,
    participant_ids: list[str] | None,
    filters: ExportFilters,
    now: datetime,
    folder: Path,
) -> list[tuple[Path, int]]:
    """Write one ``<USUBJID>.fhir.json`` Bundle per participant (every one in scope when None)."""
    if participant_ids is None:
        authorise(session, actor, filters)
        participant_ids = [s.participant.id for s in subjects(session, actor, filters)]
    written = []
    for participant_id in participant_ids:
        bundle = fhir.prepare(session, actor, participant_id, filters, now)
        path = folder / f"{bundle.file_stem}.fhir.json"
        written.append(
            _audited(
                session,
                actor,
                "fhir",
                "json",
                filters,
                now,
                path,
                bundle.chunks,
                participant_id=participant_id,
            )
        )
    return written
