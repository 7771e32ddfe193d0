"""Hardening (issue 11): process leases for solve jobs, idempotency keys that outlive a transfer,
a reason for orders cancelled at their hearing, a version of each scenario's lists, and actor
columns wide enough for ``role:`` plus a 200-character subject.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
#: (table, column) naming an actor as ``role:subject`` (the audit log names tokens so too).
ACTOR_COLUMNS = (
    ("audit_log", "actor"),
    ("audit_log", "entity_id"),
    ("scenarios", "created_by"),
    ("orders", "created_by"),
    ("solve_jobs", "requested_by"),
)


def upgrade() -> None:
    op.create_table(
        "process_leases",
        sa.Column("owner", sa.String(200), primary_key=True),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("renewed_at", TS, nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("unit", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("claim_id", sa.Integer, sa.ForeignKey("claims.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_idempotency_keys_order_id", "idempotency_keys", ["order_id"])
    op.create_index("ix_idempotency_keys_claim_id", "idempotency_keys", ["claim_id"])
    # A key belongs to the unit that first sent it: the one that made the claim, which is the
    # giver of the claim's first accepted transfer if it was handed on, else its holder.
    op.execute("""
        INSERT INTO idempotency_keys (unit, key, order_id, claim_id)
        SELECT COALESCE((SELECT t.from_unit FROM transfers t WHERE t.claim_id = c.id AND t.status = 'accepted'
                         ORDER BY t.id LIMIT 1), c.unit), c.idempotency_key, c.order_id, c.id
        FROM claims c WHERE c.idempotency_key IS NOT NULL""")
    with op.batch_alter_table("claims") as batch:
        batch.drop_constraint("uq_claims_idempotency", type_="unique")
        batch.drop_column("idempotency_key")
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("cancel_reason", sa.Text, nullable=False, server_default=""))
    with op.batch_alter_table("scenarios") as batch:
        batch.add_column(sa.Column("lists_version", sa.Integer, nullable=False, server_default="0"))
    for table, column in ACTOR_COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(220), existing_type=sa.String(200), existing_nullable=False)


def downgrade() -> None:
    for table, column in ACTOR_COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=sa.String(200), existing_type=sa.String(220), existing_nullable=False)
    with op.batch_alter_table("scenarios") as batch:
        batch.drop_column("lists_version")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("cancel_reason")
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(200)))
        batch.create_unique_constraint("uq_claims_idempotency", ["unit", "idempotency_key"])
    op.drop_table("idempotency_keys")
    op.drop_table("process_leases")
