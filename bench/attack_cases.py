"""The attack suite's cases: scoping (every operation x every actor) and the malformed-input corpus.

Each function takes a :class:`Target` (base URL, tokens, ids, the OpenAPI document) and returns a
:class:`Tally` of what it saw: requests made, server errors (5xx or no answer), leaks (a caller
outside the scope got data, or an answer that differs from the one for an id that does not exist).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

ACTORS = (
    "anonymous",
    "admin",
    "monitor",
    "coordinator_a",
    "investigator_a",
    "coordinator_b",
    "investigator_b",
    "p1",
    "p3",
)
OUTSIDE_P1 = ("coordinator_b", "investigator_b", "p3")  # may never see p1, site A or their records
SKIP = {("post", "/api/v1/auth/logout")}  # would revoke the token the next calls use


@dataclass
class Target:
    base: str
    tokens: dict[str, str]
    ids: dict[str, str]  # path parameter -> a site A / p1 value
    spec: dict[str, Any]
    secrets_of_a: tuple[str, ...]  # strings only site A's side may ever read (p1's id, study id)


@dataclass
class Tally:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)

    def add(self, other: Tally) -> None:
        self.requests += other.requests
        self.server_errors += other.server_errors
        self.leaks += other.leaks
        self.statuses.update(other.statuses)


def headers_for(target: Target, who: str) -> dict[str, str]:
    return {} if who == "anonymous" else {"Authorization": f"Bearer {target.tokens[who]}"}


def operations(target: Target) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in target.spec["paths"].items():
        for method, operation in ops.items():
            if method != "parameters" and (method, path) not in SKIP:
                yield method, path, operation


def fill(target: Target, path: str, **override: str) -> str:
    for name, value in {**target.ids, **override}.items():
        path = path.replace("{" + name + "}", value)
    return path.replace("{", "").replace("}", "")


def send(session: requests.Session, tally: Tally, label: str, method: str, url: str, **kw: Any):  # type: ignore[no-untyped-def]
    tally.requests += 1
    try:
        response = session.request(method, url, timeout=60, **kw)
    except requests.RequestException as error:
        tally.server_errors.append(f"{label}: no answer ({type(error).__name__})")
        return None
    tally.statuses[response.status_code] += 1
    if response.status_code >= 500:
        tally.server_errors.append(f"{label}: {response.status_code} {response.text[:120]}")
    return response


def _comparable(response) -> tuple[int, Any]:  # type: ignore[no-untyped-def]
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return response.status_code, body


def scoping(target: Target) -> Tally:
    """Every operation as every actor; callers outside site A must learn nothing about p1.

    A leak: a 2xx for an outside caller on a path naming p1 or site A, an answer that differs
    from the one for a random id (existence told), or a list answer containing p1's secrets.
    """
    tally, session = Tally(), requests.Session()
    random_ids = {name: secrets.token_hex(16) for name in target.ids if name.endswith("_id")}
    for method, path, operation in operations(target):
        body = {} if "requestBody" in operation else None
        for who in ACTORS:
            url = target.base + fill(target, path)
            label = f"scope {method.upper()} {path} as {who}"
            response = send(session, tally, label, method, url, json=body, headers=headers_for(target, who))
            if response is None or who not in OUTSIDE_P1:
                continue
            names_a = any("{" + n + "}" in path for n in random_ids)
            if names_a and response.status_code < 300:
                tally.leaks.append(f"{label}: {response.status_code} on site A's id")
            if names_a:
                other = send(
                    session,
                    tally,
                    label + " (random id)",
                    method,
                    target.base + fill(target, path, **random_ids),
                    json=body,
                    headers=headers_for(target, who),
                )
                if other is not None and _comparable(other) != _comparable(response):
                    tally.leaks.append(
                        f"{label}: differs from a random id ({response.status_code} vs {other.status_code})"
                    )
            elif response.status_code < 300 and any(s in response.text for s in target.secrets_of_a):
                tally.leaks.append(f"{label}: site A's data in the answer")
    return tally


DEEP = "[" * 900 + "]" * 900
STRINGS = [
    "\ud800",
    "a\udfffb",
    "\x00",
    "a\x00b",
    "x" * 70_000,
    "0001-01-01",
    "9999-12-31",
    "20261130",
    "0001-01-01T00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "7:5",
    "Factory",
    "localtime",
    "a" * 250 + "@example.org",
    "",
    " ",
    "../../etc/passwd",
    "<script>",
    "1e400",
]
# Each value as JSON text: Python cannot even write an integer of more than 4,300 digits.
VALUES = [json.dumps(v) for v in STRINGS] + [
    "9" * 4400,
    "-" + "1" * 5000,
    "1e308",
    "-1e308",
    "1e400",
    "true",
    "null",
    "[]",
    "{}",
    "[[[]]]",
    str(2**63),
    "-1",
    "NaN",
]
# The corpus, every value in every body field in CI's quick mode.
QUICK_VALUES = [
    json.dumps(v)
    for v in (
        "\ud800",
        "a\x00b",
        "x" * 70_000,
        "0001-01-01T00:00+14:00",
        "9999-12-31",
        "20261130",
        "7:5",
        "Factory",
        "a" * 250 + "@example.org",
    )
] + ["9" * 4400, "1e400", "[[[]]]"]
RAW_BODIES = [
    DEEP.encode(),
    ('{"note": ' + "[" * 500 + "]" * 500 + "}").encode(),
    ('{"x": ' + "9" * 5000 + "}").encode(),
    b'{"\\ud800": 1}',
    b'{"note": "\\ud800"}',
    b'{"x": Infinity}',
    b"{",
    b'{"note": "\xff\xfe"}',
    b"null",
    b"[]",
    b'"text"',
    b" " * 70_000 + b"{}",
]
QUERY_VALUES = ["0001-01-01", "9999-12-31", "20261130", "x" * 5000, "\x00", "%ED%A0%80", "9" * 5000, "-1", ""]
PATH_VALUES = [
    "0001-01-01",
    "9999-12-31",
    "20261130",
    "9" * 5000,
    "%00",
    "%ED%A0%80",
    "..",
    "x" * 2000,
    "-1",
    "0",
]


def _caller(path: str, method: str) -> str:
    if path.startswith(("/api/v1/me", "/api/v1/device", "/api/v1/push")):
        return "p1"
    if path.startswith(("/api/v1/staff", "/api/v1/sites")) and method == "post":
        return "admin"
    return "investigator_a"


def _properties(target: Target, operation: dict[str, Any]) -> list[str]:
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = target.spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return list(schema.get("properties", {})) or ["x"]


def _malformed_requests(target: Target, quick: bool) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(label, method, url, request kwargs) for every body field, query and path parameter."""
    for method, path, operation in operations(target):
        who = _caller(path, method)
        headers = headers_for(target, who)
        url = target.base + fill(target, path)
        if "requestBody" in operation:
            for prop in _properties(target, operation):
                for value in QUICK_VALUES if quick else VALUES:
                    data = ('{"' + prop + '": ' + value + "}").encode()
                    yield (
                        f"{method} {path} .{prop}={value[:20]!r}",
                        method,
                        url,
                        {"data": data, "headers": {**headers, "Content-Type": "application/json"}},
                    )
        for raw in [RAW_BODIES[i] for i in (0, 1, 2, 3, 7, -1)] if quick else RAW_BODIES:
            yield (
                f"{method} {path} raw {raw[:16]!r}",
                method,
                url,
                {"data": raw, "headers": {**headers, "Content-Type": "application/json"}},
            )
        params = [
            p for p in operation.get("parameters", []) + target.spec["paths"][path].get("parameters", [])
        ]
        for param in params:
            values = QUERY_VALUES if param["in"] == "query" else PATH_VALUES if param["in"] == "path" else []
            values = values[:5] if quick else values
            for value in values:
                if param["in"] == "query":
                    yield (
                        f"{method} {path} ?{param['name']}={value[:16]!r}",
                        method,
                        url,
                        {"params": {param["name"]: value}, "headers": headers},
                    )
                else:
                    yield (
                        f"{method} {path} /{param['name']}={value[:16]!r}",
                        method,
                        (target.base + fill(target, path, **{param["name"]: value})),
                        {"headers": headers},
                    )
        yield (
            f"{method} {path} X-Device-Time",
            method,
            url,
            {"headers": {**headers, "X-Device-Time": "9999-12-31T23:59:59-14:00"}, "json": {}},
        )


def malformed(target: Target, quick: bool = False, threads: int = 8) -> Tally:
    """The malformed-input corpus, every body field and parameter of every operation; never a 5xx."""
    tally = Tally()
    local: dict[int, requests.Session] = {}

    def one(item: tuple[str, str, str, dict[str, Any]]) -> Tally:
        import threading

        session = local.setdefault(threading.get_ident(), requests.Session())
        part = Tally()
        label, method, url, kwargs = item
        send(session, part, label, method, url, **kwargs)
        return part

    with ThreadPoolExecutor(threads) as pool:
        for part in pool.map(one, _malformed_requests(target, quick)):
            tally.add(part)
    return tally


def new_uuid() -> str:
    return str(uuid.uuid4())
