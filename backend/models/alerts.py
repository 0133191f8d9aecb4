"""Alerts for the site's queue: one per participant, rule and open episode."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, JSONType, UTCDateTime, new_id


class AlertStatus(StrEnum):
    """Where an alert is in the site's queue (stored as these strings)."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Severity(StrEnum):
    """How soon the site must act on an alert (stored as these strings)."""

    URGENT = "urgent"
    REVIEW = "review"
    INFO = "info"


SEVERITIES = tuple(severity.value for severity in Severity)
STATUSES = tuple(status.value for status in AlertStatus)
DECISIONS = ("continue", "hold")


class Alert(Base):
    """A finding that needs the site's attention, with its evidence and its delivery log."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_site_status", "site_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    kind: Mapped[str] = mapped_column(String(20))
    rule_id: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(15))
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list] = mapped_column(JSONType, default=list)
    advice_shown: Mapped[list] = mapped_column(JSONType, default=list)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(32))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledge_note: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_note: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The site's decision on an alert that put the participant in wait-for-team (CLINICAL.md).
    decision: Mapped[str | None] = mapped_column(String(20))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TeamWait(Base):
    """A wait-for-team state: after a confirmed >=160/100 sitting, no anlotinib until the site decides.

    ``first_day``..``last_day`` (local dates, inclusive) are the days it covers in the calendar;
    ``last_day`` and ``ended_at`` stay null while it is open. One open state per participant.
    """

    __tablename__ = "team_waits"
    __table_args__ = (
        Index("ix_team_waits_participant", "participant_id", "first_day"),
        Index(
            "uq_team_waits_open",
            "participant_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"))
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_day: Mapped[date] = mapped_column(Date())
    last_day: Mapped[date | None] = mapped_column(Date())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(32))
    decision: Mapped[str | None] = mapped_column(String(20))
