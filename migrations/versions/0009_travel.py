"""travel across time zones: timezone_changes, participants' policy and phone zone, dose_logs' phone zone

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTICIPANT_COLUMNS = (
    "timezone_policy",
    "device_timezone",
    "device_timezone_since",
    "zone_change_date",
    "zone_change_from",
    "zone_change_at",
)


def _instant(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, backend.db.UTCDateTime(timezone=True), nullable=nullable)


# Plain ALTER TABLE, not batch mode: a batch on SQLite would copy ``participants`` and drop its
# plan-token triggers (migration 0002) with the old table.
def upgrade() -> None:
    op.add_column(
        "participants",
        sa.Column("timezone_policy", sa.String(length=8), nullable=False, server_default="home"),
    )
    op.add_column("participants", sa.Column("device_timezone", sa.String(length=64), nullable=True))
    op.add_column("participants", _instant("device_timezone_since"))
    op.add_column("participants", sa.Column("zone_change_date", sa.Date(), nullable=True))
    op.add_column("participants", sa.Column("zone_change_from", sa.String(length=64), nullable=True))
    op.add_column("participants", _instant("zone_change_at"))
    op.add_column("dose_logs", sa.Column("device_timezone", sa.String(length=64), nullable=True))
    op.create_table(
        "timezone_changes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("device_timezone", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.String(length=8), nullable=False),
        sa.Column("from_timezone", sa.String(length=64), nullable=False),
        sa.Column("to_timezone", sa.String(length=64), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=True),
        _instant("switch_at"),
        _instant("decided_at", nullable=False),
        _instant("applied_at"),
        _instant("cancelled_at"),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_timezone_changes_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_timezone_changes_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timezone_changes")),
    )
    with op.batch_alter_table("timezone_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_timezone_changes_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index("ix_timezone_changes_pending", ["applied_at", "switch_at"], unique=False)


def downgrade() -> None:
    op.drop_table("timezone_changes")
    op.execute("ALTER TABLE dose_logs DROP COLUMN device_timezone")
    for column in reversed(PARTICIPANT_COLUMNS):
        op.execute(f"ALTER TABLE participants DROP COLUMN {column}")
