"""gateway: the accepted møtebehov each party reads its status from, and the employer views of søknader.

Revision ID: 0010_http15
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_http15"
down_revision = "0009"
branch_labels = None
depends_on = None

_auto_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "gateway_motebehov",
        sa.Column("motebehov_id", sa.String(36), nullable=False),
        sa.Column("person_ref", sa.String(64), nullable=False),
        sa.Column("orgnr", sa.String(9), nullable=False),
        sa.Column("motebehov", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("motebehov_id", name="pk_gateway_motebehov"),
    )
    op.create_index("ix_gateway_motebehov_person_ref", "gateway_motebehov", ["person_ref"])
    op.create_index("ix_gateway_motebehov_orgnr", "gateway_motebehov", ["orgnr"])
    op.create_table(
        "gateway_arbeidsgiver_soknad",
        sa.Column("position", _auto_id, primary_key=True, autoincrement=True),
        sa.Column("soknad_id", sa.String(36), nullable=False),
        sa.Column("sykmelding_id", sa.String(36), nullable=False),
        sa.Column("orgnummer", sa.String(9), nullable=False),
        sa.Column("soknad", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_gateway_arbeidsgiver_soknad"),
        sa.UniqueConstraint("soknad_id", name="uq_gateway_arbeidsgiver_soknad_soknad_id"),
    )
    op.create_index("ix_gateway_arbeidsgiver_soknad_orgnummer", "gateway_arbeidsgiver_soknad", ["orgnummer"])
    op.create_index("ix_gateway_arbeidsgiver_soknad_sykmelding_id", "gateway_arbeidsgiver_soknad", ["sykmelding_id"])


def downgrade() -> None:
    op.drop_table("gateway_arbeidsgiver_soknad")
    op.drop_table("gateway_motebehov")
