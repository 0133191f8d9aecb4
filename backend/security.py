"""Secrets handling: argon2 password hashes, opaque bearer tokens stored as HMACs."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
STAFF_TOKEN_PREFIX = "st_"  # noqa: S105  (a type prefix, not a secret)
DEVICE_TOKEN_PREFIX = "dv_"  # noqa: S105
# No 0/O/1/I/L: codes are read aloud and typed on a phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> tuple[bool, str | None]:
    """Check a password; also return a fresh hash when the parameters have changed."""
    try:
        _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, _hasher.hash(password) if _hasher.check_needs_rehash(password_hash) else None


def token_digest(pepper: str, token: str) -> str:
    """The HMAC-SHA256 under which a token is stored; the token itself is never stored."""
    return hmac.new(pepper.encode(), token.encode(), hashlib.sha256).hexdigest()


def new_token(prefix: str) -> str:
    """A new opaque bearer token with a type prefix."""
    return prefix + secrets.token_urlsafe(32)


def new_code_part(length: int) -> str:
    """A random part of an activation code from an unambiguous alphabet."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
