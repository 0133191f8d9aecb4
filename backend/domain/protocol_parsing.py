"""Validate a parsed protocol TOML document into a :class:`~backend.domain.protocol.Protocol`.

Every key is validated; a bad or missing key raises :class:`ProtocolError` naming the key. Each
section has its own parser, called in the file's order, so the first error reported is the same
whatever the section.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import time
from typing import Any

from backend.domain.accountability import AccountabilityRules
from backend.domain.protocol_sections import (
    BP_POLICIES,
    GRADING_TABLES,
    MIN_REPEAT_NUDGE_MINUTES,
    AlertRules,
    BpRules,
    EntryRules,
    Protocol,
    ProtocolError,
    ReminderRules,
    SdtmCoding,
    SymptomRules,
    Treatment,
)

KNOWN_SECTIONS = {
    "protocol", "treatment", "entry", "reminders", "adherence", "alerts", "bp", "symptoms", "sdtm",
    "accountability",
}  # fmt: skip


class _Section:
    """Typed, key-naming access to one table of the TOML document."""

    def __init__(self, raw: Mapping[str, Any], name: str) -> None:
        value = raw.get(name)
        if not isinstance(value, Mapping):
            raise ProtocolError(f"[{name}]: section is missing")
        self.name = name
        self.values = value
        self.used: set[str] = set()

    def _get(self, key: str) -> Any:
        self.used.add(key)
        if key not in self.values:
            raise ProtocolError(f"{self.name}.{key}: required key is missing")
        return self.values[key]

    def int(self, key: str, lo: int, hi: int, default: int | None = None) -> int:
        if default is not None and key not in self.values:
            self.used.add(key)
            return default
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ProtocolError(f"{self.name}.{key}: expected an integer from {lo} to {hi}, got {value!r}")
        return value

    def number(self, key: str, lo: float, hi: float) -> float:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            raise ProtocolError(f"{self.name}.{key}: expected a number from {lo} to {hi}, got {value!r}")
        return float(value)

    def str(self, key: str, choices: tuple[str, ...] | None = None) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value.strip():
            raise ProtocolError(f"{self.name}.{key}: expected a non-empty string, got {value!r}")
        if choices is not None and value not in choices:
            raise ProtocolError(f"{self.name}.{key}: expected one of {', '.join(choices)}, got {value!r}")
        return value

    def time(self, key: builtins.str) -> time:
        value = self.str(key)
        try:
            return time.fromisoformat(value)
        except ValueError:
            raise ProtocolError(f"{self.name}.{key}: expected a local time HH:MM, got {value!r}") from None

    def number_list(self, key: builtins.str, lo: float, hi: float) -> tuple[float, ...]:
        value = self._get(key)
        if not isinstance(value, list) or not value:
            raise ProtocolError(f"{self.name}.{key}: expected a non-empty list of numbers")
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int | float) or not lo <= item <= hi:
                raise ProtocolError(f"{self.name}.{key}: {item!r} is not a number from {lo} to {hi}")
        return tuple(float(item) for item in value)

    def finish(self) -> None:
        """Reject keys nobody reads: a typo must not silently fall back to a default."""
        unknown = sorted(set(self.values) - self.used)
        if unknown:
            raise ProtocolError(f"{self.name}.{unknown[0]}: unknown key")


def parse_protocol(raw: Mapping[str, Any]) -> Protocol:
    """Validate a parsed TOML document and build a :class:`Protocol`."""
    for name in raw:
        if name not in KNOWN_SECTIONS:
            raise ProtocolError(f"[{name}]: unknown section")
    key, version, title, drug = _parse_head(raw)
    treatment = _parse_treatment(raw)
    entry = _parse_entry(raw)
    reminders = _parse_reminders(raw)
    threshold = _parse_adherence(raw)
    alerts = _parse_alerts(raw)
    bp = _parse_bp(raw)
    symptoms = _parse_symptoms(raw)
    return Protocol(
        sdtm=_sdtm_coding(raw, drug),
        accountability=_accountability(raw, treatment),
        key=key,
        version=version,
        title=title,
        drug=drug,
        treatment=treatment,
        entry=entry,
        reminders=reminders,
        adherence_threshold_percent=threshold,
        alerts=alerts,
        bp=bp,
        symptoms=symptoms,
    )


def _parse_head(raw: Mapping[str, Any]) -> tuple[str, int, str, str]:
    """The ``[protocol]`` section: key, version, title and drug."""
    head = _Section(raw, "protocol")
    key, version = head.str("key"), head.int("version", 1, 10_000)
    title, drug = head.str("title"), head.str("drug")
    head.finish()
    return key, version, title, drug


def _parse_treatment(raw: Mapping[str, Any]) -> Treatment:
    """The ``[treatment]`` section: the cycle, its dosing days and the doses."""
    tr = _Section(raw, "treatment")
    cycle_length = tr.int("cycle_length_days", 1, 366)
    dosing = tr._get("dosing_days")
    if (
        not isinstance(dosing, list)
        or len(dosing) != 2
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in dosing)
        or not 1 <= dosing[0] <= dosing[1] <= cycle_length
    ):
        raise ProtocolError(
            f"treatment.dosing_days: expected [first, last] with 1 <= first <= last <= {cycle_length}, "
            f"got {dosing!r}"
        )
    default_dose = tr.number("default_dose_mg", 0.001, 100_000)
    allowed = tr.number_list("allowed_dose_mg", 0.001, 100_000)
    if default_dose not in allowed:
        raise ProtocolError("treatment.default_dose_mg: must be one of treatment.allowed_dose_mg")
    treatment = Treatment(
        cycle_length_days=cycle_length,
        first_dosing_day=dosing[0],
        last_dosing_day=dosing[1],
        default_dose_mg=default_dose,
        allowed_dose_mg=allowed,
        doses_per_day=tr.int("doses_per_day", 1, 1),
        make_up_cutoff_hours=tr.int("make_up_cutoff_hours", 0, 24),
        early_start_window_days=tr.int("early_start_window_days", 0, cycle_length),
        date_window_past_days=tr.int("date_window_past_days", 1, 3650, default=730),
        date_window_future_days=tr.int("date_window_future_days", 1, 3650, default=90),
    )
    tr.finish()
    return treatment


def _parse_entry(raw: Mapping[str, Any]) -> EntryRules:
    """The ``[entry]`` section: how late a patient may still enter a day."""
    en = _Section(raw, "entry")
    entry = EntryRules(en.time("patient_window_local_time"), en.int("patient_max_age_hours", 24, 24 * 30))
    en.finish()
    return entry


def _parse_reminders(raw: Mapping[str, Any]) -> ReminderRules:
    """The ``[reminders]`` section: follow-up delay, BP policy and default times."""
    rem = _Section(raw, "reminders")
    reminders = ReminderRules(
        dose_followup_hours=rem.int("dose_followup_hours", 1, 23),
        bp_policy=rem.str("bp_policy", BP_POLICIES),
        default_dose_time=rem.time("default_dose_time"),
        default_bp_time=rem.time("default_bp_time"),
    )
    rem.finish()
    return reminders


def _parse_adherence(raw: Mapping[str, Any]) -> float:
    """The ``[adherence]`` section: the threshold percentage."""
    ad = _Section(raw, "adherence")
    threshold = ad.number("threshold_percent", 0, 100)
    ad.finish()
    return threshold


def _parse_alerts(raw: Mapping[str, Any]) -> AlertRules:
    """The ``[alerts]`` section: the scheduler's alert thresholds."""
    al = _Section(raw, "alerts")
    alerts = AlertRules(
        cycle_unconfirmed_after_days=al.int("cycle_unconfirmed_after_days", 0, 60),
        missed_dose_info_after=al.int("missed_dose_info_after", 1, 60),
        missed_dose_review_after=al.int("missed_dose_review_after", 1, 60),
        urgent_escalation_minutes=al.int("urgent_escalation_minutes", 1, 24 * 60),
    )
    al.finish()
    return alerts


