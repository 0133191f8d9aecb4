"""The seeded study, built once per test through the HTTP API (see ``tests/exports/study.py``)."""

import pytest

from tests.exports.study import reduced_protocol, seed_study  # noqa: F401  (fixture re-export)


@pytest.fixture
def study(app, client, world, reduced_protocol):  # noqa: F811
    return seed_study(app, client, world, reduced_protocol)
