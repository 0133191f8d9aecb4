"""What a push may carry: a fixed, health-data free payload shape, checked before anything leaves.

The payload is six flat strings (kind, id, title, body, url, due_at) that must fit one aes128gcm
record of a push service's 4096 bytes; the Topic header collapses repeats of one message.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta

MAX_CIPHERTEXT_BYTES = 4096
# aes128gcm, one record: 86-byte header (salt 16, rs 4, idlen 1, key 65) + 1 delimiter + 16 tag.
MAX_PLAINTEXT_BYTES = MAX_CIPHERTEXT_BYTES - 86 - 1 - 16
PAYLOAD_KEYS = frozenset({"kind", "id", "title", "body", "url", "due_at"})
PAYLOAD_KINDS = frozenset({"dose_reminder", "dose_followup", "bp_reminder", "alert", "escalation"})
_TOPIC_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def encode_payload(payload: object) -> bytes:
    """Validate the payload shape and return its compact UTF-8 JSON; ValueError if not allowed.

    Exactly the keys kind, id, title, body, url, due_at; flat string values (id may be an int);
    a known kind; due_at an ISO 8601 UTC instant; at most MAX_PLAINTEXT_BYTES once encoded.
    """
    if not isinstance(payload, dict):
        raise ValueError("push payload must be a dict")
    keys = set(payload)
    if keys != PAYLOAD_KEYS:
        raise ValueError(
            f"push payload keys must be exactly {sorted(PAYLOAD_KEYS)}; "
            f"unexpected {sorted(map(str, keys - PAYLOAD_KEYS))}, missing {sorted(PAYLOAD_KEYS - keys)}"
        )
    for key, value in payload.items():
        allowed = (str, int) if key == "id" else (str,)
        if isinstance(value, bool) or not isinstance(value, allowed):
            raise ValueError(f"push payload field {key!r} must be a plain string")
    if payload["kind"] not in PAYLOAD_KINDS:
        raise ValueError(f"push payload kind must be one of {sorted(PAYLOAD_KINDS)}")
    try:
        due_at = datetime.fromisoformat(payload["due_at"])
    except ValueError as exc:
        raise ValueError("push payload due_at must be an ISO 8601 instant") from exc
    if due_at.utcoffset() != timedelta(0):
        raise ValueError("push payload due_at must be in UTC")
    encoded = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if len(encoded) > MAX_PLAINTEXT_BYTES:
        raise ValueError(
            f"push payload is {len(encoded)} bytes; at most {MAX_PLAINTEXT_BYTES} fit in "
            f"{MAX_CIPHERTEXT_BYTES} bytes of ciphertext"
        )
    return encoded


def topic_header(key: str) -> str:
    """Return an RFC 8030 Topic (<= 32 chars of the base64url alphabet) for a collapse key.

    A key that already qualifies is kept; anything else is replaced by a stable hash of it.
    """
    if _TOPIC_RE.match(key):
        return key
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
