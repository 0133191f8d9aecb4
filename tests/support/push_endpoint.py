"""A real, local Web Push service for tests: decrypts payloads and verifies VAPID like a push service.

The endpoint plays both the push service and the browser: it owns the subscription's P-256 key
pair and auth secret, so it can decrypt what it receives (RFC 8291, aes128gcm) with the test's own
keys, and it checks the VAPID `Authorization: vapid t=<jwt>, k=<key>` header (RFC 8292).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

ScriptedResponse = int | tuple[int, dict[str, str]]


def _b64url(raw: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    """Decode base64url with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    """One request as the push service saw it."""

    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    payload: dict | None  # decrypted JSON, None if decryption failed
    decrypt_error: str | None
    vapid_ok: bool
    vapid_error: str | None
    vapid_key: str | None  # the `k=` public key the sender presented
    claims: dict | None
    status: int  # what we answered
    response_headers: dict[str, str] = field(default_factory=dict)

    @property
    def ttl(self) -> int | None:
        """The TTL header as an int."""
        return int(self.headers["ttl"]) if "ttl" in self.headers else None


def verify_vapid(authorization: str | None, audience: str) -> tuple[str | None, dict | None]:
    """Check a `vapid t=..., k=...` header; return (public key, claims) or raise ValueError."""
    if not authorization or not authorization.lower().startswith("vapid "):
        raise ValueError(f"no vapid Authorization header: {authorization!r}")
    params = dict(part.strip().split("=", 1) for part in authorization[6:].split(","))
    token, key = params["t"], params["k"]
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64url(key))
    signing_input, _, signature = token.rpartition(".")
    raw_sig = _unb64url(signature)
    if len(raw_sig) != 64:
        raise ValueError("ES256 signature must be 64 bytes (r||s)")
    der = encode_dss_signature(int.from_bytes(raw_sig[:32], "big"), int.from_bytes(raw_sig[32:], "big"))
    try:
        public_key.verify(der, signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise ValueError("VAPID JWT signature does not verify") from exc
    header_b64, payload_b64 = signing_input.split(".")
    if json.loads(_unb64url(header_b64)).get("alg") != "ES256":
        raise ValueError("VAPID JWT alg must be ES256")
    claims = json.loads(_unb64url(payload_b64))
    # A push service checks exp on its own clock; in-process, time-machine moves it too.
    now = time.time()  # real clock: the push service's own clock, as a real one has
    if claims.get("aud") != audience:
        raise ValueError(f"aud {claims.get('aud')!r} != {audience!r}")
    if not now < int(claims.get("exp", 0)) <= now + 24 * 3600:
        raise ValueError(f"exp {claims.get('exp')} not within the next 24 h")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise ValueError("sub must be mailto: or https:")
    return key, claims


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class PushEndpoint:
    """Threaded HTTP push service on 127.0.0.1 with scripted responses per path (default 201)."""

    def __init__(self, delay: float = 0.0) -> None:
        """Create browser keys; `delay` seconds are spent on each request before answering."""
        self.delay = delay
        self._private_key = ec.generate_private_key(ec.SECP256R1())
        self.p256dh = _b64url(
            self._private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )
        self._auth_secret = os.urandom(16)
        self.auth = _b64url(self._auth_secret)
        self.received: list[Received] = []
        self.arrived = 0  # requests that reached the service, counted before `delay` is spent
        self.peak_concurrency = 0
        self._in_flight = 0
        self._scripts: dict[str, deque[ScriptedResponse]] = defaultdict(deque)
        self._cond = threading.Condition()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> PushEndpoint:
        """Start serving."""
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def subscription(self, path: str = "/push/x") -> dict:
        """The browser's PushSubscription JSON for this endpoint and path."""
        return {"endpoint": self.origin + path, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    def script(self, path: str, responses: list[ScriptedResponse]) -> None:
        """Queue responses for `path`: a status, or (status, headers); then back to 201."""
        with self._cond:
            self._scripts[path].extend(responses)

    def wait_for(self, n: int, timeout: float = 5.0) -> list[Received]:
        """Block until at least `n` requests arrived; AssertionError on timeout."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.received) >= n, timeout):
                raise AssertionError(f"expected {n} push requests, got {len(self.received)}")
            return list(self.received)

    def wait_for_arrivals(self, n: int, timeout: float = 5.0) -> None:
        """Block until `n` requests have reached the service (answered or not)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self.arrived >= n, timeout):
                raise AssertionError(f"expected {n} push requests to arrive, got {self.arrived}")

    def _decrypt(self, body: bytes) -> tuple[dict | None, str | None]:
        """Decrypt an aes128gcm body with the browser's keys."""
        try:
            plain = http_ece.decrypt(
                body, private_key=self._private_key, auth_secret=self._auth_secret, version="aes128gcm"
            )
            return json.loads(plain.decode("utf-8")), None
        except Exception as exc:  # report any failure to the test
            return None, f"{type(exc).__name__}: {exc}"

    def _record(self, handler: BaseHTTPRequestHandler) -> Received:
        """Read, decrypt and verify one POST, pick its scripted status and record it."""
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        with self._cond:  # the whole request has arrived (the sender may be killed from here on)
            self.arrived += 1
            self._cond.notify_all()
        headers = {name.lower(): value for name, value in handler.headers.items()}
        payload, decrypt_error = self._decrypt(body)
        try:
            vapid_key, claims = verify_vapid(headers.get("authorization"), self.origin)
            vapid_error = None
        except (ValueError, KeyError) as exc:
            vapid_key, claims, vapid_error = None, None, str(exc)
        if self.delay:
            time.sleep(self.delay)
        with self._cond:
            queue = self._scripts[handler.path]
            scripted = queue.popleft() if queue else 201
            status = scripted[0] if isinstance(scripted, tuple) else scripted
            received = Received(
                handler.path,
                headers,
                body,
                payload,
                decrypt_error,
                vapid_error is None,
                vapid_error,
                vapid_key,
                claims,
                status,
            )
            received.response_headers = dict(scripted[1]) if isinstance(scripted, tuple) else {}
            self.received.append(received)
            if status == 201:
                received.response_headers["Location"] = f"{self.origin}/message/{len(self.received)}"
            self._cond.notify_all()
        return received

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        """Record one POST, then answer with its scripted response."""
        with self._cond:
            self._in_flight += 1
            self.peak_concurrency = max(self.peak_concurrency, self._in_flight)
        try:
            received = self._record(handler)
        finally:
            # Leave the in-flight count before answering: the client may send again at once.
            with self._cond:
                self._in_flight -= 1
        handler.send_response(received.status)
        for name, value in received.response_headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        """A request handler class bound to this endpoint."""
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                """Every push is a POST."""
                endpoint._handle(self)

            def log_message(self, format: str, *args: object) -> None:
                """Keep test output quiet."""
                pass

        return Handler


@dataclass
class SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never answers (for timeouts)."""

    port: int = 0
    _sockets: list = field(default_factory=list)

    def __enter__(self) -> SilentServer:
        """Listen and accept in a background thread, holding every connection open."""
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        return self

    def _accept(self) -> None:
        """Accept until stopped; keep sockets referenced so they stay open."""
        self._listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._sockets.append(conn)

    def __exit__(self, *exc_info: object) -> None:
        """Close the listener and every held connection."""
        self._stop.set()
        self._thread.join(timeout=2)
        self._listener.close()
        for conn in self._sockets:
            conn.close()
