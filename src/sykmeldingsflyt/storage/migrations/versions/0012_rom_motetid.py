"""tidslinje_dialogmote keeps when each meeting is (or was) held, NAV's dialogmoteTidspunkt, for the case
room. Events stored before have none (the time was not kept): the room shows no time for them.

Revision ID: 0012_rom_motetid
Revises: 0011_ventende
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_rom_motetid"
down_revision = "0011_ventende"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tidslinje_dialogmote") as batch:
        batch.add_column(sa.Column("motetid", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tidslinje_dialogmote") as batch:
        batch.drop_column("motetid")
