"""oppfolging: sykmeldinger by person pseudonym, where they were sent, accepted plans and waiting plans.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oppfolging_sykmelding",
        sa.Column("sykmelding_id", sa.String(36), nullable=False),
        sa.Column("person_ref", sa.String(64), nullable=False),
        sa.Column("siste_tom", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("sykmelding_id", name="pk_oppfolging_sykmelding"),
    )
    op.create_index("ix_oppfolging_sykmelding_person_ref", "oppfolging_sykmelding", ["person_ref"])
    op.create_table(
        "oppfolging_sendt_sykmelding",
        sa.Column("sykmelding_id", sa.String(36), nullable=False),
        sa.Column("orgnummer", sa.String(9), nullable=False),
        sa.Column("juridisk_orgnummer", sa.String(9), nullable=False),
        sa.PrimaryKeyConstraint("sykmelding_id", name="pk_oppfolging_sendt_sykmelding"),
    )
    op.create_table(
        "oppfolging_plan",
        sa.Column("plan_uuid", sa.String(36), nullable=False),
        sa.Column("kvittering", sa.LargeBinary(), nullable=False),
        sa.Column("mottatt", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("plan_uuid", name="pk_oppfolging_plan"),
    )
    op.create_table(
        "oppfolging_ventende_plan",
        sa.Column("plan_uuid", sa.String(36), nullable=False),
        sa.Column("person_ref", sa.String(64), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=True),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("source_topic", sa.String(249), nullable=False),
        sa.Column("source_partition", sa.Integer(), nullable=False),
        sa.Column("source_offset", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("plan_uuid", name="pk_oppfolging_ventende_plan"),
    )
    op.create_index("ix_oppfolging_ventende_plan_person_ref", "oppfolging_ventende_plan", ["person_ref"])
    op.create_index("ix_oppfolging_ventende_plan_received_at", "oppfolging_ventende_plan", ["received_at"])


def downgrade() -> None:
    op.drop_table("oppfolging_ventende_plan")
    op.drop_table("oppfolging_plan")
    op.drop_table("oppfolging_sendt_sykmelding")
    op.drop_table("oppfolging_sykmelding")
