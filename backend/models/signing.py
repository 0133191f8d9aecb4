"""Investigators' electronic signatures of cycles, and data queries between monitor and site."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, JSONType, UTCDateTime, new_id
from backend.domain.signing import SignatureStatus


class Signature(Base):
    """One investigator's signature of one participant's cycle (21 CFR Part 11 §11.50, §11.70).

    The signer's name is copied at signing (a later rename does not rewrite what was signed);
    ``content_hash`` is SHA-256 over the canonical signed document, which names the participant
    and the cycle, and ``content`` keeps that document so a verifier can see what was signed.
    A later change to a covered record sets ``status`` to ``invalidated`` with the audit event
    that did it. At most one valid signature per signer, cycle and meaning.
    """

    __tablename__ = "signatures"
    __table_args__ = (
        Index("ix_signatures_participant_cycle", "participant_id", "cycle_number"),
        Index(
            "uq_signatures_valid",
            "participant_id",
            "cycle_number",
            "signer_id",
            "meaning",
            unique=True,
            sqlite_where=text("status = 'valid'"),
            postgresql_where=text("status = 'valid'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    cycle_number: Mapped[int] = mapped_column(Integer)
    first_date: Mapped[date] = mapped_column(Date())
    last_date: Mapped[date] = mapped_column(Date())
    signer_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_email: Mapped[str] = mapped_column(String(254))
    meaning: Mapped[str] = mapped_column(String(20))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict] = mapped_column(JSONType)
    batch_id: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default=SignatureStatus.VALID)
    invalidated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invalidated_by_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))


class DataQuery(Base):
    """A question about one record, raised by a monitor or the site, answered by the site.

    The target is ``target_kind`` plus ``target_id`` (a reading's or report's id, the dose log's
    id when the day has an entry), ``target_date`` (a dose day) and ``target_field`` (optional,
    required for a participant field). ``correction_event_id`` links the audit event of the
    correction the answer made, if any. Every step is in the audit trail (entity ``data_query``).
    """

    __tablename__ = "data_queries"
    __table_args__ = (
        Index("ix_data_queries_site_status", "site_id", "status"),
        Index("ix_data_queries_participant", "participant_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"))
    target_kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str | None] = mapped_column(String(32))
    target_date: Mapped[date | None] = mapped_column(Date())
    target_field: Mapped[str | None] = mapped_column(String(40))
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    raised_by: Mapped[str] = mapped_column(ForeignKey("staff_users.id"))
    raised_by_role: Mapped[str] = mapped_column(String(20))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    correction_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    closed_by: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
