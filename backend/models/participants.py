"""Participants, their activation codes and their enrolled devices."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, new_id


class ParticipantStatus(StrEnum):
    """Where a participant is in the trial (stored as these strings)."""

    SCREENING = "screening"
    ON_TREATMENT = "on_treatment"
    OFF_TREATMENT = "off_treatment"
    WITHDRAWN = "withdrawn"


STATUSES = tuple(status.value for status in ParticipantStatus)
LANGUAGES = ("zh-CN", "en")


class Participant(Base):
    """A trial participant: pseudonymous study id, site, time zone, language and reminder times."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("site_id", "study_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    study_id: Mapped[str] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    reminder_time: Mapped[time] = mapped_column(Time())
    bp_reminder_time: Mapped[time] = mapped_column(Time())
    status: Mapped[str] = mapped_column(String(20))
    protocol_ref: Mapped[str] = mapped_column(String(64))
    c1d1: Mapped[date] = mapped_column(Date())
    initial_dose_mg: Mapped[float] = mapped_column(Float)
    discontinued_on: Mapped[date | None] = mapped_column(Date())
    discontinuation_reason: Mapped[str | None] = mapped_column(Text)
    # Baseline BP (mmHg) for CTCAE v6.0's baseline-rise criterion; both or neither (services).
    baseline_sbp: Mapped[int | None] = mapped_column(Integer)
    baseline_dbp: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Renewed by database triggers whenever one of the participant's cycles, holds or dose
    # changes is written (migration 0002); keys the per-process plan cache (services.plans).
    plan_token: Mapped[str] = mapped_column(String(32), default=new_id, server_default="")
    # Travel (issue 20): "home" keeps the dose time on this zone's clock while away, "local"
    # moves it to the phone's zone from the next day. The phone's zone as last reported.
    timezone_policy: Mapped[str] = mapped_column(String(8), default="home", server_default="home")
    device_timezone: Mapped[str | None] = mapped_column(String(64))
    device_timezone_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The latest change of zone that took effect: its first diary day, the zone before it and
    # the instant it began (the 12-hour rule on that day needs the previous day's dose time).
    zone_change_date: Mapped[date | None] = mapped_column(Date())
    zone_change_from: Mapped[str | None] = mapped_column(String(64))
    zone_change_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ActivationCode(Base):
    """A single-use code the site gives a participant to enrol a phone.

    The code is ``LOOKUP-SECRET``: the lookup part is stored as is to find the row, the secret
    part only as an HMAC. Wrong secrets count against the row and lock it after five.
    """

    __tablename__ = "activation_codes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    lookup: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)


class Device(Base):
    """A participant's phone; its bearer token is stored as an HMAC and can be revoked."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(100))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
