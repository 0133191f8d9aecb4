"""participants.baseline_sbp / baseline_dbp and bp_readings.grading (CTCAE v6.0 baseline rise)

CTCAE v6.0 grades hypertension 3 also when SBP > 140 with a rise in SBP > 20 mmHg or in mean
arterial pressure > 15 mmHg from the participant's baseline (CLINICAL.md). The site records the
baseline at enrolment or later (optional, audited, with a reason); each reading stores the
evidence of its grade, including whether the baseline criterion could be applied. Existing rows
get NULL: no baseline recorded, and no grading evidence for readings graded before this change.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode: a batch on SQLite copies the table and renames the copy, which
# SQLite refuses while the plan-token triggers of migration 0002 name ``participants``. SQLite
# (3.35+) and PostgreSQL both add and drop columns in place.
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
DROPPED = (("bp_readings", "grading"), ("participants", "baseline_dbp"), ("participants", "baseline_sbp"))


def upgrade() -> None:
    op.add_column("participants", sa.Column("baseline_sbp", sa.Integer(), nullable=True))
    op.add_column("participants", sa.Column("baseline_dbp", sa.Integer(), nullable=True))
    op.add_column("bp_readings", sa.Column("grading", JSON, nullable=True))


def downgrade() -> None:
    for table, column in DROPPED:  # fixed names only
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
