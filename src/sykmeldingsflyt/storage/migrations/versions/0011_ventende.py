"""oppfolging_ventende_plan seals the waiting plan's key and value (an fnr and what employer and employee
wrote) with the dead-letter keyring; `key_id` names the key. Plans stored before stay in the clear (no key
id) until decided: a migration has no keyring to seal them with.

Revision ID: 0011_ventende
Revises: 0011_romhandling
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_ventende"
down_revision = "0011_romhandling"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oppfolging_ventende_plan") as batch:
        batch.add_column(sa.Column("key_id", sa.String(64), nullable=True))


def downgrade() -> None:
    sealed = op.get_bind().scalar(sa.text("SELECT count(*) FROM oppfolging_ventende_plan WHERE key_id IS NOT NULL"))
    if sealed:
        # Without its key id a sealed plan would be read as a record in the clear: garbage, and lost.
        raise RuntimeError(f"{sealed} waiting plans are sealed: let oppfolging settle them before downgrading")
    with op.batch_alter_table("oppfolging_ventende_plan") as batch:
        batch.drop_column("key_id")