def _parse_bp(raw: Mapping[str, Any]) -> BpRules:
    """The ``[bp]`` section: grading table, thresholds and the timing of a repeat reading."""
    b = _Section(raw, "bp")
    bp = BpRules(
        grading_table=b.str("grading_table", GRADING_TABLES),
        repeat_prompt_systolic=b.int("repeat_prompt_systolic", 50, 300),
        repeat_prompt_diastolic=b.int("repeat_prompt_diastolic", 20, 200),
        review_systolic=b.int("review_systolic", 50, 300),
        review_diastolic=b.int("review_diastolic", 20, 200),
        urgent_systolic=b.int("urgent_systolic", 50, 300),
        urgent_diastolic=b.int("urgent_diastolic", 20, 200),
        persistent_grade2_sittings=b.int("persistent_grade2_sittings", 1, 100),
        persistent_grade2_days=b.int("persistent_grade2_days", 1, 90),
        persistent_grade2_local_days=b.int("persistent_grade2_local_days", 1, 90),
        persistent_grade2_span_hours=b.int("persistent_grade2_span_hours", 0, 24 * 90),
        sitting_minutes=b.int("sitting_minutes", 1, 240),
        # at least the 5 minutes' rest before measuring again; at most a day (the follow-up job
        # looks back 2 days)
        repeat_nudge_minutes=b.int(
            "repeat_nudge_minutes", MIN_REPEAT_NUDGE_MINUTES, 24 * 60, default=BpRules.repeat_nudge_minutes
        ),
        unconfirmed_alert_minutes=b.int(
            "unconfirmed_alert_minutes",
            MIN_REPEAT_NUDGE_MINUTES,
            24 * 60,
            default=BpRules.unconfirmed_alert_minutes,
        ),
    )
    if bp.unconfirmed_alert_minutes <= bp.repeat_nudge_minutes:
        raise ProtocolError(
            f"bp.unconfirmed_alert_minutes: the review alert ({bp.unconfirmed_alert_minutes}) must come "
            f"after the push asking to measure again (repeat_nudge_minutes = {bp.repeat_nudge_minutes})"
        )
    b.finish()
    return bp


