"""Trial data out: SDTM-style datasets, CDISC ODM and a participant's FHIR Bundle, streamed.

Each view authenticates, lets the service check role, filters and scope (so 401/403/404/422 are
answered before any byte of data), records ``export.start`` in the request's transaction, and
returns a streamed response. When the stream ends the row count is recorded as
``export.complete`` (or ``export.incomplete``) in a transaction of its own (see
``backend.services.exports.events``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from backend import clock
from backend.api.access import SECURITY, staff_actor
from backend.api.fields import Day
from backend.db import db
from backend.services.actors import Actor
from backend.services.exports import events, fhir, odm
from backend.services.exports.datasets import prepare
from backend.services.exports.formats import Tally, csv_chunks, dataset_json_chunks
from backend.services.exports.registry import DATASETS, dataset
from backend.services.exports.scope import ExportFilters

blp = Blueprint("exports", __name__, url_prefix="/api/v1", description="Trial data exports")

MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
DOMAINS = ", ".join(DATASETS)


class ExportFilterArgs(Schema):
    site_id = fields.String(validate=validate.Length(min=1, max=32), metadata={"description": "one site"})
    from_ = Day(data_key="from", metadata={"description": "first local date, inclusive"})
    to = Day(metadata={"description": "last local date, inclusive"})


def _staff_first(view: Callable[..., Response]) -> Callable[..., Response]:
    """Authenticate before the query is validated: no token is a 401 whatever the query says."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        staff_actor()
        return view(*args, **kwargs)

    return wrapper


def _filters(args: dict[str, Any]) -> ExportFilters:
    return ExportFilters(site_id=args.get("site_id"), start=args.get("from_"), end=args.get("to"))


Chunks = Callable[[Session, Tally], Iterator[str]]


def _streamed(
    chunks: Chunks, tally: Tally, actor: Actor, export_id: str, finish: dict[str, Any]
) -> Iterator[str]:
    """Yield the export read in its own read-only session; when it stops, record how it ended.

    The request's transaction has committed ``export.start`` by the time the first chunk is
    asked for; the end (complete, or the rows sent before an error or a disconnect) is written
    in a transaction of its own.
    """
    try:
        with db.read_only_session() as reader:
            yield from chunks(reader, tally)
    finally:
        with db.session_scope() as session:
            events.export_finished(session, actor, export_id, tally=tally, now=clock.now(), **finish)


def _respond(chunks: Chunks, actor: Actor, finish: dict[str, Any], mimetype: str, filename: str) -> Response:
    """Record ``export.start`` in the request's transaction and answer with the streamed body."""
    export_id = events.export_started(
        db.session,
        actor,
        finish["what"],
        finish["fmt"],
        finish["filters"],
        clock.now(),
        participant_id=finish.get("participant_id"),
    )
    body = stream_with_context(_streamed(chunks, Tally(), actor, export_id, finish))
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Export-Id"] = export_id
    return response


def _doc(description: str, media: dict[str, dict[str, str]]) -> dict[str, Any]:
    content = {m.split(";")[0]: {"schema": schema} for m, schema in media.items()}
    return {"responses": {"200": {"description": description, "content": content}}}


TEXT = {"type": "string"}
OBJECT = {"type": "object"}


@blp.route(f"/exports/sdtm/<any({DOMAINS}):domain>.<any(csv, json):fmt>")
class SdtmExport(MethodView):
    @blp.doc(security=SECURITY, **_doc("the dataset, streamed", {MEDIA["csv"]: TEXT, MEDIA["json"]: OBJECT}))
    @_staff_first
    @blp.arguments(ExportFilterArgs, location="query")
    def get(self, args: dict[str, Any], domain: str, fmt: str) -> Response:
        """One SDTM-style dataset (EC, SUPPEC, VS, SUPPVS, QS, alerts) as CSV or Dataset-JSON v1.1.

        Coordinators and investigators get their site, monitors every site (or ``site_id``).
        ``from``/``to`` are the participants' local dates, inclusive. See docs/exports.md.
        """
        actor = staff_actor()
        now = clock.now()
        filters = _filters(args)
        export = prepare(db.session, actor, dataset(domain), filters, now)

        def chunks(reader: Session, tally: Tally) -> Iterator[str]:
            if fmt == "csv":
                return csv_chunks(export.dataset, export.rows(reader), tally)
            return dataset_json_chunks(
                export.dataset, export.rows(reader), tally, study_oid=odm.study_oid(), now=now
            )

        finish = {"what": f"sdtm.{domain}", "fmt": fmt, "filters": filters}
        return _respond(chunks, actor, finish, MEDIA[fmt], f"{domain}.{fmt}")


@blp.route("/exports/odm.xml")
class OdmExport(MethodView):
    @blp.doc(security=SECURITY, **_doc("ODM 1.3.2 document, streamed", {"application/xml": TEXT}))
    @_staff_first
    @blp.arguments(ExportFilterArgs, location="query")
    def get(self, args: dict[str, Any]) -> Response:
        """The diary data as CDISC ODM 1.3.2 XML with its metadata, for import into an EDC."""
        actor = staff_actor()
        filters = _filters(args)
        document = odm.prepare(db.session, actor, filters, clock.now())
        finish = {"what": "odm", "fmt": "xml", "filters": filters}
        return _respond(document.chunks, actor, finish, "application/xml", "odm.xml")


@blp.route("/participants/<participant_id>/fhir")
class FhirExport(MethodView):
    @blp.doc(security=SECURITY, **_doc("FHIR R4 Bundle, streamed", {"application/fhir+json": OBJECT}))
    @_staff_first
    @blp.arguments(ExportFilterArgs, location="query")
    def get(self, args: dict[str, Any], participant_id: str) -> Response:
        """One participant's diary as a FHIR R4 Bundle (type collection); see docs/exports.md."""
        actor = staff_actor()
        filters = _filters(args)
        bundle = fhir.prepare(db.session, actor, participant_id, filters, clock.now())
        finish = {"what": "fhir", "fmt": "json", "filters": filters, "participant_id": bundle.participant_id}
        media = "application/fhir+json; fhirVersion=4.0"
        return _respond(bundle.chunks, actor, finish, media, f"{bundle.file_stem}.fhir.json")
