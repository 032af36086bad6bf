"""Migration 0011_romhandling on SQLite and PostgreSQL: a withdrawn employer view stored as a JSON null
becomes SQL NULL, and the table model writes a new withdrawal as SQL NULL, so `view IS NOT NULL` (the case
room's "sent to", who the leader is) counts only views."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import GatewayArbeidsgiverSykmelding
from tests.integration.test_mottak_migration import _alembic

pytestmark = pytest.mark.integration


def _row(sykmelding_id: str, view: object) -> dict[str, object]:
    return {
        "sykmelding_id": sykmelding_id,
        "orgnummer": "311000101",
        "juridisk_orgnummer": "311000004",
        "view": view,
        "updated_at": datetime(2026, 12, 1, tzinfo=UTC),
    }


async def test_a_withdrawn_view_is_sql_null_before_and_after_the_migration(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(_alembic, "downgrade", "0011_romtidslinje")
        old = sa.table(
            "gateway_arbeidsgiver_sykmelding",
            *(sa.column(name) for name in ("sykmelding_id", "orgnummer", "juridisk_orgnummer", "updated_at")),
            sa.column("view", sa.JSON),
        )
        await connection.execute(old.insert(), [_row("trukket", sa.JSON.NULL), _row("sendt", {"id": "sendt"})])
        await connection.run_sync(_alembic, "upgrade", "heads")
    async with database.session.begin() as session:
        session.add(GatewayArbeidsgiverSykmelding(**_row("trukket-etterpa", None)))
    async with database.session() as session:
        sent = await session.scalars(
            select(GatewayArbeidsgiverSykmelding.sykmelding_id).where(GatewayArbeidsgiverSykmelding.view.is_not(None))
        )
        withdrawn = await session.scalar(select(func.count()).where(GatewayArbeidsgiverSykmelding.view.is_(None)))
    assert (list(sent), withdrawn) == (["sendt"], 2)
