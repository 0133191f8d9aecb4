"""Web Push delivery against a real local push service that decrypts and verifies like a browser."""

from __future__ import annotations

import json
import socket
import time
from datetime import timedelta
from email.utils import format_datetime

import pytest

from backend import clock
from backend.notify.endpoints import EndpointPolicy
from backend.notify.vapid import VapidKeys, generate_keys
from backend.notify.webpush import (
    BACKOFF_CAP_SECONDS,
    MAX_ATTEMPTS,
    MAX_CIPHERTEXT_BYTES,
    MAX_PLAINTEXT_BYTES,
    PushMessage,
    WebPushSender,
    backoff_seconds,
    validate_subscription_keys,
)
from tests.support import PushEndpoint, SilentServer

SUBJECT = "mailto:trial-ops@example.org"
# The local push services below listen on 127.0.0.1: the sender must be told it may post there.
LOOPBACK = EndpointPolicy(allow_loopback=True)


@pytest.fixture(scope="module")
def keys() -> VapidKeys:
    """One server key pair for the module (generation is cheap, but the tests don't need many)."""
    return generate_keys()


@pytest.fixture
def sender(keys: VapidKeys) -> WebPushSender:
    """A sender with a generous timeout for the happy paths."""
    return WebPushSender(keys, SUBJECT, timeout=5.0, endpoints=LOOPBACK)


@pytest.fixture
def endpoint():
    """A running local push service."""
    with PushEndpoint() as ep:
        yield ep


def reminder_payload(**overrides: object) -> dict:
    """A realistic dose-reminder payload, with fields replaced or added."""
    payload = {
        "kind": "dose_reminder",
        "id": "ntf_8f3a",
        "title": "Time for today's diary entry",
        "body": "该记录今天的服药情况了",
        "url": "/today",
        "due_at": "2026-11-24T01:00:00Z",
    }
    payload.update(overrides)
    return payload


def message_for(
    subscription: dict,
    payload: dict | None = None,
    ttl: int = 39600,
    urgency: str = "normal",
    topic: str | None = None,
) -> PushMessage:
    """A PushMessage for a browser subscription JSON (TTL 11 h: until a typical cut-off)."""
    return PushMessage(
        endpoint=subscription["endpoint"],
        p256dh=subscription["keys"]["p256dh"],
        auth=subscription["keys"]["auth"],
        payload=payload if payload is not None else reminder_payload(),
        ttl_seconds=ttl,
        urgency=urgency,
        topic=topic,
    )


def test_payload_arrives_encrypted_decrypts_with_browser_keys_and_vapid_verifies(sender, endpoint, keys):
    msg = message_for(endpoint.subscription(), urgency="high", topic="dose_0107")

    result = sender.send(msg)

    assert result.ok and result.status == 201 and result.error is None
    [request] = endpoint.wait_for(1)
    assert request.payload == reminder_payload()
    assert "该记录".encode() not in request.body and b"dose_reminder" not in request.body
    assert request.headers["content-encoding"] == "aes128gcm"
    assert request.vapid_ok, request.vapid_error
    assert request.vapid_key == keys.public_key_b64url
    assert request.claims["sub"] == SUBJECT and request.claims["aud"] == endpoint.origin
    assert request.ttl == 39600
    assert request.headers["urgency"] == "high"
    assert request.headers["topic"] == "dose_0107"


def test_topic_that_is_not_rfc8030_safe_is_hashed_stably(sender, endpoint):
    topic = "dose_reminder:01-007:2026-11-24 (cycle 3 day 5)"
    sender.send(message_for(endpoint.subscription(), topic=topic))
    sender.send(message_for(endpoint.subscription(), topic=topic))

    first, second = (r.headers["topic"] for r in endpoint.wait_for(2))
    assert first == second
    assert len(first) <= 32 and first.replace("-", "").replace("_", "").isalnum()


def test_each_send_signs_for_its_own_endpoint_origin(sender):
    with PushEndpoint() as one, PushEndpoint() as two:
        assert sender.send(message_for(one.subscription())).ok
        assert sender.send(message_for(two.subscription())).ok
        assert one.wait_for(1)[0].claims["aud"] == one.origin
        assert two.wait_for(1)[0].vapid_ok, two.received[0].vapid_error


