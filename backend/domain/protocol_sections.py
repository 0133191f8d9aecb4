"""The trial protocol's sections as values: what a validated protocol file says.

Built by :mod:`backend.domain.protocol_parsing` from the TOML; callers import them from
:mod:`backend.domain.protocol`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

from backend.domain.accountability import AccountabilityRules

BP_POLICIES = ("cycle1_daily_then_dosing_days", "dosing_days", "daily", "none")
GRADING_TABLES = ("ctcae-5.0", "ctcae-6.0")


class ProtocolError(ValueError):
    """A protocol file is missing a key or has a value out of range; the message names the key."""


@dataclass(frozen=True)
class Treatment:
    """What is taken when: the cycle and its dosing days."""

    cycle_length_days: int
    first_dosing_day: int
    last_dosing_day: int
    default_dose_mg: float
    allowed_dose_mg: tuple[float, ...]
    doses_per_day: int
    make_up_cutoff_hours: int
    early_start_window_days: int
    # How far from the participant's local today a C1D1, hold or dose-change date may lie: a
    # typo such as 9999-12-31 is refused at entry instead of breaking every later calculation.
    date_window_past_days: int = 730
    date_window_future_days: int = 90

    def is_dosing_day(self, cycle_day: int) -> bool:
        """True when ``cycle_day`` (1-based) is one of the cycle's dosing days."""
        return self.first_dosing_day <= cycle_day <= self.last_dosing_day

    @property
    def dosing_days_per_cycle(self) -> int:
        """How many dosing days a full, uninterrupted cycle has."""
        return self.last_dosing_day - self.first_dosing_day + 1


@dataclass(frozen=True)
class EntryRules:
    """When a patient may still enter a day, and when only site staff may."""

    patient_window_local_time: time
    patient_max_age_hours: int


@dataclass(frozen=True)
class ReminderRules:
    """Reminder defaults; each participant has their own local reminder times."""

    dose_followup_hours: int
    bp_policy: str
    default_dose_time: time
    default_bp_time: time


@dataclass(frozen=True)
class AlertRules:
    """Scheduler-side alert thresholds (missed doses, unconfirmed cycles, escalation)."""

    cycle_unconfirmed_after_days: int
    missed_dose_info_after: int
    missed_dose_review_after: int
    urgent_escalation_minutes: int


MIN_REPEAT_NUDGE_MINUTES = 5  # CLINICAL.md: rest 5 minutes, then measure again


@dataclass(frozen=True)
class BpRules:
    """Blood-pressure grading table and alert thresholds (CLINICAL.md, "Blood pressure")."""

    grading_table: str
    repeat_prompt_systolic: int
    repeat_prompt_diastolic: int
    review_systolic: int
    review_diastolic: int
    urgent_systolic: int
    urgent_diastolic: int
    persistent_grade2_sittings: int
    persistent_grade2_days: int
    persistent_grade2_local_days: int
    persistent_grade2_span_hours: int
    sitting_minutes: int
    # A single high reading whose repeat never comes (CLINICAL.md): one "measure again" push
    # after this many minutes without a later reading, a review alert after this many.
    repeat_nudge_minutes: int = 30
    unconfirmed_alert_minutes: int = 120

    @property
    def repeat_nudge_after(self) -> timedelta:
        return timedelta(minutes=self.repeat_nudge_minutes)

    @property
    def unconfirmed_alert_after(self) -> timedelta:
        return timedelta(minutes=self.unconfirmed_alert_minutes)


@dataclass(frozen=True)
class SymptomRules:
    """Which questionnaire the patient answers and the symptom alert thresholds."""

    questionnaire: str
    fever_urgent_c: float
    review_score: int
    worsening_points: int


@dataclass(frozen=True)
class SdtmCoding:
    """How the oral drug is described in exported trial datasets (SDTM EC, FHIR, ODM).

    Optional section ``[sdtm]``: without it the treatment name is the drug name in capitals and
    the dose form and route are left empty rather than guessed.
    """

    treatment: str
    dose_form: str | None = None
    route: str | None = None


@dataclass(frozen=True)
class Protocol:
    """One version of one trial protocol, fully validated."""

    key: str
    version: int
    title: str
    drug: str
    treatment: Treatment
    entry: EntryRules
    reminders: ReminderRules
    adherence_threshold_percent: float
    alerts: AlertRules
    bp: BpRules
    symptoms: SymptomRules
    sdtm: SdtmCoding | None = None
    accountability: AccountabilityRules | None = None

    @property
    def ref(self) -> str:
        """The ``KEY@version`` string stored on each participant."""
        return f"{self.key}@{self.version}"
