"""SQLAlchemy models for every noun of PRODUCT.md; constraints live here, rules do not."""

from backend.models.accountability import Dispensing
from backend.models.alerts import Alert, AlertStatus, Severity, TeamWait
from backend.models.audit import AuditEvent
from backend.models.delivery import (
    DeliveryAttempt,
    Notification,
    NotificationStatus,
    PushSubscription,
    Reminder,
    ReminderStatus,
)
from backend.models.ops import SchedulerHeartbeat
from backend.models.participants import ActivationCode, Device, Participant, ParticipantStatus
from backend.models.reports import BpReading, SymptomReport
from backend.models.signing import DataQuery, Signature
from backend.models.sites import Site, StaffToken, StaffUser
from backend.models.travel import TimezoneChange
from backend.models.treatment import Cycle, DoseChange, DoseLog, Hold

__all__ = [
    "ActivationCode",
    "Alert",
    "AlertStatus",
    "AuditEvent",
    "BpReading",
    "Cycle",
    "DataQuery",
    "DeliveryAttempt",
    "Device",
    "Dispensing",
    "DoseChange",
    "DoseLog",
    "Hold",
    "Notification",
    "NotificationStatus",
    "Participant",
    "ParticipantStatus",
    "PushSubscription",
    "Reminder",
    "ReminderStatus",
    "SchedulerHeartbeat",
    "Severity",
    "Signature",
    "Site",
    "StaffToken",
    "StaffUser",
    "SymptomReport",
    "TeamWait",
    "TimezoneChange",
]
