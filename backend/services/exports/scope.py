"""Who may export what, and which participants and dates an export covers.

Exports are for site staff and monitors (``READ_ROLES``): a coordinator or investigator gets their
own site only (asking for another site's ``site_id`` is a 404, exactly like any other id outside
their scope), a monitor every site or the one asked for; a participant's device never (403 at the
API). Dates are the participants' local dates, inclusive, bounded to a plausible window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.protocol import Protocol, SdtmCoding
from backend.models import Participant, Site
from backend.services.actors import Actor
from backend.services.errors import Invalid
from backend.services.plans import protocol_of
from backend.services.scope import READ_ROLES, get_site, require_role

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
MAX_SPAN_DAYS = 366 * 20


@dataclass(frozen=True)
class ExportFilters:
    """The caller's filters: one site (or every site in scope) and an inclusive local-date range."""

    site_id: str | None = None
    start: date | None = None
    end: date | None = None

    def covers(self, d: date) -> bool:
        """True when local date ``d`` is inside the range (open ends are unbounded)."""
        return (self.start is None or d >= self.start) and (self.end is None or d <= self.end)

    def as_dict(self) -> dict[str, str | None]:
        """The filters as the audit trail records them."""
        return {
            "site_id": self.site_id,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }


def check_filters(filters: ExportFilters) -> None:
    """Refuse dates outside 2000-2100, a reversed range or one longer than 20 years (422)."""
    errors: dict[str, str] = {}
    for name, value in (("from", filters.start), ("to", filters.end)):
        if value is not None and not EARLIEST <= value <= LATEST:
            errors[name] = f"must be from {EARLIEST.isoformat()} to {LATEST.isoformat()}"
    if errors:
        raise Invalid(errors)
    if filters.start and filters.end:
        if filters.end < filters.start:
            raise Invalid({"to": f"{filters.end.isoformat()} is before from ({filters.start.isoformat()})"})
        if filters.end - filters.start > timedelta(days=MAX_SPAN_DAYS):
            raise Invalid({"to": f"at most {MAX_SPAN_DAYS} days can be exported at once"})


@dataclass(frozen=True)
class Subject:
    """One participant as the exports name them: the row, its site code and its protocol."""

    participant: Participant
    site_code: str
    protocol: Protocol

    @property
    def studyid(self) -> str:
        """STUDYID: the key of the protocol the participant is enrolled under."""
        return self.protocol.key

    @property
    def usubjid(self) -> str:
        """USUBJID: study, site code and the site's study id (unique within the submission)."""
        return f"{self.protocol.key}-{self.site_code}-{self.participant.study_id}"

    @property
    def coding(self) -> SdtmCoding:
        """How the drug is coded (protocol ``[sdtm]``, else the drug name in capitals)."""
        return self.protocol.sdtm or SdtmCoding(treatment=self.protocol.drug.upper())

    def study_day(self, d: date) -> int:
        """--DY: day 1 is cycle 1 day 1 (the reference start date); there is no day 0."""
        offset = (d - self.participant.c1d1).days
        return offset + 1 if offset >= 0 else offset


def authorise(session: Session, actor: Actor, filters: ExportFilters) -> None:
    """Role check, filter validation and the site filter's scope (NotFound outside it)."""
    require_role(actor, READ_ROLES)
    check_filters(filters)
    if filters.site_id is not None:
        get_site(session, actor, filters.site_id)


def subjects(session: Session, actor: Actor, filters: ExportFilters) -> list[Subject]:
    """The participants the export covers, ordered by site code and study id.

    One row per participant (a study has hundreds, not millions); their records are read later,
    in batches. Call :func:`authorise` first.
    """
    stmt = select(Participant, Site.code).join(Site, Site.id == Participant.site_id)
    if filters.site_id is not None:
        stmt = stmt.where(Participant.site_id == filters.site_id)
    elif not actor.sees_all_sites:
        stmt = stmt.where(Participant.site_id == actor.site_id)
    stmt = stmt.order_by(Site.code, Participant.study_id)
    return [Subject(p, code, protocol_of(p)) for p, code in session.execute(stmt)]


def sites_in_scope(session: Session, actor: Actor, filters: ExportFilters) -> list[Site]:
    """The sites an export covers (for ODM's AdminData), ordered by code."""
    stmt = select(Site).order_by(Site.code)
    if filters.site_id is not None:
        stmt = stmt.where(Site.id == filters.site_id)
    elif not actor.sees_all_sites:
        stmt = stmt.where(Site.id == actor.site_id)
    return list(session.scalars(stmt))
