"""tidslinje: sykmeldinger as the cases count them, the cases with their timers, dialogue meetings,
plans, and the actions fired.

Revision ID: 0005_tidslinje
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_tidslinje"
down_revision = "0005"
branch_labels = None
depends_on = None

_auto_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tidslinje_sykmelding",
        sa.Column("sykmelding_id", sa.String(36), nullable=False),
        sa.Column("person_ref", sa.String(64), nullable=True),
        sa.Column("perioder", sa.JSON(), nullable=False),
        sa.Column("orgnummer", sa.String(9), nullable=True),
        sa.PrimaryKeyConstraint("sykmelding_id", name="pk_tidslinje_sykmelding"),
    )
    op.create_index("ix_tidslinje_sykmelding_person", "tidslinje_sykmelding", ["person_ref", "orgnummer"])
    op.create_table(
        "tidslinje_tilfelle",
        sa.Column("tilfelle_id", sa.String(36), nullable=False),
        sa.Column("person_ref", sa.String(64), nullable=False),
        sa.Column("orgnummer", sa.String(9), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("slutt", sa.Date(), nullable=False),
        sa.Column("next_due", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("tilfelle_id", name="pk_tidslinje_tilfelle"),
    )
    op.create_index("ix_tidslinje_tilfelle_person", "tidslinje_tilfelle", ["person_ref", "orgnummer"])
    op.create_index("ix_tidslinje_tilfelle_next_due", "tidslinje_tilfelle", ["next_due"])
    op.create_table(
        "tidslinje_dialogmote",
        sa.Column("position", _auto_id, autoincrement=True, nullable=False),
        sa.Column("hendelse_id", sa.String(36), nullable=False),
        sa.Column("person_ref", sa.String(64), nullable=False),
        sa.Column("orgnummer", sa.String(9), nullable=False),
        sa.Column("mote_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dato", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_tidslinje_dialogmote"),
        sa.UniqueConstraint("hendelse_id", name="uq_tidslinje_dialogmote_hendelse_id"),
    )
    op.create_index("ix_tidslinje_dialogmote_person", "tidslinje_dialogmote", ["person_ref", "orgnummer"])
    op.create_table(
        "tidslinje_oppfolgingsplan",
        sa.Column("plan_uuid", sa.String(36), nullable=False),
        sa.Column("person_ref", sa.String(64), nullable=False),
        sa.Column("orgnummer", sa.String(9), nullable=False),
        sa.Column("mottatt", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("plan_uuid", name="pk_tidslinje_oppfolgingsplan"),
    )
    op.create_index("ix_tidslinje_oppfolgingsplan_person", "tidslinje_oppfolgingsplan", ["person_ref", "orgnummer"])
    op.create_table(
        "tidslinje_fired_action",
        sa.Column("action_id", sa.String(36), nullable=False),
        sa.Column("tilfelle_id", sa.String(36), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("action_id", name="pk_tidslinje_fired_action"),
    )
    op.create_index("ix_tidslinje_fired_action_tilfelle_id", "tidslinje_fired_action", ["tilfelle_id"])


def downgrade() -> None:
    op.drop_table("tidslinje_fired_action")
    op.drop_table("tidslinje_oppfolgingsplan")
    op.drop_table("tidslinje_dialogmote")
    op.drop_table("tidslinje_tilfelle")
    op.drop_table("tidslinje_sykmelding")