def test_server_error_is_retryable_then_next_attempt_succeeds(sender, endpoint):
    endpoint.script("/push/x", [500, 201])
    msg = message_for(endpoint.subscription())

    first, second = sender.send(msg), sender.send(msg)

    assert first.status == 500 and first.retryable and not first.ok and not first.gone
    assert not first.config_error and first.error
    assert second.ok and second.status == 201 and not second.retryable


def test_429_retry_after_seconds_is_honoured_by_backoff(sender, endpoint):
    endpoint.script("/push/x", [(429, {"Retry-After": "2"})])

    result = sender.send(message_for(endpoint.subscription()))

    assert result.status == 429 and result.retryable
    assert result.retry_after_seconds == 2.0
    assert backoff_seconds(1, result.retry_after_seconds) == 2.0


def test_429_retry_after_as_http_date(sender, endpoint):
    later = clock.now() + timedelta(seconds=120)
    endpoint.script("/push/x", [(429, {"Retry-After": format_datetime(later, usegmt=True)})])

    result = sender.send(message_for(endpoint.subscription()))

    assert result.retryable and 100 <= result.retry_after_seconds <= 121
    assert backoff_seconds(3, result.retry_after_seconds) == result.retry_after_seconds


def test_backoff_doubles_per_attempt_and_is_capped():
    delays = [backoff_seconds(attempt, None) for attempt in range(1, MAX_ATTEMPTS + 1)]

    assert delays[:3] == [30.0, 60.0, 120.0]
    assert all(later >= earlier for earlier, later in zip(delays, delays[1:], strict=False))
    assert backoff_seconds(50, None) == BACKOFF_CAP_SECONDS
    assert MAX_ATTEMPTS == 6


@pytest.mark.parametrize("status", [404, 410])
def test_gone_subscription_is_reported_and_not_retried(sender, endpoint, status):
    endpoint.script("/push/x", [status])

    result = sender.send(message_for(endpoint.subscription()))

    assert result.gone and result.status == status
    assert not result.ok and not result.retryable and not result.config_error


@pytest.mark.parametrize("status", [400, 401, 403, 413])
def test_configuration_errors_are_not_retried(sender, endpoint, status):
    endpoint.script("/push/x", [status])

    result = sender.send(message_for(endpoint.subscription()))

    assert result.config_error and result.status == status
    assert not result.retryable and not result.gone and not result.ok


@pytest.mark.parametrize(
    "payload",
    [
        reminder_payload(systolic=182),
        {k: v for k, v in reminder_payload().items() if k != "url"},
        reminder_payload(body={"systolic": 182}),
        reminder_payload(kind="bp_reading"),
        reminder_payload(due_at="2026-11-24T09:00:00+08:00"),
        reminder_payload(due_at="tomorrow"),
        ["kind", "id"],
    ],
    ids=["extra-key", "missing-key", "nested-value", "unknown-kind", "non-utc", "not-a-date", "not-a-dict"],
)
def test_payload_outside_the_allowed_shape_is_refused_before_sending(sender, endpoint, payload):
    with pytest.raises(ValueError):
        sender.send(message_for(endpoint.subscription(), payload=payload))

    assert endpoint.received == []


def test_oversize_payload_is_refused_before_sending(sender, endpoint):
    with pytest.raises(ValueError, match="bytes"):
        sender.send(message_for(endpoint.subscription(), payload=reminder_payload(body="x" * 4000)))

    assert endpoint.received == []


def test_largest_allowed_payload_fits_in_4096_bytes_of_ciphertext(sender, endpoint):
    empty = len(json.dumps(reminder_payload(body=""), separators=(",", ":"), ensure_ascii=False).encode())
    body = "x" * (MAX_PLAINTEXT_BYTES - empty)

    assert sender.send(message_for(endpoint.subscription(), payload=reminder_payload(body=body))).ok
    with pytest.raises(ValueError):
        sender.send(message_for(endpoint.subscription(), payload=reminder_payload(body=body + "x")))

    [request] = endpoint.wait_for(1)
    assert len(request.body) == MAX_CIPHERTEXT_BYTES
    assert request.payload["body"] == body


@pytest.mark.parametrize("bad", [{"urgency": "urgent"}, {"ttl": -1}])
def test_invalid_urgency_or_ttl_is_refused(sender, endpoint, bad):
    msg = message_for(endpoint.subscription(), **bad)
    with pytest.raises(ValueError):
        sender.send(msg)
    assert endpoint.received == []


