"""personvern: sykmeldinger, applied status events and status events waiting for their sykmelding.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "personvern_sykmelding",
        sa.Column("sykmelding_id", sa.String(36), nullable=False),
        sa.Column("nav_sykmelding", sa.LargeBinary(), nullable=False),
        sa.Column("validation_status", sa.String(24), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sendt_til_orgnummer", sa.String(9), nullable=True),
        sa.Column("sendt_til_juridisk_orgnummer", sa.String(9), nullable=True),
        sa.PrimaryKeyConstraint("sykmelding_id", name="pk_personvern_sykmelding"),
    )
    op.create_table(
        "personvern_status_event",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("sykmelding_id", sa.String(36), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_personvern_status_event"),
    )
    op.create_index("ix_personvern_status_event_sykmelding_id", "personvern_status_event", ["sykmelding_id"])
    op.create_table(
        "personvern_ventende_status",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("sykmelding_id", sa.String(36), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("source_topic", sa.String(249), nullable=False),
        sa.Column("source_partition", sa.Integer(), nullable=False),
        sa.Column("source_offset", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_personvern_ventende_status"),
    )
    op.create_index("ix_personvern_ventende_status_sykmelding_id", "personvern_ventende_status", ["sykmelding_id"])
    op.create_index("ix_personvern_ventende_status_received_at", "personvern_ventende_status", ["received_at"])


def downgrade() -> None:
    op.drop_table("personvern_ventende_status")
    op.drop_table("personvern_status_event")
    op.drop_table("personvern_sykmelding")
