"""Per-message delivery records: priority, claim lease and token, attempt start/finish

Each outbox message now records its attempt as started (committed) before it leaves and its
outcome right after, so a crash can re-send only the messages in flight at that instant:
``notifications.claim_token`` names the claimer that may start it, ``lease_until`` (wall clock)
says when another deliverer may take it over (replacing the 5-minute rule that compared tick
instants), ``priority`` orders urgent pushes before e-mails and reminders.
``delivery_attempts.finished_at`` is null while the attempt is in flight (outcome ``started``).
``notifications.shown_at`` / ``clicked_at``: the service worker's receipts (first one kept).
Existing rows: priority from channel/urgency/alert, no lease.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "notifications", sa.Column("priority", sa.SmallInteger(), nullable=False, server_default="3")
    )
    op.add_column("notifications", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("notifications", sa.Column("claim_token", sa.String(32), nullable=True))
    op.add_column("notifications", sa.Column("shown_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("notifications", sa.Column("clicked_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("delivery_attempts", sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("delivery_attempts", sa.Column("attempt", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE notifications SET priority = CASE "
        "WHEN channel = 'webpush' AND urgency = 'high' THEN 0 "
        "WHEN alert_id IS NOT NULL THEN 2 ELSE 3 END"
    )
    op.execute("UPDATE delivery_attempts SET finished_at = attempted_at")
    op.create_index("ix_notifications_due", "notifications", ["status", "priority", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_due", table_name="notifications")
    for table, column in (
        ("delivery_attempts", "attempt"),
        ("delivery_attempts", "finished_at"),
        ("notifications", "clicked_at"),
        ("notifications", "shown_at"),
        ("notifications", "claim_token"),
        ("notifications", "lease_until"),
        ("notifications", "priority"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
