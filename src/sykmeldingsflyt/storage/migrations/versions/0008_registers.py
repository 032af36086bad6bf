"""mottak_parkert: sykmeldinger waiting for a register that could not answer, in order per patient.

Revision ID: 0008_registers
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_registers"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mottak_parkert",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(300), nullable=False),
        sa.Column("pasient_ref", sa.String(64), nullable=False),
        sa.Column("register", sa.String(32), nullable=False),
        sa.Column("parkert", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forsok", sa.Integer(), nullable=False),
        sa.Column("neste_forsok", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.String(249), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=True),
        sa.Column("value", sa.LargeBinary(), nullable=True),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mottak_parkert"),
        sa.UniqueConstraint("event_id", name="uq_mottak_parkert_event_id"),
    )
    op.create_index("ix_mottak_parkert_pasient_ref", "mottak_parkert", ["pasient_ref"])
    op.create_index("ix_mottak_parkert_neste_forsok", "mottak_parkert", ["neste_forsok"])


def downgrade() -> None:
    op.drop_table("mottak_parkert")
