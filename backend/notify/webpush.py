"""Web Push delivery (RFC 8030/8291/8292) through pywebpush, with results an outbox can act on.

One `send` is one HTTP attempt: it never retries by itself. The caller (the outbox) records the
`PushResult`, disables the subscription when `gone`, and reschedules when `retryable` using
`backoff_seconds`, at most `MAX_ATTEMPTS` times. Payloads are limited to a fixed, health-data
free shape and are checked before anything leaves the process.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02, VapidException
from pywebpush import WebPushException, webpush

from backend import clock
from backend.notify.endpoints import EndpointPolicy, EndpointRefused, NoRedirectSession
from backend.notify.push_payload import (  # noqa: F401 - the payload rules, re-exported for callers
    MAX_CIPHERTEXT_BYTES,
    MAX_PLAINTEXT_BYTES,
    PAYLOAD_KEYS,
    PAYLOAD_KINDS,
    encode_payload,
    topic_header,
)
from backend.notify.vapid import VapidKeys, b64url_decode

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 30 * 60.0
RETRY_AFTER_CAP_SECONDS = 6 * 3600.0
URGENCIES = ("very-low", "low", "normal", "high")
VAPID_EXPIRY = timedelta(hours=12)  # RFC 8292: at most 24 h
# What py_vapid accepts as `sub` (it raises at signing time otherwise): mailto:addr@host or https://host.
_SUBJECT_RE = re.compile(
    r"^(mailto:[^@\s]+@(localhost|[\w%-]+(\.[\w%-]+)+)|https://(localhost|[\w-]+\.[\w.-]+))$"
)
_CONFIG_ERROR_STATUSES = frozenset({400, 401, 403, 413})
_GONE_STATUSES = frozenset({404, 410})


@dataclass
class PushMessage:
    """One notification to one browser subscription."""

    endpoint: str
    p256dh: str
    auth: str
    payload: dict
    ttl_seconds: int
    urgency: str = "normal"
    topic: str | None = None


@dataclass
class PushResult:
    """What happened to one delivery attempt, classified for the outbox."""

    status: int | None
    ok: bool
    gone: bool
    retry_after_seconds: float | None
    retryable: bool
    config_error: bool
    error: str | None
    duration_ms: float
    refused: bool = False  # the endpoint failed the push-service allow list: nothing was sent


def validate_subscription_keys(p256dh: str, auth: str) -> None:
    """Raise ValueError unless p256dh is a P-256 public point and auth a 16-byte secret."""
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(p256dh))
    except ValueError as exc:
        raise ValueError("subscription p256dh is not a P-256 public key") from exc
    if len(b64url_decode(auth)) != 16:
        raise ValueError("subscription auth secret must be 16 bytes")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Convert a Retry-After header (delta-seconds or HTTP-date) into seconds from now."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or clock.now())).total_seconds())


def backoff_seconds(attempt: int, retry_after: float | None) -> float:
    """Delay before the next attempt, after `attempt` failed attempts (1 for the first failure).

    A push service's Retry-After is honoured as given (capped at 6 h against absurd values);
    otherwise 30 s doubling per attempt, capped at 30 min.
    """
    if retry_after is not None:
        return min(max(retry_after, 0.0), RETRY_AFTER_CAP_SECONDS)
    exponent = max(attempt, 1) - 1
    return min(BACKOFF_BASE_SECONDS * 2.0**exponent, BACKOFF_CAP_SECONDS)


def _origin(endpoint: str) -> str:
    """scheme://host[:port] of an endpoint: the VAPID audience, and safe to log."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _failure(status: int | None, error: str, started: float, **flags: object) -> PushResult:
    """Build a non-ok PushResult."""
    fields: dict = {"gone": False, "retry_after_seconds": None, "retryable": False, "config_error": False}
    fields.update(flags)
    return PushResult(
        status=status, ok=False, error=error, duration_ms=(time.perf_counter() - started) * 1000, **fields
    )


