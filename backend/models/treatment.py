"""The treatment record: cycles, holds, dose changes and the daily dose log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, JSONType, UTCDateTime, new_id


class Cycle(Base):
    """A treatment cycle; it counts only once the site has confirmed its day 1."""

    __tablename__ = "cycles"
    __table_args__ = (UniqueConstraint("participant_id", "number"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    planned_start: Mapped[date] = mapped_column(Date())
    confirmed_start: Mapped[date | None] = mapped_column(Date())
    confirmed_by: Mapped[str | None] = mapped_column(String(32))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Confirmed for a past date: the last day that became a dosing day nobody announced in time.
    confirmed_late_through: Mapped[date | None] = mapped_column(Date())


class Hold(Base):
    """An investigator-ordered interruption; ``end_date`` is the last held day (open while null)."""

    __tablename__ = "holds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date())
    end_date: Mapped[date | None] = mapped_column(Date())
    reason: Mapped[str] = mapped_column(Text)
    ordered_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DoseChange(Base):
    """A new dose level from ``effective_date`` on."""

    __tablename__ = "dose_changes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    effective_date: Mapped[date] = mapped_column(Date())
    dose_mg: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    ordered_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DoseLog(Base):
    """One diary entry per participant and local date; every change bumps ``version``."""

    __tablename__ = "dose_logs"
    __table_args__ = (UniqueConstraint("participant_id", "local_date"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    local_date: Mapped[date] = mapped_column(Date())
    taken: Mapped[bool] = mapped_column(Boolean)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dose_mg: Mapped[float | None] = mapped_column(Float)
    vomited_after: Mapped[bool] = mapped_column(Boolean, default=False)
    missed_reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(80))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    device_timezone: Mapped[str | None] = mapped_column(String(64))  # the phone's zone at entry
    source: Mapped[str] = mapped_column(String(10))
    source_detail: Mapped[str | None] = mapped_column(Text)
    is_late: Mapped[bool] = mapped_column(Boolean, default=False)
    is_deviation: Mapped[bool] = mapped_column(Boolean, default=False)
    flags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
