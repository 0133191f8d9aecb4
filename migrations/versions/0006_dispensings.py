"""dispensings: drug accountability (pill counts) per dispensing

The site records each supply handed out (date, strength, tablets) and, at the next visit, the
tablets returned and the date; the product reconciles the count with the diary (issue 20).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, backend.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "dispensings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("dispensed_on", sa.Date(), nullable=False),
        sa.Column("strength_mg", sa.Float(), nullable=False),
        sa.Column("tablets_dispensed", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.Column("tablets_returned", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        _instant("created_at"),
        _instant("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_dispensings_participant_id_participants")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_dispensings_site_id_sites")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispensings")),
    )
    with op.batch_alter_table("dispensings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispensings_participant_id"), ["participant_id"], unique=False)


def downgrade() -> None:
    op.drop_table("dispensings")
