"""``export ...``: the trial data exports written to a folder (same content and audit as the API)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from backend import clock
from backend.db import db
from backend.services.actors import SYSTEM
from backend.services.errors import ServiceError
from backend.services.exports import files
from backend.services.exports.registry import DATASETS
from backend.services.exports.scope import ExportFilters

_filters = [
    click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="folder to write into (created if missing)",
    ),
    click.option("--site-id", default=None, help="one site (default: every site)"),
    click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="first local date"),
    click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="last local date"),
]


def _with_filters(command):
    for option in reversed(_filters):
        command = option(command)
    return command


def _in_own_transaction(work):
    """Run ``work(session)`` in a transaction of its own and commit it (each audit event)."""
    with db.session_scope() as session:
        return work(session)


def _run(out: Path, site_id: str | None, start, end, write) -> None:
    """Build the filters and a target (read-only reader, the system actor), run ``write(target)``."""
    out.mkdir(parents=True, exist_ok=True)
    filters = ExportFilters(site_id, _day(start), _day(end))
    try:
        with db.read_only_session() as reader:
            written = write(files.Target(reader, _in_own_transaction, SYSTEM, filters, clock.now()))
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    for path, rows in written:
        click.echo(f"{path}\t{rows} rows")


def _day(value) -> date | None:
    return value.date() if value is not None else None


@click.group("export")
def export_group() -> None:
    """Export trial data: SDTM-style datasets, CDISC ODM, FHIR R4 (see docs/exports.md)."""


@export_group.command("sdtm")
@_with_filters
@click.option(
    "--domain",
    "domains",
    multiple=True,
    type=click.Choice(list(DATASETS)),
    help="dataset (repeatable; default: all)",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(files.FORMATS),
    help="csv and/or json (Dataset-JSON v1.1; default: both)",
)
@with_appcontext
def export_sdtm(out, site_id, start, end, domains, formats) -> None:
    """SDTM-style datasets, one file per dataset and format."""
    keys, fmts = list(domains or DATASETS), list(formats or files.FORMATS)
    _run(out, site_id, start, end, lambda target: files.write_datasets(target, keys, fmts, out))


@export_group.command("odm")
@_with_filters
@with_appcontext
def export_odm(out, site_id, start, end) -> None:
    """The CDISC ODM 1.3.2 document (odm.xml)."""
    _run(out, site_id, start, end, lambda target: [files.write_odm(target, out)])


@export_group.command("fhir")
@_with_filters
@click.option(
    "--participant", "participants", multiple=True, help="participant id (repeatable; default: all)"
)
@with_appcontext
def export_fhir(out, site_id, start, end, participants) -> None:
    """One FHIR R4 Bundle per participant (<USUBJID>.fhir.json)."""
    ids = list(participants) or None
    _run(out, site_id, start, end, lambda target: files.write_fhir(target, ids, out))


@export_group.command("all")
@_with_filters
@with_appcontext
def export_all(out, site_id, start, end) -> None:
    """Every dataset in both formats, odm.xml and a FHIR Bundle per participant."""

    def write(target):
        written = files.write_datasets(target, list(DATASETS), list(files.FORMATS), out)
        written.append(files.write_odm(target, out))
        return written + files.write_fhir(target, None, out)

    _run(out, site_id, start, end, write)
