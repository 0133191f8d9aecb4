"""The audit trail of exports: who exported what, with which filters, when, and how many rows.

A stream's row count is known only when its last byte is written, after the request that
started it has committed. So an export leaves two events, both with the same ``entity_id``
(the export's id):

- ``export.start``, in the request's own transaction, before the first byte: who, what,
  format and filters. Written even if the client then disconnects or the process dies, so no
  export goes unrecorded;
- ``export.complete`` when the stream ended normally, with ``rows``; or ``export.incomplete``
  when it stopped early (client gone, error), with the rows sent until then. The caller writes
  it in a transaction of its own once the stream stops.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.db import new_id
from backend.services import audit
from backend.services.actors import Actor
from backend.services.exports.formats import Tally
from backend.services.exports.scope import ExportFilters


def _details(what: str, fmt: str, filters: ExportFilters, participant_id: str | None) -> dict[str, Any]:
    details: dict[str, Any] = {"export": what, "format": fmt, "filters": filters.as_dict()}
    if participant_id is not None:
        details["participant_id"] = participant_id
    return details


def export_started(
    session: Session,
    actor: Actor,
    what: str,
    fmt: str,
    filters: ExportFilters,
    now: datetime,
    participant_id: str | None = None,
) -> str:
    """Record the start of an export in the caller's transaction; returns the export's id."""
    export_id = new_id()
    audit.record(
        session,
        actor,
        "export.start",
        "export",
        export_id,
        now=now,
        after=_details(what, fmt, filters, participant_id),
        participant_id=participant_id,
        site_id=filters.site_id or actor.site_id,
    )
    return export_id


def export_finished(
    session: Session,
    actor: Actor,
    export_id: str,
    what: str,
    fmt: str,
    filters: ExportFilters,
    tally: Tally,
    now: datetime,
    participant_id: str | None = None,
) -> None:
    """Record how an export's stream ended (complete or not) and how many rows it carried."""
    details = {**_details(what, fmt, filters, participant_id), "rows": tally.rows, "complete": tally.complete}
    audit.record(
        session,
        actor,
        "export.complete" if tally.complete else "export.incomplete",
        "export",
        export_id,
        now=now,
        after=details,
        participant_id=participant_id,
        site_id=filters.site_id or actor.site_id,
    )
