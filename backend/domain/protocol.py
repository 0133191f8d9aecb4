"""The trial protocol as configuration: load, validate and look up versioned protocol files.

A protocol file is TOML (see ``backend/protocols/skb264-anlo.v1.toml``). Every key is
validated on load; a bad or missing key raises :class:`ProtocolError` naming the key, so a
site that edits the file learns at start-up what is wrong instead of at a patient's bedside.
"""

from __future__ import annotations

import builtins
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from backend.domain.accountability import AccountabilityRules

PROTOCOL_DIR = Path(__file__).resolve().parent.parent / "protocols"
DEFAULT_PROTOCOL = ("SKB264-ANLO", 1)

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
    known = {
        "protocol", "treatment", "entry", "reminders", "adherence", "alerts", "bp", "symptoms", "sdtm",
        "accountability",
    }  # fmt: skip
    for name in raw:
        if name not in known:
            raise ProtocolError(f"[{name}]: unknown section")

    head = _Section(raw, "protocol")
    key, version = head.str("key"), head.int("version", 1, 10_000)
    title, drug = head.str("title"), head.str("drug")
    head.finish()

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

    en = _Section(raw, "entry")
    entry = EntryRules(en.time("patient_window_local_time"), en.int("patient_max_age_hours", 24, 24 * 30))
    en.finish()

    rem = _Section(raw, "reminders")
    reminders = ReminderRules(
        dose_followup_hours=rem.int("dose_followup_hours", 1, 23),
        bp_policy=rem.str("bp_policy", BP_POLICIES),
        default_dose_time=rem.time("default_dose_time"),
        default_bp_time=rem.time("default_bp_time"),
    )
    rem.finish()

    ad = _Section(raw, "adherence")
    threshold = ad.number("threshold_percent", 0, 100)
    ad.finish()

    al = _Section(raw, "alerts")
    alerts = AlertRules(
        cycle_unconfirmed_after_days=al.int("cycle_unconfirmed_after_days", 0, 60),
        missed_dose_info_after=al.int("missed_dose_info_after", 1, 60),
        missed_dose_review_after=al.int("missed_dose_review_after", 1, 60),
        urgent_escalation_minutes=al.int("urgent_escalation_minutes", 1, 24 * 60),
    )
    al.finish()

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

    s = _Section(raw, "symptoms")
    symptoms = SymptomRules(
        questionnaire=s.str("questionnaire"),
        fever_urgent_c=s.number("fever_urgent_c", 36.0, 42.0),
        review_score=s.int("review_score", 1, 4),
        worsening_points=s.int("worsening_points", 1, 4),
    )
    s.finish()

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


def load_protocol_file(path: Path) -> Protocol:
    """Read and validate one protocol file; the error names the file and the bad key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{path.name}: not valid TOML: {exc}") from None
    try:
        return parse_protocol(raw)
    except ProtocolError as exc:
        raise ProtocolError(f"{path.name}: {exc}") from None


@cache
def _registry(directory: Path) -> dict[tuple[str, int], Protocol]:
    found: dict[tuple[str, int], Protocol] = {}
    for path in sorted(directory.glob("*.toml")):
        protocol = load_protocol_file(path)
        ident = (protocol.key, protocol.version)
        if ident in found:
            raise ProtocolError(f"{path.name}: duplicate protocol {protocol.ref}")
        found[ident] = protocol
    return found


def get_protocol(ref: str | None = None, directory: Path = PROTOCOL_DIR) -> Protocol:
    """Return the protocol for ``KEY@version`` (default: the built-in SKB264-ANLO v1)."""
    if ref is None:
        ident = DEFAULT_PROTOCOL
    else:
        key, _, version = ref.partition("@")
        if not version.isdigit():
            raise ProtocolError(f"protocol reference {ref!r}: expected KEY@VERSION")
        ident = (key, int(version))
    try:
        return _registry(directory)[ident]
    except KeyError:
        raise ProtocolError(f"unknown protocol {ident[0]}@{ident[1]}") from None


def available_protocols(directory: Path = PROTOCOL_DIR) -> list[Protocol]:
    """Every protocol version shipped in ``directory``."""
    return list(_registry(directory).values())
