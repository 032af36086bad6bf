"""oppgave: the tasks given to NAV, one per trigger.

Revision ID: 0005
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oppgave",
        sa.Column("oppgave_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("oppgave", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("oppgave_id", name="pk_oppgave"),
    )


def downgrade() -> None:
    op.drop_table("oppgave")