def test_timeout_against_a_server_that_never_answers_is_retryable():
    sender = WebPushSender(generate_keys(), SUBJECT, timeout=0.5, endpoints=LOOPBACK)
    with SilentServer() as silent, PushEndpoint() as browser:
        subscription = browser.subscription()
        subscription["endpoint"] = f"http://127.0.0.1:{silent.port}/push/x"
        started = time.monotonic()

        result = sender.send(message_for(subscription))

        elapsed = time.monotonic() - started
    assert result.retryable and not result.ok and result.status is None
    assert "timeout" in result.error
    assert 0.4 <= elapsed < 1.5


def test_connection_refused_is_retryable(sender, endpoint):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        free_port = probe.getsockname()[1]
    subscription = endpoint.subscription()
    subscription["endpoint"] = f"http://127.0.0.1:{free_port}/push/x"

    result = sender.send(message_for(subscription))

    assert result.retryable and result.status is None and not result.gone


def test_send_many_delivers_fifty_in_parallel_with_results_in_input_order(sender):
    with PushEndpoint(delay=0.02) as ep:
        for i in range(0, 50, 7):
            ep.script(f"/push/{i}", [410])
        messages = [
            message_for(ep.subscription(f"/push/{i}"), reminder_payload(id=f"n{i}")) for i in range(50)
        ]

        results = sender.send_many(messages, max_workers=8)

        received = ep.wait_for(50)
    assert len(results) == 50
    assert [r.gone for r in results] == [i % 7 == 0 for i in range(50)]
    assert all(r.ok for i, r in enumerate(results) if i % 7)
    assert sorted(r.payload["id"] for r in received) == sorted(f"n{i}" for i in range(50))
    assert {r.path: r.payload["id"] for r in received} == {f"/push/{i}": f"n{i}" for i in range(50)}
    assert 1 < ep.peak_concurrency <= 8


def test_send_many_validates_every_message_before_sending_any(sender, endpoint):
    good = message_for(endpoint.subscription())
    bad = message_for(endpoint.subscription(), payload=reminder_payload(note="felt dizzy"))

    with pytest.raises(ValueError):
        sender.send_many([good, good, bad])

    assert endpoint.received == []


def test_unusable_subscription_keys_are_a_config_error(sender, endpoint):
    subscription = endpoint.subscription()
    subscription["keys"]["p256dh"] = "bm90LWEta2V5"

    result = sender.send(message_for(subscription))

    assert result.config_error and not result.retryable
    assert endpoint.received == []


def test_subscription_keys_are_validated(endpoint):
    validate_subscription_keys(endpoint.p256dh, endpoint.auth)
    with pytest.raises(ValueError):
        validate_subscription_keys("bm90LWEta2V5", endpoint.auth)
    with pytest.raises(ValueError):
        validate_subscription_keys(endpoint.p256dh, "c2hvcnQ")


@pytest.mark.parametrize(
    "subject",
    ["ops@example.org", "http://example.org", "https://example.org/contact", "mailto:ops", "mailto:ops@host"],
)
def test_vapid_subject_must_be_mailto_or_https(keys, subject):
    with pytest.raises(ValueError):
        WebPushSender(keys, subject)


def test_an_endpoint_outside_the_allow_list_is_never_contacted(keys, endpoint):
    """The production rule (no loopback): refused before any I/O, reported as `refused`."""
    strict = WebPushSender(keys, SUBJECT, timeout=5.0)
    result = strict.send(message_for(endpoint.subscription("/push/internal")))
    assert (result.ok, result.refused, result.retryable, result.status) == (False, True, False, None)
    assert result.error.startswith("endpoint refused:")
    time.sleep(0.2)
    assert endpoint.received == []


def test_a_redirect_from_the_push_service_is_not_followed(sender, endpoint):
    with PushEndpoint() as elsewhere:
        target = elsewhere.subscription("/internal")["endpoint"]
        endpoint.script("/push/x", [(307, {"Location": target})])
        result = sender.send(message_for(endpoint.subscription("/push/x")))
        time.sleep(0.2)
        assert elsewhere.received == []
    assert not result.ok and result.status == 307
    assert len(endpoint.received) == 1
