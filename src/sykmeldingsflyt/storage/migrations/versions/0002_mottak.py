"""mottak: the sykmeldinger accepted for processing.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mottak_sykmelding",
        sa.Column("sykmelding_id", sa.String(36), nullable=False),
        sa.Column("msg_id", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("pasient_ref", sa.String(64), nullable=False),
        sa.Column("hoveddiagnose", sa.String(16), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("validation_status", sa.String(24), nullable=False),
        sa.Column("perioder", sa.JSON(), nullable=False),
        sa.Column("mottatt_dato", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sykmelding_id", name="pk_mottak_sykmelding"),
        sa.UniqueConstraint("msg_id", name="uq_mottak_sykmelding_msg_id"),
        sa.UniqueConstraint("content_hash", name="uq_mottak_sykmelding_content_hash"),
    )
    op.create_index("ix_mottak_sykmelding_pasient_ref", "mottak_sykmelding", ["pasient_ref"])


def downgrade() -> None:
    op.drop_table("mottak_sykmelding")
