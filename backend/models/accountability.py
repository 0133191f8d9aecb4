"""Drug accountability: what the site dispensed at a visit and what came back at the next."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UTCDateTime, new_id


class Dispensing(Base):
    """One supply handed to the participant, and its pill count once it is returned.

    ``returned_on``/``tablets_returned`` stay null until the next visit's count; every change
    bumps ``version`` and is audited with a reason.
    """

    __tablename__ = "dispensings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    dispensed_on: Mapped[date] = mapped_column(Date())
    strength_mg: Mapped[float] = mapped_column(Float)
    tablets_dispensed: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(64))
    returned_on: Mapped[date | None] = mapped_column(Date())
    tablets_returned: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
