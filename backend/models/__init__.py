"""SQLAlchemy models for every noun of PRODUCT.md; constraints live here, rules do not."""

from backend.models.accountability import Dispensing
from backend.models.alerts import Alert, TeamWait
from backend.models.audit import AuditEvent
from backend.models.delivery import DeliveryAttempt, Notification, PushSubscription, Reminder
from backend.models.ops import SchedulerHeartbeat
from backend.models.participants import ActivationCode, Device, Participant
from backend.models.reports import BpReading, SymptomReport
from backend.models.signing import DataQuery, Signature
from backend.models.sites import Site, StaffToken, StaffUser
from backend.models.travel import TimezoneChange
from backend.models.treatment import Cycle, DoseChange, DoseLog, Hold

__all__ = [
    "ActivationCode",
    "Alert",
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
    "Participant",
    "PushSubscription",
    "Reminder",
    "SchedulerHeartbeat",
    "Signature",
    "Site",
    "StaffToken",
    "StaffUser",
    "SymptomReport",
    "TeamWait",
    "TimezoneChange",
]
