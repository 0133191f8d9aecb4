"""The attack suite's schemathesis phase: every operation over HTTP, with each of two tokens.

Each generated case is sent with the coordinator's token and with the patient device's token
(so each operation is exercised both by its own kind of caller and by the wrong one), and every
schemathesis check runs on the answer. Failures are recorded per check, not raised, so hypothesis
does not spend the time budget shrinking: a 5xx (``not_a_server_error``) counts as a server error,
other checks (schema conformance, positive data accepted, ...) are reported by name.
"""

from __future__ import annotations

from collections import defaultdict

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.failures import Failure, FailureGroup

from bench.attack_cases import SKIP, Tally, Target, headers_for

TOKENS = ("coordinator_a", "p1")


def _names(error: BaseException) -> list[str]:
    if isinstance(error, FailureGroup):
        return [_name(f) for f in error.exceptions if isinstance(f, Failure)]
    if isinstance(error, Failure):
        return [_name(error)]
    return [type(error).__name__]


def _name(failure: Failure) -> str:
    status = getattr(failure, "status_code", None)
    return type(failure).__name__ + (f" {status}" if status else "")


def fuzz(target: Target, examples: int) -> tuple[Tally, dict[str, list[str]]]:
    """Run schemathesis on every operation with both tokens; returns the tally and failing checks."""
    schema = schemathesis.openapi.from_url(f"{target.base}/api/openapi.json")
    tally, failing = Tally(), defaultdict(list)
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.lower(), operation.path) in SKIP:
            continue
        for who in TOKENS:
            seen: set[str] = set()
            _run(operation, headers_for(target, who), examples, tally, seen, f"{operation.label} as {who}")
            for name in seen:
                failing[name].append(f"{operation.label} as {who}")
    return tally, dict(failing)


def _run(operation, headers: dict[str, str], examples: int, tally: Tally, seen: set[str], label: str) -> None:  # type: ignore[no-untyped-def]
    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def exercise(case) -> None:  # type: ignore[no-untyped-def]
        tally.requests += 1
        try:
            response = case.call_and_validate(headers={**(case.headers or {}), **headers}, timeout=60)
            tally.statuses[response.status_code] += 1
        except (FailureGroup, Failure) as error:
            for name in _names(error):
                seen.add(name)
                if "ServerError" in name:
                    tally.server_errors.append(f"schemathesis {label}: {name}")
        except Exception as error:  # noqa: BLE001  (no answer at all: count it, keep going)
            tally.server_errors.append(f"schemathesis {label}: {type(error).__name__}: {str(error)[:100]}")

    exercise()
