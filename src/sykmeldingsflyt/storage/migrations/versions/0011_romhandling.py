"""A withdrawn employer view is SQL NULL: it was stored as a JSON null, which `view IS NOT NULL` counts as
a view, so the case room let the leader of a withdrawn sykmelding keep the case and failed on its card.

Revision ID: 0011_romhandling
Revises: 0010_cleanup
"""

from alembic import op

revision = "0011_romhandling"
down_revision = "0011_romtidslinje"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json_type = "json_type" if op.get_bind().dialect.name == "sqlite" else "json_typeof"
    op.execute(f"UPDATE gateway_arbeidsgiver_sykmelding SET view = NULL WHERE {json_type}(view) = 'null'")


def downgrade() -> None:
    # Either form reads as withdrawn to the code before this revision.
    pass
