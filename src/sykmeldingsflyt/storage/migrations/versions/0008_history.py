"""mottak: the history NAV's rules read of earlier sykmeldinger (issue 11, DOMAIN.md §2.3).

Each stored sykmelding gets its hoveddiagnose system, its merknader, its signature day, and periods with
kind and grade; the employee's latest status moves to its own table, fed by sykmelding.status, so that a
status may arrive before its sykmelding.

What the rows stored before this revision can and cannot give:
- filled: fom and tom of every period, the hoveddiagnose code, the rule outcome, and the status (the old
  `status` column; every row intake wrote said APEN, and only another status is copied);
- merknader: none (intake recorded none before), so an old row is taken to have none;
- cannot be filled, left null: each period's kind and grade, the hoveddiagnose system, the signature
  day. An old row therefore never makes a new sykmelding a forlengelse or an ettersending (both need a
  period's kind), and its periods count as sick days for the syketilfelle even if one was avventende.

Revision ID: 0008_history
Revises: 0007
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008_history"
down_revision = "0007"
branch_labels = None
depends_on = None

_APEN = "APEN"

_sykmelding = sa.table(
    "mottak_sykmelding",
    sa.column("sykmelding_id", sa.String),
    sa.column("status", sa.String),
    sa.column("perioder", sa.JSON),
    sa.column("merknader", sa.JSON),
)
_status = sa.table("mottak_sykmelding_status", sa.column("sykmelding_id", sa.String), sa.column("status", sa.String))


def _med_type(perioder: list[Any]) -> list[dict[str, Any]]:
    return [{"fom": fom, "tom": tom, "type": None, "grad": None} for fom, tom in perioder]


def upgrade() -> None:
    op.create_table(
        "mottak_sykmelding_status",
        sa.Column("sykmelding_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("sykmelding_id", name="pk_mottak_sykmelding_status"),
    )
    with op.batch_alter_table("mottak_sykmelding") as batch:
        batch.add_column(sa.Column("hoveddiagnose_system", sa.String(32), nullable=True))
        batch.add_column(sa.Column("merknader", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("signatur_dato", sa.Date(), nullable=True))

    connection = op.get_bind()
    rows = connection.execute(sa.select(_sykmelding.c.sykmelding_id, _sykmelding.c.status, _sykmelding.c.perioder))
    for sykmelding_id, status, perioder in rows.all():
        connection.execute(
            _sykmelding.update()
            .where(_sykmelding.c.sykmelding_id == sykmelding_id)
            .values(perioder=_med_type(perioder), merknader=[])
        )
        if status != _APEN:
            connection.execute(_status.insert().values(sykmelding_id=sykmelding_id, status=status))

    with op.batch_alter_table("mottak_sykmelding") as batch:
        batch.alter_column("merknader", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("status")


def downgrade() -> None:
    with op.batch_alter_table("mottak_sykmelding") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default=_APEN))
    connection = op.get_bind()
    for sykmelding_id, status in connection.execute(sa.select(_status.c.sykmelding_id, _status.c.status)).all():
        connection.execute(
            _sykmelding.update().where(_sykmelding.c.sykmelding_id == sykmelding_id).values(status=status)
        )
    rows = connection.execute(sa.select(_sykmelding.c.sykmelding_id, _sykmelding.c.perioder)).all()
    for sykmelding_id, perioder in rows:
        ranges = [[periode["fom"], periode["tom"]] for periode in perioder]
        connection.execute(
            _sykmelding.update().where(_sykmelding.c.sykmelding_id == sykmelding_id).values(perioder=ranges)
        )
    with op.batch_alter_table("mottak_sykmelding") as batch:
        batch.drop_column("signatur_dato")
        batch.drop_column("merknader")
        batch.drop_column("hoveddiagnose_system")
    op.drop_table("mottak_sykmelding_status")
