"""Which push endpoints the server will ever talk to: an allow list of push services (no SSRF).

A push endpoint is a URL the browser hands us and the scheduler later POSTs to. Taken as is, it
lets any caller make the server send requests to internal addresses (a database port, Redis,
cloud metadata). So an endpoint is accepted only when it is ``https`` on the default port, its
host is a DNS name (never an IP literal, never ``localhost``) on the allow list of push
services, and it carries no user information. The same rule is applied when a subscription is
stored and again right before every send (a subscription stored under an older, wider rule is
refused then, and its subscription disabled with the reason).

``PUSH_SERVICE_HOSTS`` (comma-separated) replaces the default list: an entry ``host.example``
matches that host exactly, an entry starting with a dot (``.push.example``) matches any host
below it. ``PUSH_ALLOW_LOOPBACK=1`` (tests and local development only, off by default) also
allows ``http://127.0.0.1:PORT/...`` and ``http://[::1]:PORT/...`` and nothing else.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

DEFAULT_PUSH_SERVICE_HOSTS: tuple[str, ...] = (
    "fcm.googleapis.com",  # Chrome, Chromium-based browsers on Android (FCM)
    "android.googleapis.com",  # Chrome's older GCM-style endpoints
    "updates.push.services.mozilla.com",  # Firefox (autopush)
    ".push.apple.com",  # Safari (web.push.apple.com)
    ".notify.windows.com",  # Edge (wns2-*.notify.windows.com)
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1"})


class EndpointRefused(ValueError):
    """The endpoint is not one the server may contact; the message says why (safe to show)."""


def _is_ip_literal(host: str) -> bool:
    """True for IPv4/IPv6 literals, including forms like ``2130706433`` or ``0x7f.1``."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.split(".")
    # inet_aton-style numbers (decimal, octal, hex parts) that some resolvers turn into addresses.
    return all(label and (label.isdigit() or label.lower().startswith("0x")) for label in labels)


def parse_hosts(value: str | None) -> tuple[str, ...]:
    """The allow list from ``PUSH_SERVICE_HOSTS`` (default list when unset or empty).

    Entries are lower-cased; IP literals and ``localhost`` are refused with ValueError so that
    a configuration mistake cannot reopen what the rule closes.
    """
    if not value or not value.strip():
        return DEFAULT_PUSH_SERVICE_HOSTS
    hosts = tuple(h.strip().lower().rstrip(".") for h in value.split(",") if h.strip())
    for host in hosts:
        bare = host.lstrip(".")
        if not bare or "." not in bare or _is_ip_literal(bare) or bare == "localhost" or "/" in bare:
            raise ValueError(f"PUSH_SERVICE_HOSTS: {host!r} is not a push service host name or suffix")
    return hosts


@dataclass(frozen=True)
class EndpointPolicy:
    """The allow list and the loopback switch; ``check`` raises EndpointRefused."""

    hosts: tuple[str, ...] = DEFAULT_PUSH_SERVICE_HOSTS
    allow_loopback: bool = False

    @classmethod
    def from_env(cls, env: dict[str, str]) -> EndpointPolicy:
        """Read ``PUSH_SERVICE_HOSTS`` and ``PUSH_ALLOW_LOOPBACK`` (only "1"/"true" turn it on)."""
        loopback = env.get("PUSH_ALLOW_LOOPBACK", "").strip().lower() in ("1", "true", "yes")
        return cls(hosts=parse_hosts(env.get("PUSH_SERVICE_HOSTS")), allow_loopback=loopback)

    def host_allowed(self, host: str) -> bool:
        """Whether ``host`` (lower case, no trailing dot) matches an allow-list entry."""
        for entry in self.hosts:
            if entry.startswith("."):
                if host.endswith(entry) and len(host) > len(entry):
                    return True
            elif host == entry:
                return True
        return False

    def check(self, endpoint: str) -> None:
        """Raise EndpointRefused unless the server may POST to ``endpoint``."""
        try:
            parts = urlsplit(endpoint)
            host = (parts.hostname or "").rstrip(".")
            port = parts.port
        except ValueError:
            raise EndpointRefused("is not a valid URL") from None
        if not host:
            raise EndpointRefused("must be an absolute https URL of a push service")
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise EndpointRefused("must not carry user information")
        if self.allow_loopback and parts.scheme == "http" and host in LOOPBACK_HOSTS and port:
            return
        if parts.scheme != "https":
            raise EndpointRefused("must be an https URL of a push service")
        if host == "localhost" or host.endswith(".localhost") or _is_ip_literal(host):
            raise EndpointRefused("must name a push service, not an IP address or localhost")
        if port not in (None, 443):
            raise EndpointRefused("must use the default https port")
        if not self.host_allowed(host):
            raise EndpointRefused(f"host {host} is not a known push service (PUSH_SERVICE_HOSTS)")

    def allows(self, endpoint: str) -> bool:
        """``check`` as a boolean."""
        try:
            self.check(endpoint)
        except EndpointRefused:
            return False
        return True


class NoRedirectSession(requests.Session):
    """A session that never follows redirects: a push service's 3xx must not lead elsewhere."""

    def request(self, *args, **kwargs):
        kwargs["allow_redirects"] = False
        return super().request(*args, **kwargs)
