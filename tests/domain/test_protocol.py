"""The protocol loader: shipped and second protocols load, broken files name the bad key."""

from __future__ import annotations

import re
import tomllib
from datetime import time, timedelta
from pathlib import Path

import pytest

from backend.domain.protocol import (
    PROTOCOL_DIR,
    ProtocolError,
    available_protocols,
    get_protocol,
    load_protocol_file,
    parse_protocol,
)

TEST_PROTOCOLS = Path(__file__).parent / "protocols"
SHIPPED = PROTOCOL_DIR / "skb264-anlo.v1.toml"


def test_shipped_protocol_is_the_default_and_matches_clinical_md() -> None:
    protocol = get_protocol()
    assert protocol.ref == "SKB264-ANLO@1"
    assert get_protocol("SKB264-ANLO@1") is protocol
    tr = protocol.treatment
    assert (tr.cycle_length_days, tr.first_dosing_day, tr.last_dosing_day) == (21, 1, 14)
    assert tr.default_dose_mg == 8.0 and tr.allowed_dose_mg == (8.0,)
    assert tr.make_up_cutoff_hours == 12 and tr.dosing_days_per_cycle == 14
    assert protocol.entry.patient_window_local_time == time(12, 0)
    assert protocol.entry.patient_max_age_hours == 72
    assert protocol.adherence_threshold_percent == 80.0


def test_other_trial_loads_from_its_own_directory() -> None:
    protocol = get_protocol("OTHER-TRIAL@1", directory=TEST_PROTOCOLS)
    tr = protocol.treatment
    assert (tr.cycle_length_days, tr.first_dosing_day, tr.last_dosing_day) == (28, 1, 21)
    assert tr.allowed_dose_mg == (400.0, 300.0)
    assert protocol.entry.patient_window_local_time == time(9, 30)
    assert [p.ref for p in available_protocols(TEST_PROTOCOLS)] == ["OTHER-TRIAL@1"]


@pytest.mark.parametrize(
    ("ref", "directory", "message"),
    [
        ("OTHER-TRIAL@1", PROTOCOL_DIR, "unknown protocol OTHER-TRIAL@1"),
        ("SKB264-ANLO@2", PROTOCOL_DIR, "unknown protocol SKB264-ANLO@2"),
        ("SKB264-ANLO", PROTOCOL_DIR, "expected KEY@VERSION"),
    ],
)
def test_unknown_protocol_reference_is_refused(ref: str, directory: Path, message: str) -> None:
    with pytest.raises(ProtocolError, match=re.escape(message)):
        get_protocol(ref, directory=directory)


def _edit(text: str, section: str, key: str, value: str | None) -> str:
    """Replace (value) or delete (None) ``key`` in ``[section]``, or append it when absent."""
    lines = text.splitlines()
    start = lines.index(f"[{section}]")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    for i in range(start + 1, end):
        if lines[i].split("=")[0].strip() == key:
            if value is None:
                del lines[i]
            else:
                lines[i] = f"{key} = {value}"
            return "\n".join(lines) + "\n"
    assert value is not None, f"{section}.{key} not in the file"
    lines.insert(start + 1, f"{key} = {value}")
    return "\n".join(lines) + "\n"


BROKEN = [
    # (section, key, new value or None to delete, expected key in the message)
    ("treatment", "cycle_length_days", "0", "treatment.cycle_length_days"),
    ("treatment", "cycle_length_days", '"21"', "treatment.cycle_length_days"),
    ("treatment", "dosing_days", "[1, 30]", "treatment.dosing_days"),
    ("treatment", "dosing_days", "[14, 1]", "treatment.dosing_days"),
    ("treatment", "default_dose_mg", "6", "treatment.default_dose_mg"),
    ("treatment", "allowed_dose_mg", "[]", "treatment.allowed_dose_mg"),
    ("treatment", "make_up_cutoff_hours", "true", "treatment.make_up_cutoff_hours"),
    ("treatment", "make_up_cutoff_hours", None, "treatment.make_up_cutoff_hours"),
    ("entry", "patient_window_local_time", '"25:00"', "entry.patient_window_local_time"),
    ("entry", "patient_max_age_hours", None, "entry.patient_max_age_hours"),
    ("entry", "patient_window_hours", "12", "entry.patient_window_hours"),
    ("reminders", "bp_policy", '"weekly"', "reminders.bp_policy"),
    ("adherence", "threshold_percent", "120", "adherence.threshold_percent"),
    ("adherence", "treshold_percent", "80", "adherence.treshold_percent"),
    ("protocol", "key", None, "protocol.key"),
    ("bp", "repeat_nudge_minutes", "4", "bp.repeat_nudge_minutes"),  # less than the 5 minutes' rest
    ("bp", "repeat_nudge_minutes", '"30"', "bp.repeat_nudge_minutes"),
    ("bp", "unconfirmed_alert_minutes", "2000", "bp.unconfirmed_alert_minutes"),
    ("bp", "unconfirmed_alert_minutes", "30", "bp.unconfirmed_alert_minutes"),  # not after the push
]


@pytest.mark.parametrize(("section", "key", "value", "named"), BROKEN)
def test_broken_protocol_file_names_the_key(
    tmp_path: Path, section: str, key: str, value: str | None, named: str
) -> None:
    path = tmp_path / "broken.v1.toml"
    path.write_text(_edit(SHIPPED.read_text(encoding="utf-8"), section, key, value), encoding="utf-8")
    with pytest.raises(ProtocolError, match=re.escape(f"broken.v1.toml: {named}")):
        load_protocol_file(path)
    with pytest.raises(ProtocolError, match=re.escape(named)):
        get_protocol("SKB264-ANLO@1", directory=tmp_path)


def test_unconfirmed_high_delays_are_protocol_settings_with_the_clinical_defaults() -> None:
    shipped = get_protocol().bp
    assert (shipped.repeat_nudge_minutes, shipped.unconfirmed_alert_minutes) == (30, 120)
    assert (shipped.repeat_nudge_after, shipped.unconfirmed_alert_after) == (
        timedelta(minutes=30),
        timedelta(hours=2),
    )
    other = get_protocol("OTHER-TRIAL@1", directory=TEST_PROTOCOLS).bp  # says nothing: the defaults
    assert (other.repeat_nudge_minutes, other.unconfirmed_alert_minutes) == (30, 120)
    raw = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    raw["bp"] = {**raw["bp"], "repeat_nudge_minutes": 10, "unconfirmed_alert_minutes": 45}
    changed = parse_protocol(raw).bp
    assert (changed.repeat_nudge_after, changed.unconfirmed_alert_after) == (
        timedelta(minutes=10),
        timedelta(minutes=45),
    )


def test_unknown_and_missing_sections_are_named() -> None:
    raw = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    with pytest.raises(ProtocolError, match=re.escape("[colour]: unknown section")):
        parse_protocol({**raw, "colour": {"x": 1}})
    without_entry = {name: table for name, table in raw.items() if name != "entry"}
    with pytest.raises(ProtocolError, match=re.escape("[entry]: section is missing")):
        parse_protocol(without_entry)


def test_invalid_toml_is_a_protocol_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.v1.toml"
    path.write_text("[protocol\nkey = 1\n", encoding="utf-8")
    with pytest.raises(ProtocolError, match="bad.v1.toml: not valid TOML"):
        load_protocol_file(path)


def test_a_site_may_add_a_lower_dose_level_without_code() -> None:
    raw = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    raw["treatment"]["allowed_dose_mg"] = [8, 6]
    assert parse_protocol(raw).treatment.allowed_dose_mg == (8.0, 6.0)
