"""Travel: each answer a participant gave to "keep home time or move to local time", with its effect."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, new_id


class TimezoneChange(Base):
    """One answer to the travel prompt: the phone's zone, the policy chosen and, for ``local``,
    the zone change it scheduled (first diary day in the new zone and the instant it begins).

    ``applied_at`` is set when the change took effect, ``cancelled_at`` when a later answer
    replaced it before then. Append-mostly history, visible to the site; every row is audited.
    """

    __tablename__ = "timezone_changes"
    __table_args__ = (Index("ix_timezone_changes_pending", "applied_at", "switch_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    device_timezone: Mapped[str] = mapped_column(String(64))
    policy: Mapped[str] = mapped_column(String(8))
    from_timezone: Mapped[str] = mapped_column(String(64))
    to_timezone: Mapped[str | None] = mapped_column(String(64))
    effective_date: Mapped[date | None] = mapped_column(Date())
    switch_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
