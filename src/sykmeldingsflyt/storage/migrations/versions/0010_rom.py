"""gateway: the case room's sykmeldinger, in NAV's view, per case (sak) and per writing doctor.

Revision ID: 0010_rom
Revises: 0010_http15 (chained after it at merge)
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_rom"
down_revision = "0010_http15"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gateway_rom_sykmelding",
        sa.Column("sykmelding_id", sa.String(36), nullable=False),
        sa.Column("sak_ref", sa.String(64), nullable=False),
        sa.Column("behandler_ref", sa.String(64), nullable=False),
        sa.Column("sykmelding", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("sykmelding_id", name="pk_gateway_rom_sykmelding"),
    )
    op.create_index("ix_gateway_rom_sykmelding_sak_ref", "gateway_rom_sykmelding", ["sak_ref"])
    op.create_index("ix_gateway_rom_sykmelding_behandler_ref", "gateway_rom_sykmelding", ["behandler_ref"])


def downgrade() -> None:
    op.drop_table("gateway_rom_sykmelding")
