"""team_waits (wait for your study team), alert decisions, site day and night phone numbers

A confirmed >=160/100 sitting puts the participant in a wait-for-team state until the site
records its decision on the alert (CLINICAL.md, "Blood pressure"): ``team_waits`` keeps each
state with the days it covers (one open state per participant, a partial unique index), and
``alerts`` gets the decision, who made it and when. Sites get ``phone_day`` / ``phone_night``,
shown to patients as tap-to-call links in urgent advice. ``bp_readings`` records whether a
single high reading asked for a repeat, and when the scheduler nudged and closed it ("a repeat
that never comes": one push, then a review alert).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("ended_at IS NULL")


def _instant(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, backend.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "team_waits",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("alert_id", sa.String(length=32), nullable=False),
        _instant("started_at"),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        _instant("ended_at", nullable=True),
        sa.Column("ended_by", sa.String(length=32), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_team_waits_participant_id_participants")
        ),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name=op.f("fk_team_waits_alert_id_alerts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_waits")),
    )
    with op.batch_alter_table("team_waits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_waits_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index("ix_team_waits_participant", ["participant_id", "first_day"], unique=False)
        batch_op.create_index(
            "uq_team_waits_open", ["participant_id"], unique=True, sqlite_where=OPEN, postgresql_where=OPEN
        )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("decided_by", sa.String(length=32), nullable=True))
        batch_op.add_column(_instant("decided_at", nullable=True))
    with op.batch_alter_table("bp_readings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("repeat_requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(_instant("repeat_nudged_at", nullable=True))
        batch_op.add_column(_instant("repeat_closed_at", nullable=True))
        batch_op.create_index("ix_bp_readings_repeat_open", ["repeat_requested", "repeat_closed_at"])
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_day", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("phone_night", sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.drop_table("team_waits")
    op.drop_index("ix_bp_readings_repeat_open", table_name="bp_readings")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35 and PostgreSQL): a batch copy of sites or
    # alerts would drop a table that other rows reference, which SQLite's foreign keys refuse.
    for table, column in (
        ("sites", "phone_night"),
        ("sites", "phone_day"),
        ("alerts", "decided_at"),
        ("alerts", "decided_by"),
        ("alerts", "decision"),
        ("bp_readings", "repeat_closed_at"),
        ("bp_readings", "repeat_nudged_at"),
        ("bp_readings", "repeat_requested"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
