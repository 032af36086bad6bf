"""gateway: varsler and dialogmeldinger as feeds, for the employer's, the employee's and the clinic's doors.

Revision ID: 0008_doors
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_doors"
down_revision = "0007"
branch_labels = None
depends_on = None

_auto_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "gateway_varsel",
        sa.Column("position", _auto_id, primary_key=True, autoincrement=True),
        sa.Column("varsel_id", sa.String(36), nullable=False),
        sa.Column("mottaker", sa.String(16), nullable=False),
        sa.Column("orgnr", sa.String(9), nullable=True),
        sa.Column("person_ref", sa.String(64), nullable=False),
        sa.Column("varsel", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_gateway_varsel"),
        sa.UniqueConstraint("varsel_id", name="uq_gateway_varsel_varsel_id"),
    )
    op.create_index("ix_gateway_varsel_orgnr", "gateway_varsel", ["orgnr"])
    op.create_index("ix_gateway_varsel_person_ref", "gateway_varsel", ["person_ref"])
    op.create_table(
        "gateway_dialogmelding",
        sa.Column("position", _auto_id, primary_key=True, autoincrement=True),
        sa.Column("dialogmelding_id", sa.String(36), nullable=False),
        sa.Column("legekontor_her_id", sa.String(16), nullable=False),
        sa.Column("dialogmelding", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_gateway_dialogmelding"),
        sa.UniqueConstraint("dialogmelding_id", name="uq_gateway_dialogmelding_dialogmelding_id"),
    )
    op.create_index("ix_gateway_dialogmelding_legekontor_her_id", "gateway_dialogmelding", ["legekontor_her_id"])


def downgrade() -> None:
    op.drop_table("gateway_dialogmelding")
    op.drop_table("gateway_varsel")