class WebPushSender:
    """Sends PushMessages signed with the server's VAPID key; safe to share between threads."""

    def __init__(
        self,
        keys: VapidKeys,
        subject: str,
        timeout: float = 10.0,
        endpoints: EndpointPolicy | None = None,
    ) -> None:
        """Prepare the signer. `subject` is the VAPID `sub`: a mailto: or https: contact.

        `endpoints` is the allow list every endpoint is checked against right before sending
        (default: the public push services, no loopback).
        """
        if not _SUBJECT_RE.match(subject):
            raise ValueError("VAPID subject must be mailto:user@host or https://host (no path)")
        if subject.startswith("mailto:") and subject.endswith("@localhost"):
            log.warning("VAPID subject %s: Apple's push service rejects mailto:...@localhost", subject)
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        key = serialization.load_pem_private_key(keys.private_pem.encode("ascii"), password=None)
        self._vapid = Vapid02(private_key=key)
        self.subject = subject
        self.timeout = timeout
        self.endpoints = endpoints or EndpointPolicy()

    def _headers(self, msg: PushMessage) -> dict[str, str]:
        """Validate urgency/TTL and build the Urgency and Topic headers."""
        if msg.urgency not in URGENCIES:
            raise ValueError(f"urgency must be one of {URGENCIES}")
        if isinstance(msg.ttl_seconds, bool) or not isinstance(msg.ttl_seconds, int) or msg.ttl_seconds < 0:
            raise ValueError("ttl_seconds must be a non-negative int")
        headers = {"Urgency": msg.urgency}
        if msg.topic:
            headers["Topic"] = topic_header(msg.topic)
        return headers

    def send(self, msg: PushMessage) -> PushResult:
        """Make one delivery attempt. Invalid messages raise ValueError before any network I/O."""
        data = encode_payload(msg.payload)
        headers = self._headers(msg)
        started = time.perf_counter()
        try:
            self.endpoints.check(msg.endpoint)
        except EndpointRefused as exc:
            log.warning("push endpoint refused at send time: %s", exc)
            return _failure(None, f"endpoint refused: {exc}", started, config_error=True, refused=True)
        origin = _origin(msg.endpoint)
        # webpush() mutates vapid_claims (aud, exp): always a fresh dict.
        claims = {
            "sub": self.subject,
            "aud": origin,
            "exp": int((clock.now() + VAPID_EXPIRY).timestamp()),
        }
        subscription = {"endpoint": msg.endpoint, "keys": {"p256dh": msg.p256dh, "auth": msg.auth}}
        try:
            with NoRedirectSession() as session:
                response = webpush(
                    subscription,
                    data=data,
                    vapid_private_key=self._vapid,
                    vapid_claims=claims,
                    headers=headers,
                    ttl=msg.ttl_seconds,
                    timeout=self.timeout,
                    requests_session=session,
                )
        except WebPushException as exc:
            return self._classify_http_error(exc, origin, started)
        except requests.Timeout:
            return _failure(None, f"timeout after {self.timeout}s ({origin})", started, retryable=True)
        except requests.RequestException as exc:
            return _failure(None, f"{type(exc).__name__} ({origin})", started, retryable=True)
        except VapidException as exc:
            return _failure(None, f"VAPID signing failed: {exc}", started, config_error=True)
        except (ValueError, TypeError) as exc:  # undecodable p256dh/auth: the subscription is unusable
            return _failure(None, f"invalid subscription keys: {exc}", started, config_error=True)
        return PushResult(
            status=response.status_code,
            ok=True,
            gone=False,
            retry_after_seconds=None,
            retryable=False,
            config_error=False,
            error=None,
            duration_ms=(time.perf_counter() - started) * 1000,
        )

    def _classify_http_error(self, exc: WebPushException, origin: str, started: float) -> PushResult:
        """Map a push service's error response onto gone / retryable / config_error."""
        status = exc.status_code
        if status is None:  # raised before sending (e.g. malformed subscription)
            return _failure(None, exc.message, started, config_error=True)
        body = (getattr(exc.response, "text", "") or "")[:200]
        error = f"HTTP {status} from {origin}: {body}".rstrip(": ")
        if status in _GONE_STATUSES:
            return _failure(status, error, started, gone=True)
        if status == 429 or status >= 500 or status == 408:
            return _failure(
                status, error, started, retryable=True, retry_after_seconds=parse_retry_after(exc.retry_after)
            )
        if status in _CONFIG_ERROR_STATUSES:
            log.error("web push configuration error: %s", error)
            return _failure(status, error, started, config_error=True)
        return _failure(status, error, started)

    def send_many(self, messages: Sequence[PushMessage], max_workers: int = 8) -> list[PushResult]:
        """Send messages in parallel (at most `max_workers` at once); results in input order.

        Every message is validated first, so one invalid message raises ValueError and nothing
        at all is sent.
        """
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        for msg in messages:
            encode_payload(msg.payload)
            self._headers(msg)
        if not messages:
            return []
        with ThreadPoolExecutor(max_workers=min(max_workers, len(messages))) as pool:
            return list(pool.map(self.send, messages))
