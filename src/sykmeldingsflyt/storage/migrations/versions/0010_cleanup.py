"""mottak_parkert seals the parked record's key and value (a sykmelding: an fnr and a diagnosis) with the
dead-letter keyring; `key_id` names the key. Rows parked before stay in the clear (no key id) until decided:
a migration has no keyring to seal them with.

Revision ID: 0010_cleanup
Revises: 0010_rom (chained after it at merge)
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_cleanup"
down_revision = "0010_rom"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mottak_parkert") as batch:
        batch.add_column(sa.Column("key_id", sa.String(64), nullable=True))


def downgrade() -> None:
    sealed = op.get_bind().scalar(sa.text("SELECT count(*) FROM mottak_parkert WHERE key_id IS NOT NULL"))
    if sealed:
        # Without its key id a sealed row would be read as a record in the clear: garbage, and lost.
        raise RuntimeError(f"{sealed} parked sykmeldinger are sealed: let mottak decide them before downgrading")
    with op.batch_alter_table("mottak_parkert") as batch:
        batch.drop_column("key_id")
