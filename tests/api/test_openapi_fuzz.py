"""schemathesis, in-process over the whole OpenAPI document: no 5xx, responses match the schemas.

Each operation is called with a token that can reach it (the patient's device for /me, the
admin for site and staff administration, an investigator for everything else), so generated
requests get past authentication and exercise validation and the services. schemathesis's
pytest plugin does not run under pytest 9, so operations are driven through its Python API
with hypothesis directly: same generators, same checks.

One check is left out: ``positive_data_acceptance`` expects every schema-valid body to be
accepted, but clinical rules are cross-field and stateful (a monitor has no site, a cycle
cannot start before the previous one's dosing days end) and rightly answer 409/422. Every
other default check runs, including ``negative_data_rejection`` (invalid input is refused).
"""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from backend import clock
from backend.db import db
from backend.models import SchedulerHeartbeat
from tests.factories import build_world

EXAMPLES_PER_OPERATION = 25


def _caller(path: str, method: str) -> str:
    if path.startswith(("/api/v1/me", "/api/v1/device", "/api/v1/push")):
        return "p1"
    if path == "/api/v1/staff" or (path == "/api/v1/sites" and method == "POST"):
        return "admin"
    return "investigator_a"


def test_every_operation_conforms_and_never_fails(app):
    world = build_world(app)
    with app.app_context():  # a live scheduler, so /readyz answers 200 rather than its documented 503
        db.session.add(SchedulerHeartbeat(name="sweep", beat_at=clock.now(), holder="fuzz"))
        db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        _fuzz(operation, world.headers(_caller(operation.path, operation.method.upper())))


def _fuzz(operation, headers: dict[str, str]) -> None:
    """Run the generated cases of one operation with the given auth headers."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def exercise(case) -> None:
        case.call_and_validate(
            headers={**(case.headers or {}), **headers}, excluded_checks=[positive_data_acceptance]
        )

    exercise()
