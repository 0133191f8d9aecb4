"""Patient self-reports: home blood-pressure readings and symptom questionnaires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, JSONType, UTCDateTime, new_id


class BpReading(Base):
    """One home blood-pressure reading; readings of a sitting are graded together."""

    __tablename__ = "bp_readings"
    __table_args__ = (
        UniqueConstraint("participant_id", "client_id"),
        Index("ix_bp_readings_repeat_open", "repeat_requested", "repeat_closed_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(36))
    sitting_id: Mapped[str] = mapped_column(String(36), index=True)
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime())
    systolic: Mapped[int] = mapped_column(Integer)
    diastolic: Mapped[int] = mapped_column(Integer)
    pulse: Mapped[int | None] = mapped_column(Integer)
    grade: Mapped[int | None] = mapped_column(Integer)
    advice_shown: Mapped[dict | None] = mapped_column(JSONType)
    # The evidence of ``grade`` (table, mean, MAP, CTCAE v6.0 baseline rise); NULL before 0003.
    grading: Mapped[dict | None] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # +1 per site correction
    # A single high reading asked for a repeat: the scheduler nudges once, then alerts (CLINICAL.md).
    repeat_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    repeat_nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    repeat_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SymptomReport(Base):
    """One completed symptom questionnaire with the advice the patient was shown."""

    __tablename__ = "symptom_reports"
    __table_args__ = (UniqueConstraint("participant_id", "client_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(36))
    questionnaire: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answers: Mapped[dict] = mapped_column(JSONType)
    temperature_c: Mapped[float | None] = mapped_column(Float)
    advice_shown: Mapped[list | None] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # +1 per site correction
