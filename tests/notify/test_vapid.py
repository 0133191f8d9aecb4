"""VAPID keys: generation, 0600 persistence, reload, and keys from the environment."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from backend.notify.endpoints import EndpointPolicy
from backend.notify.vapid import (
    PRIVATE_KEY_FILENAME,
    b64url_decode,
    b64url_encode,
    generate_keys,
    keys_from_private,
    load_or_create,
    write_keys,
)
from backend.notify.webpush import PushMessage, WebPushSender
from tests.support import PushEndpoint


def raw_private_b64url(private_pem: str) -> str:
    """The base64url 32-byte private scalar, as `web-push generate-vapid-keys` prints it."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return b64url_encode(key.private_numbers().private_value.to_bytes(32, "big"))


def test_generated_public_key_is_an_uncompressed_p256_point_without_padding():
    keys = generate_keys()

    point = b64url_decode(keys.public_key_b64url)
    assert len(point) == 65 and point[0] == 0x04
    assert "=" not in keys.public_key_b64url and len(keys.public_key_b64url) == 87
    assert keys.private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert generate_keys().public_key_b64url != keys.public_key_b64url
    assert "PRIVATE" not in repr(keys)


def test_keys_are_created_with_mode_0600_and_reloaded_unchanged(tmp_path):
    instance = tmp_path / "instance"
    old_umask = os.umask(0)  # the file mode must not depend on the umask
    try:
        created = load_or_create(instance, None)
    finally:
        os.umask(old_umask)

    key_file = instance / PRIVATE_KEY_FILENAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_or_create(instance, None) == created
    assert load_or_create(instance, "  ") == created
    assert [p.name for p in instance.iterdir()] == [PRIVATE_KEY_FILENAME]


def test_environment_pem_wins_and_is_not_written_to_disk(tmp_path):
    keys = generate_keys()

    assert load_or_create(tmp_path, keys.private_pem) == keys
    assert load_or_create(tmp_path, keys.private_pem.replace("\n", "\\n")) == keys
    assert not (tmp_path / PRIVATE_KEY_FILENAME).exists()


def test_environment_base64url_raw_private_key_is_accepted(tmp_path):
    keys = generate_keys()

    loaded = load_or_create(tmp_path, raw_private_b64url(keys.private_pem))

    assert loaded.public_key_b64url == keys.public_key_b64url


@pytest.mark.parametrize(
    "value", ["not a key", b64url_encode(b"\x01" * 20), "-----BEGIN PRIVATE KEY-----\nxx"]
)
def test_garbage_key_is_refused_without_echoing_it(value):
    with pytest.raises(ValueError) as failure:
        keys_from_private(value)
    assert value not in str(failure.value)


def test_write_keys_never_replaces_a_key_unless_asked(tmp_path):
    first, second = generate_keys(), generate_keys()
    write_keys(tmp_path, first)

    with pytest.raises(FileExistsError):
        write_keys(tmp_path, second)
    assert load_or_create(tmp_path, None) == first

    write_keys(tmp_path, second, overwrite=True)
    assert load_or_create(tmp_path, None) == second
    assert stat.S_IMODE((tmp_path / PRIVATE_KEY_FILENAME).stat().st_mode) == 0o600


def test_processes_racing_to_create_keys_agree_on_one(tmp_path):
    start = threading.Barrier(8)
    results = []

    def create() -> None:
        """One 'process' starting up at the same moment as the others."""
        start.wait()
        results.append(load_or_create(tmp_path, None))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({keys.public_key_b64url for keys in results}) == 1
    assert [p.name for p in tmp_path.iterdir()] == [PRIVATE_KEY_FILENAME]


def test_reloaded_keys_sign_pushes_the_endpoint_accepts(tmp_path):
    created = load_or_create(tmp_path, None)
    reloaded = load_or_create(tmp_path, None)
    sender = WebPushSender(
        reloaded, "https://trial.example.org", endpoints=EndpointPolicy(allow_loopback=True)
    )
    with PushEndpoint() as endpoint:
        subscription = endpoint.subscription()
        payload = {
            "kind": "bp_reminder",
            "id": 42,
            "title": "Blood pressure",
            "body": "Time to measure your blood pressure",
            "url": "/bp",
            "due_at": "2026-11-24T12:00:00+00:00",
        }
        message = PushMessage(
            subscription["endpoint"], endpoint.p256dh, endpoint.auth, payload, 3600, "low", None
        )
        assert sender.send(message).ok
        [request] = endpoint.wait_for(1)
    assert request.vapid_ok, request.vapid_error
    assert request.vapid_key == created.public_key_b64url
    assert request.payload == payload
    assert "topic" not in request.headers
