"""VAPID key pairs (RFC 8292) for Web Push: generation, loading and safe persistence.

The server identifies itself to push services with one P-256 key pair. Its public half is the
browser's `applicationServerKey`, so changing the key silently orphans every subscription: keys
are therefore created once (atomically, mode 0600) and reused, never hard-coded.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

log = logging.getLogger(__name__)

PRIVATE_KEY_FILENAME = "vapid_private.pem"


@dataclass(frozen=True)
class VapidKeys:
    """A VAPID key pair: PKCS#8 PEM private key and the browser-facing public key."""

    private_pem: str
    public_key_b64url: str  # uncompressed P-256 point (65 bytes), base64url without padding

    def __repr__(self) -> str:
        """Show only the public half so the private key never lands in logs or tracebacks."""
        return f"VapidKeys(public_key_b64url={self.public_key_b64url!r})"


def b64url_encode(raw: bytes) -> str:
    """Encode bytes as base64url without padding (the Web Push convention)."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url (or standard base64) with or without padding; ValueError if malformed."""
    cleaned = "".join(text.split()).replace("+", "-").replace("/", "_").rstrip("=")
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not valid base64url") from exc


def _keys_from_private_key(private_key: ec.EllipticCurvePrivateKey) -> VapidKeys:
    """Build VapidKeys from a cryptography P-256 private key object."""
    if not isinstance(private_key.curve, ec.SECP256R1):
        raise ValueError("VAPID keys must be on the P-256 curve")
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return VapidKeys(private_pem=pem, public_key_b64url=b64url_encode(point))


def generate_keys() -> VapidKeys:
    """Generate a fresh P-256 VAPID key pair."""
    return _keys_from_private_key(ec.generate_private_key(ec.SECP256R1()))


def keys_from_private(value: str) -> VapidKeys:
    """Parse a private key given as PEM, as a base64url raw 32-byte scalar, or as base64url DER.

    Escaped newlines (``\\n``, as .env files often carry them) are accepted in PEM values. The
    error message never echoes the key material.
    """
    text = value.strip().replace("\\n", "\n")
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        else:
            raw = b64url_decode(text)
            if len(raw) == 32:
                key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
            else:
                key = serialization.load_der_private_key(raw, password=None)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise ValueError("VAPID private key is neither a PEM nor a base64url P-256 key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("VAPID private key must be an elliptic-curve (P-256) key")
    return _keys_from_private_key(key)


def write_keys(instance_dir: Path, keys: VapidKeys, *, overwrite: bool = False) -> Path:
    """Write the private key to ``instance_dir/vapid_private.pem`` with mode 0600.

    The file is written to a temporary name and then linked into place, so a concurrent reader
    never sees a half-written key. Without ``overwrite`` an existing key is never replaced
    (FileExistsError): rotating the key invalidates every push subscription.
    """
    instance_dir.mkdir(parents=True, exist_ok=True)
    target = instance_dir / PRIVATE_KEY_FILENAME
    tmp = instance_dir / f".{PRIVATE_KEY_FILENAME}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            os.fchmod(handle.fileno(), 0o600)  # independent of the umask
            handle.write(keys.private_pem)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)  # atomic create-if-absent: raises FileExistsError
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _read_key_file(path: Path) -> VapidKeys:
    """Load the key file, warning when its permissions are looser than 0600."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        log.warning("VAPID key file %s has mode %o; it should be 0600", path, mode)
    return keys_from_private(path.read_text(encoding="ascii"))


def load_or_create(instance_dir: Path, env_private_key: str | None) -> VapidKeys:
    """Return the server's VAPID keys.

    An environment value (PEM or base64url raw private key) wins and is never written to disk.
    Otherwise ``instance_dir/vapid_private.pem`` is read, or created (0600) when missing; when two
    processes race to create it, both end up with the key of whichever wrote first.
    """
    if env_private_key and env_private_key.strip():
        return keys_from_private(env_private_key)
    path = instance_dir / PRIVATE_KEY_FILENAME
    if path.exists():
        return _read_key_file(path)
    keys = generate_keys()
    try:
        write_keys(instance_dir, keys)
    except FileExistsError:
        return _read_key_file(path)  # another process won the race: use its key
    log.info("generated new VAPID key pair in %s", path)
    return keys
