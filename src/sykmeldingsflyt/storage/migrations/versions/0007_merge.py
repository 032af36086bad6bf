"""Join the branches the services grew in parallel from 0003 (oppfolging, oppgave and tidslinje, gateway)
into one head, so the next migration has one parent.

Revision ID: 0007
Revises: 0004, 0005_tidslinje, 0006
"""

revision = "0007"
down_revision = ("0004", "0005_tidslinje", "0006")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