def _parse_symptoms(raw: Mapping[str, Any]) -> SymptomRules:
    """The ``[symptoms]`` section: questionnaire and symptom alert thresholds."""
    s = _Section(raw, "symptoms")
    symptoms = SymptomRules(
        questionnaire=s.str("questionnaire"),
        fever_urgent_c=s.number("fever_urgent_c", 36.0, 42.0),
        review_score=s.int("review_score", 1, 4),
        worsening_points=s.int("worsening_points", 1, 4),
    )
    s.finish()
    return symptoms


def _sdtm_coding(raw: Mapping[str, Any], drug: str) -> SdtmCoding:
    """The optional ``[sdtm]`` section: ECTRT, ECDOSFRM and ECROUTE as the sponsor codes them."""
    if "sdtm" not in raw:
        return SdtmCoding(treatment=drug.upper())
    section = _Section(raw, "sdtm")
    coding = SdtmCoding(
        treatment=section.str("treatment"),
        dose_form=section.str("dose_form"),
        route=section.str("route"),
    )
    section.finish()
    return coding


def _accountability(raw: Mapping[str, Any], treatment: Treatment) -> AccountabilityRules:
    """The optional ``[accountability]`` section (pill counts).

    Without it the only dispensable strength is the default dose and the threshold is the
    issue's default: more than 2 tablets or 10 %.
    """
    if "accountability" not in raw:
        return AccountabilityRules(strengths_mg=(treatment.default_dose_mg,))
    section = _Section(raw, "accountability")
    rules = AccountabilityRules(
        strengths_mg=section.number_list("strengths_mg", 0.001, 100_000),
        discrepancy_tablets=section.int("discrepancy_tablets", 0, 1000),
        discrepancy_percent=section.number("discrepancy_percent", 0, 100),
    )
    section.finish()
    return rules
