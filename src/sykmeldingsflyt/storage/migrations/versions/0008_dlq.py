"""operations: replay markers for dead letters; the audit log records why an operator looked.

Revision ID: 0008_dlq
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_dlq"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operations_replay",
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_operations_replay"),
    )
    with op.batch_alter_table("gateway_audit") as batch:
        batch.add_column(sa.Column("reason", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gateway_audit") as batch:
        batch.drop_column("reason")
    op.drop_table("operations_replay")
