"""cycles.confirmed_late_through: the days a late confirmation made dosing days nobody announced

A cycle confirmed for a past date turns the days in between into dosing days the patient was
never told about (CLINICAL.md, "The treatment"). The confirmation stores the last such day (the
days whose make-up cut-off had passed when the site confirmed); unless the patient logged them,
those days are shown as "confirmed late by the site" and left out of adherence and missed-dose
alerts. Stored, not recomputed, so a later change of the dose time cannot rewrite what the site
saw when it confirmed. Existing cycles get NULL (nothing confirmed late).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode: a batch on SQLite would copy ``cycles`` and drop its
# plan-token triggers (migration 0002) with the old table.
def upgrade() -> None:
    op.add_column("cycles", sa.Column("confirmed_late_through", sa.Date(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE cycles DROP COLUMN confirmed_late_through")
