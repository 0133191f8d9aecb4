"""participants.plan_token: a new random value whenever a cycle, hold or dose change is written

The patient's own requests read their treatment plan on every call; a per-process cache of the
plan rows is keyed by (participant id, plan token), and the token is read with the participant
in the request's first query. The database, not the application, renews the token: a trigger on
each of cycles, holds and dose_changes sets a fresh random token on the participant for every
INSERT, UPDATE and DELETE, so no writer (a service, a migration, a data manager's SQL fix) can
change a plan without the cached copy going out of use. A random value rather than a counter:
a transaction that changed a plan and rolled back can never leave behind a token that a later
change reuses.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAN_TABLES = ("cycles", "holds", "dose_changes")

# Fixed statements only (table names from PLAN_TABLES); nothing here comes from input.
SQLITE_RENEW = "UPDATE participants SET plan_token = lower(hex(randomblob(16)))"
POSTGRES_RENEW = "UPDATE participants SET plan_token = replace(gen_random_uuid()::text, '-', '')"


def _sqlite_create(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_plan_token_insert AFTER INSERT ON {table} "
        f"BEGIN {SQLITE_RENEW} WHERE id = NEW.participant_id; END",
        f"CREATE TRIGGER {table}_plan_token_update AFTER UPDATE ON {table} "
        f"BEGIN {SQLITE_RENEW} WHERE id IN (OLD.participant_id, NEW.participant_id); END",
        f"CREATE TRIGGER {table}_plan_token_delete AFTER DELETE ON {table} "
        f"BEGIN {SQLITE_RENEW} WHERE id = OLD.participant_id; END",
    ]


def _sqlite_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_plan_token_{op_}" for op_ in ("insert", "update", "delete")]


POSTGRES_FUNCTION = f"""CREATE OR REPLACE FUNCTION participants_renew_plan_token() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {POSTGRES_RENEW} WHERE id = OLD.participant_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {POSTGRES_RENEW} WHERE id = NEW.participant_id;
        END IF;
        RETURN NULL;
    END $$"""


def _postgres_create(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_plan_token AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION participants_renew_plan_token()"
    ]


def _postgres_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_plan_token ON {table}"]


def upgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_token", sa.String(length=32), nullable=False, server_default=""))
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = [s for table in PLAN_TABLES for s in _sqlite_create(table)]
        op.execute(SQLITE_RENEW)
    elif dialect == "postgresql":
        statements = [POSTGRES_FUNCTION] + [s for table in PLAN_TABLES for s in _postgres_create(table)]
        op.execute(POSTGRES_RENEW)
    else:
        raise RuntimeError(f"no plan-token triggers for dialect {dialect}")
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = [s for table in PLAN_TABLES for s in _sqlite_drop(table)]
    else:
        statements = [s for table in PLAN_TABLES for s in _postgres_drop(table)]
        statements.append("DROP FUNCTION IF EXISTS participants_renew_plan_token()")
    for statement in statements:
        op.execute(statement)
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("plan_token")
