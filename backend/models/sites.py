"""Sites, staff accounts and their bearer tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, JSONType, UTCDateTime, new_id

ROLES = ("admin", "coordinator", "investigator", "monitor")
SITE_ROLES = ("coordinator", "investigator")


class Site(Base):
    """A study site; its time zone is the default for its participants."""

    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    alert_emails: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Shown to patients as tap-to-call links in urgent advice (E.164, e.g. +8610...).
    phone_day: Mapped[str | None] = mapped_column(String(20))
    phone_night: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffUser(Base):
    """A staff account; coordinators and investigators belong to exactly one site."""

    __tablename__ = "staff_users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Electronic signatures: consecutive wrong signing passwords, and the lock they caused.
    signing_wrong_passwords: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    signing_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Password login: consecutive failed logins, and the lock they caused (services.login_lock).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    login_locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StaffToken(Base):
    """An opaque staff bearer token, stored only as its HMAC."""

    __tablename__ = "staff_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
