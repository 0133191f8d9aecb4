"""signatures and data_queries; signing lock on staff_users; version on bp_readings, symptom_reports

Investigators sign complete cycles (21 CFR Part 11): ``signatures`` keeps each signature with
the hash and the document it attests to; a partial unique index allows one *valid* signature
per signer, cycle and meaning. ``staff_users`` counts wrong signing passwords and holds the lock
they cause. Monitors and sites exchange ``data_queries`` about single records; the site may
correct a BP reading or a symptom report's temperature, so those rows get a ``version`` too.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import backend.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
VALID = sa.text("status = 'valid'")


def _instant(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, backend.db.UTCDateTime(timezone=True), nullable=nullable)


def _signatures() -> None:
    op.create_table(
        "signatures",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("cycle_number", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("signer_id", sa.String(length=32), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("signer_email", sa.String(length=254), nullable=False),
        sa.Column("meaning", sa.String(length=20), nullable=False),
        _instant("signed_at"),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("content", JSON, nullable=False),
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        _instant("invalidated_at", nullable=True),
        sa.Column("invalidated_by_event_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_signatures_participant_id_participants")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_signatures_site_id_sites")),
        sa.ForeignKeyConstraint(
            ["signer_id"], ["staff_users.id"], name=op.f("fk_signatures_signer_id_staff_users")
        ),
        sa.ForeignKeyConstraint(
            ["invalidated_by_event_id"],
            ["audit_events.id"],
            name=op.f("fk_signatures_invalidated_by_event_id_audit_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatures")),
    )
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.create_index("ix_signatures_participant_cycle", ["participant_id", "cycle_number"])
        batch_op.create_index(batch_op.f("ix_signatures_site_id"), ["site_id"], unique=False)
        batch_op.create_index(
            "uq_signatures_valid",
            ["participant_id", "cycle_number", "signer_id", "meaning"],
            unique=True,
            sqlite_where=VALID,
            postgresql_where=VALID,
        )


def _data_queries() -> None:
    def staff_fk(column: str) -> sa.ForeignKeyConstraint:
        return sa.ForeignKeyConstraint(
            [column], ["staff_users.id"], name=op.f(f"fk_data_queries_{column}_staff_users")
        )

    op.create_table(
        "data_queries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=32), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("target_kind", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.String(length=32), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("target_field", sa.String(length=40), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("raised_by", sa.String(length=32), nullable=False),
        sa.Column("raised_by_role", sa.String(length=20), nullable=False),
        _instant("raised_at"),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        _instant("answered_at", nullable=True),
        sa.Column("correction_event_id", sa.Integer(), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        _instant("closed_at", nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _instant("updated_at"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name=op.f("fk_data_queries_site_id_sites")),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_data_queries_participant_id_participants")
        ),
        staff_fk("raised_by"),
        staff_fk("answered_by"),
        staff_fk("closed_by"),
        sa.ForeignKeyConstraint(
            ["correction_event_id"],
            ["audit_events.id"],
            name=op.f("fk_data_queries_correction_event_id_audit_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_queries")),
    )
    with op.batch_alter_table("data_queries", schema=None) as batch_op:
        batch_op.create_index("ix_data_queries_site_status", ["site_id", "status"])
        batch_op.create_index("ix_data_queries_participant", ["participant_id", "status"])


def upgrade() -> None:
    _signatures()
    _data_queries()
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("signing_wrong_passwords", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(_instant("signing_locked_until", nullable=True))
    for table in ("bp_readings", "symptom_reports"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    for table in ("symptom_reports", "bp_readings"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_column("signing_locked_until")
        batch_op.drop_column("signing_wrong_passwords")
    op.drop_table("data_queries")
    op.drop_table("signatures")
