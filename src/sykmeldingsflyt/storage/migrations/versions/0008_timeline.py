"""tidslinje: one case per person across employers, sykmeldinger in every status, sykepengesøknader,
the death date that ends a person's cases, and the dialogmøte-2 candidate's changes.

Cases stored per person and employer are kept as rows of the person; the next change for the person
rebuilds them as one case and keeps the oldest overlapping id (tilfelle.keep_ids).

Revision ID: 0008_timeline
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_timeline"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tidslinje_sykmelding") as batch:
        # Until now only sykmeldinger SENT to an employer counted: those with an orgnummer are SENDT.
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="NY"))
        batch.add_column(sa.Column("status_tidspunkt", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("inntruffet", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("egenmeldinger", sa.JSON(), nullable=False, server_default="[]"))
        batch.drop_index("ix_tidslinje_sykmelding_person")
        batch.create_index("ix_tidslinje_sykmelding_person", ["person_ref"])
    op.execute("UPDATE tidslinje_sykmelding SET status = 'SENDT' WHERE orgnummer IS NOT NULL")

    with op.batch_alter_table("tidslinje_tilfelle") as batch:
        batch.add_column(sa.Column("sykedager", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("arbeidsgivere", sa.JSON(), nullable=False, server_default="[]"))
        batch.drop_index("ix_tidslinje_tilfelle_person")
        batch.drop_column("orgnummer")
        batch.create_index("ix_tidslinje_tilfelle_person_ref", ["person_ref"])

    op.create_table(
        "tidslinje_soknad",
        sa.Column("soknad_id", sa.String(36), nullable=False),
        sa.Column("person_ref", sa.String(64), nullable=False),
        sa.Column("orgnummer", sa.String(9), nullable=True),
        sa.Column("perioder", sa.JSON(), nullable=False),
        sa.Column("sendt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("korrigerer", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("soknad_id", name="pk_tidslinje_soknad"),
    )
    op.create_index("ix_tidslinje_soknad_person_ref", "tidslinje_soknad", ["person_ref"])
    op.create_table(
        "tidslinje_kandidat_endring",
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("person_ref", sa.String(64), nullable=False),
        sa.Column("tilfelle_id", sa.String(36), nullable=False),
        sa.Column("tilfelle_start", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kandidat", sa.Boolean(), nullable=False),
        sa.Column("arsak", sa.String(32), nullable=False),
        sa.Column("unntak_arsak", sa.String(48), nullable=True),
        sa.Column("ikke_aktuell_arsak", sa.String(48), nullable=True),
        sa.PrimaryKeyConstraint("position", name="pk_tidslinje_kandidat_endring"),
        sa.UniqueConstraint("uuid", name="uq_tidslinje_kandidat_endring_uuid"),
    )
    op.create_index("ix_tidslinje_kandidat_endring_person_ref", "tidslinje_kandidat_endring", ["person_ref"])
    op.create_table(
        "tidslinje_person",
        sa.Column("person_ref", sa.String(64), nullable=False),
        sa.Column("dodsdato", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("person_ref", name="pk_tidslinje_person"),
    )


def downgrade() -> None:
    op.drop_table("tidslinje_person")
    op.drop_table("tidslinje_kandidat_endring")
    op.drop_table("tidslinje_soknad")
    with op.batch_alter_table("tidslinje_tilfelle") as batch:
        batch.drop_index("ix_tidslinje_tilfelle_person_ref")
        batch.add_column(sa.Column("orgnummer", sa.String(9), nullable=False, server_default=""))
        batch.drop_column("arbeidsgivere")
        batch.drop_column("sykedager")
        batch.create_index("ix_tidslinje_tilfelle_person", ["person_ref", "orgnummer"])
    with op.batch_alter_table("tidslinje_sykmelding") as batch:
        batch.drop_index("ix_tidslinje_sykmelding_person")
        batch.create_index("ix_tidslinje_sykmelding_person", ["person_ref", "orgnummer"])
        batch.drop_column("egenmeldinger")
        batch.drop_column("inntruffet")
        batch.drop_column("status_tidspunkt")
        batch.drop_column("status")
