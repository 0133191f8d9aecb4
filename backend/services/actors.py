"""Who is acting: a staff user, a participant's device, or the system (scheduler, CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Actor:
    """The caller of a service, with just what scoping and the audit trail need."""

    kind: str  # "staff", "device" or "system"
    id: str
    label: str
    role: str | None = None  # staff role
    site_id: str | None = None  # staff site (None for monitor/admin)
    participant_id: str | None = None  # device owner
    # Until when the account may not sign (five wrong signing passwords), as its token was read:
    # every session of the account is told (X-Signing-Locked-Until on each API answer).
    signing_locked_until: datetime | None = None

    @property
    def is_staff(self) -> bool:
        """True for a staff user."""
        return self.kind == "staff"

    @property
    def sees_all_sites(self) -> bool:
        """Monitors, admins and the system see every site; site roles only their own."""
        return self.kind == "system" or self.role in ("monitor", "admin")


SYSTEM = Actor(kind="system", id="system", label="system")
