"""disable push subscriptions whose endpoint fails the push-service allow list (SSRF)

Until now any http(s) URL was stored as a push endpoint and the scheduler POSTed to it, which
let a caller aim the server at internal addresses. The API now accepts only https endpoints of
the push services on ``PUSH_SERVICE_HOSTS`` (``backend.notify.endpoints``); this migration
applies the same rule, with the environment it runs in, to the subscriptions already stored and
disables each one that fails it, with the reason. Nothing is deleted; the downgrade leaves them
disabled (re-enabling them would reopen the hole; the browser subscribes again by itself).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db
from backend import clock
from backend.notify.endpoints import EndpointPolicy, EndpointRefused

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBSCRIPTIONS = sa.table(
    "push_subscriptions",
    sa.column("id", sa.String),
    sa.column("endpoint", sa.String),
    sa.column("disabled_at", backend.db.UTCDateTime(timezone=True)),
    sa.column("disabled_reason", sa.String),
)


def upgrade() -> None:
    policy = EndpointPolicy.from_env(dict(os.environ))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(SUBSCRIPTIONS.c.id, SUBSCRIPTIONS.c.endpoint).where(SUBSCRIPTIONS.c.disabled_at.is_(None))
    ).all()
    now = clock.now()
    for row in rows:
        try:
            policy.check(row.endpoint)
        except EndpointRefused as exc:
            reason = f"endpoint refused by the push-service allow list (migration 0007): {exc}"
            conn.execute(
                sa.update(SUBSCRIPTIONS)
                .where(SUBSCRIPTIONS.c.id == row.id)
                .values(disabled_at=now, disabled_reason=reason[:200])
            )


def downgrade() -> None:
    """Nothing to undo in the schema; refused endpoints stay disabled (see the docstring)."""
