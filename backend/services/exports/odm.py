"""The diary as one CDISC ODM 1.3.2 document (snapshot), streamed participant by participant.

``<ODM>`` holds the ``<Study>`` metadata (:mod:`.odm_metadata`), ``<AdminData>`` with one
``<Location>`` per site in scope, and ``<ClinicalData>`` with one ``<SubjectData>`` per
participant (``SubjectKey`` = USUBJID, ``SiteRef`` to their site). Each diary entry, BP reading,
symptom report and alert is a repeating form of the diary event, keyed by its local date or
record id. Instants are the participant's local time with its UTC offset.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.domain import calendar
from backend.domain.localtime import to_local
from backend.domain.protocol import get_protocol
from backend.domain.questionnaire import load_questionnaire
from backend.models import Site
from backend.services.actors import Actor
from backend.services.exports.formats import ORIGINATOR, SOURCE_SYSTEM, Tally
from backend.services.exports.odm_metadata import attr, metadata, symptom_item_oid
from backend.services.exports.scope import ExportFilters, Subject, authorise, sites_in_scope, subjects
from backend.services.exports.source import SubjectRecords, subject_records

NAMESPACE = "http://www.cdisc.org/ns/odm/v1.3"


def study_oid() -> str:
    """The study's OID: the key of the deployment's default protocol (e.g. ``SKB264-ANLO``)."""
    return get_protocol().key


def location_oid(site_code: str) -> str:
    """The ``Location`` OID of a site."""
    return f"LOC.{site_code}"


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("Y" if value else "N")


def _form(form: str, key: str, group: str, items: Iterable[tuple[str, Any]]) -> str:
    """One repeating form with its item group; items whose value is None are left out."""
    data = "".join(
        f"<ItemData ItemOID={attr(oid)} Value={attr(value)}/>" for oid, value in items if value is not None
    )
    return (
        f"<FormData FormOID={attr(form)} FormRepeatKey={attr(key)}>"
        f"<ItemGroupData ItemGroupOID={attr(group)}>{data}</ItemGroupData></FormData>"
    )


def _dose_forms(records: SubjectRecords, when: Any) -> Iterator[str]:
    for log in records.dose_logs:
        day = calendar.day_info(records.plan, log.local_date)
        yield _form(
            "F.DOSE",
            log.local_date.isoformat(),
            "IG.DOSE",
            (
                ("IT.DOSE.DATE", log.local_date.isoformat()),
                ("IT.DOSE.CYCLE", day.cycle),
                ("IT.DOSE.CYCLEDAY", day.cycle_day),
                ("IT.DOSE.PHASE", day.phase),
                ("IT.DOSE.EXPECTED", day.expected_dose_mg),
                ("IT.DOSE.TAKEN", _yes_no(log.taken)),
                ("IT.DOSE.TAKENAT", when(log.taken_at)),
                ("IT.DOSE.DOSE", log.dose_mg),
                ("IT.DOSE.VOMITED", _yes_no(log.vomited_after)),
                ("IT.DOSE.MISSEDREASON", log.missed_reason),
                ("IT.DOSE.SOURCE", log.source),
                ("IT.DOSE.SOURCEDETAIL", log.source_detail),
                ("IT.DOSE.LATE", _yes_no(log.is_late)),
                ("IT.DOSE.DEVIATION", _yes_no(log.is_deviation)),
                ("IT.DOSE.ENTEREDAT", when(log.entered_at)),
            ),
        )


def _subject_forms(records: SubjectRecords) -> Iterator[str]:
    tz = records.subject.participant.timezone

    def when(instant: datetime | None) -> str | None:
        return to_local(instant, tz).isoformat(timespec="seconds") if instant else None

    yield from _dose_forms(records, when)
    for r in records.readings:
        yield _form(
            "F.BP",
            r.id,
            "IG.BP",
            (
                ("IT.BP.MEASUREDAT", when(r.measured_at)),
                ("IT.BP.SITTING", r.sitting_id),
                ("IT.BP.SYSBP", r.systolic),
                ("IT.BP.DIABP", r.diastolic),
                ("IT.BP.PULSE", r.pulse),
                ("IT.BP.GRADE", r.grade),
            ),
        )
    for report in records.reports:
        known = load_questionnaire(report.questionnaire).items
        answers = [
            (symptom_item_oid(code), value)
            for code, value in (report.answers or {}).items()
            if code in known and isinstance(value, int) and not isinstance(value, bool)
        ]
        yield _form(
            "F.SYMPTOMS",
            report.id,
            "IG.SYMPTOMS",
            (
                ("IT.SYM.REPORTEDAT", when(report.reported_at)),
                ("IT.SYM.TEMPERATURE", report.temperature_c),
                *answers,
            ),
        )
    for alert in records.alerts:
        yield _form(
            "F.ALERT",
            alert.id,
            "IG.ALERT",
            (
                ("IT.ALERT.RULE", alert.rule_id),
                ("IT.ALERT.SEVERITY", alert.severity),
                ("IT.ALERT.STATUS", alert.status),
                ("IT.ALERT.TITLE", alert.title),
                ("IT.ALERT.OPENED", when(alert.opened_at)),
                ("IT.ALERT.ACKAT", when(alert.acknowledged_at)),
                ("IT.ALERT.ACKBY", alert.acknowledged_by_name),
                ("IT.ALERT.RESOLVEDAT", when(alert.resolved_at)),
                ("IT.ALERT.RESOLVEDBY", alert.resolved_by_name),
            ),
        )


@dataclass
class OdmDocument:
    """An authorised ODM export: sites and subjects known, clinical data not read yet."""

    sites: list[Site]
    subjects: list[Subject]
    filters: ExportFilters
    now: datetime

    def _head(self) -> str:
        protocol = get_protocol()
        oid = study_oid()
        mdv = f"MDV.{oid}"
        stamp = self.now.isoformat(timespec="seconds")
        file_oid = f"DD.{oid}.ODM.{self.now.strftime('%Y%m%dT%H%M%S')}"
        locations = "".join(
            f'<Location OID={attr(location_oid(site.code))} Name={attr(site.name)} LocationType="Site">'
            f"<MetaDataVersionRef StudyOID={attr(oid)} MetaDataVersionOID={attr(mdv)} "
            f"EffectiveDate={attr(self.now.date().isoformat())}/></Location>"
            for site in self.sites
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<ODM xmlns="{NAMESPACE}" ODMVersion="1.3.2" FileType="Snapshot" Granularity="All" '
            f"FileOID={attr(file_oid)} CreationDateTime={attr(stamp)} "
            f"Originator={attr(ORIGINATOR)} SourceSystem={attr(SOURCE_SYSTEM['name'])} "
            f"SourceSystemVersion={attr(SOURCE_SYSTEM['version'])}>\n"
            + metadata(protocol, oid, mdv)
            + (f"\n<AdminData StudyOID={attr(oid)}>{locations}</AdminData>" if locations else "")
            + f"\n<ClinicalData StudyOID={attr(oid)} MetaDataVersionOID={attr(mdv)}>\n"
        )

    def chunks(self, reader: Session, tally: Tally) -> Iterator[str]:
        """The document in pieces: head and metadata, then one piece per subject, then the end.

        Records are read with ``reader`` (a read-only session); ``tally.rows`` counts the forms
        (diary days, readings, reports, alerts) written.
        """
        yield self._head()
        for records in subject_records(reader, self.subjects, self.filters):
            subject = records.subject
            forms = list(_subject_forms(records))
            tally.rows += len(forms)
            event = (
                f'<StudyEventData StudyEventOID="SE.DIARY">{"".join(forms)}</StudyEventData>' if forms else ""
            )
            yield (
                f"<SubjectData SubjectKey={attr(subject.usubjid)}>"
                f"<SiteRef LocationOID={attr(location_oid(subject.site_code))}/>{event}</SubjectData>\n"
            )
        yield "</ClinicalData>\n</ODM>\n"
        tally.complete = True


def prepare(session: Session, actor: Actor, filters: ExportFilters, now: datetime) -> OdmDocument:
    """Check role, filters and scope; the document is written by :meth:`OdmDocument.chunks`."""
    authorise(session, actor, filters)
    return OdmDocument(
        sites_in_scope(session, actor, filters), subjects(session, actor, filters), filters, now
    )
