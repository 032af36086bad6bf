"""gateway: rate limits shared by every gateway instance.

Revision ID: 0008_resilience
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_resilience"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gateway_rate_limit",
        sa.Column("client", sa.String(160), nullable=False),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("client", name="pk_gateway_rate_limit"),
    )
    op.create_index("ix_gateway_rate_limit_tat", "gateway_rate_limit", ["tat"])


def downgrade() -> None:
    op.drop_table("gateway_rate_limit")
