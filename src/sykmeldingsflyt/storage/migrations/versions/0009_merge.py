"""Join the branches grown in parallel from 0007 (mottak's history, parked sykmeldinger, sealed dead letters,
the per-party doors, the shared rate limit, the outbox notices and the per-person cases) into one head,
so the next migration has one parent.

Revision ID: 0009
Revises: 0008_dlq, 0008_doors, 0008_history, 0008_operable, 0008_registers, 0008_resilience, 0008_timeline
"""

revision = "0009"
down_revision = (
    "0008_dlq",
    "0008_doors",
    "0008_history",
    "0008_operable",
    "0008_registers",
    "0008_resilience",
    "0008_timeline",
)
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
