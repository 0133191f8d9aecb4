"""The trial protocol as configuration: load, validate and look up versioned protocol files.

A protocol file is TOML (see ``backend/protocols/skb264-anlo.v1.toml``). Every key is
validated on load; a bad or missing key raises :class:`ProtocolError` naming the key, so a
site that edits the file learns at start-up what is wrong instead of at a patient's bedside.

This is the import path callers use. The sections are values in
:mod:`~backend.domain.protocol_sections`; the validation of the TOML, one parser per section,
is :mod:`~backend.domain.protocol_parsing`; this module loads the files and keeps the registry.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from backend.domain.protocol_parsing import parse_protocol
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

PROTOCOL_DIR = Path(__file__).resolve().parent.parent / "protocols"
DEFAULT_PROTOCOL = ("SKB264-ANLO", 1)

# What callers import from here; the sections and the parser are re-exported (mypy's
# no_implicit_reexport).
__all__ = [
    "PROTOCOL_DIR",
    "DEFAULT_PROTOCOL",
    "BP_POLICIES",
    "GRADING_TABLES",
    "MIN_REPEAT_NUDGE_MINUTES",
    "AlertRules",
    "BpRules",
    "EntryRules",
    "Protocol",
    "ProtocolError",
    "ReminderRules",
    "SdtmCoding",
    "SymptomRules",
    "Treatment",
    "parse_protocol",
    "load_protocol_file",
    "get_protocol",
    "available_protocols",
]


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
