"""Migration 0008_history on SQLite and PostgreSQL: it fills what rows stored before it can give, and leaves
mottak's tables exactly as the table models declare them."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from sykmeldingsflyt.domain.sykmelding import SykmeldingStatus
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.storage.database import MIGRATIONS, Database
from sykmeldingsflyt.storage.mottak_repository import Fingerprint, MottakRepository
from sykmeldingsflyt.storage.tables import metadata
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

pytestmark = pytest.mark.integration


def _alembic(connection: Connection, action: str, target: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    getattr(command, action)(config, target)


def _old_row(sykmelding_id: str, status: str) -> dict[str, object]:
    return {
        "sykmelding_id": sykmelding_id,
        "msg_id": f"msg-{sykmelding_id}",
        "content_hash": f"hash-{sykmelding_id}",
        "pasient_ref": "pasient",
        "hoveddiagnose": "L87",
        "status": status,
        "validation_status": "OK",
        "perioder": [["2026-10-01", "2026-10-31"]],
        "mottatt_dato": datetime(2026, 10, 1, 9, tzinfo=UTC),
    }


def _fingerprint() -> Fingerprint:
    return Fingerprint(msg_id="new", sykmelding_id="new", content_hash="new", pasient_ref="pasient")


def _mottak_differences(connection: Connection) -> list[object]:
    differences = compare_metadata(MigrationContext.configure(connection), metadata)
    return [difference for difference in differences if "mottak_" in repr(difference)]


async def test_old_rows_keep_what_they_had_and_the_schema_matches_the_models(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(_alembic, "downgrade", "0007")
        old = sa.table(
            "mottak_sykmelding",
            *(sa.column(name) for name in ("sykmelding_id", "msg_id", "content_hash", "pasient_ref", "hoveddiagnose")),
            *(sa.column(name) for name in ("status", "validation_status", "mottatt_dato")),
            sa.column("perioder", sa.JSON),
        )
        await connection.execute(old.insert(), [_old_row("a", "APEN"), _old_row("b", "AVBRUTT")])
        await connection.run_sync(_alembic, "upgrade", "heads")
        assert await connection.run_sync(_mottak_differences) == []

    async with database.session.begin() as session:
        repository = MottakRepository(UnitOfWork(session, "test"))
        await repository.load([_fingerprint()])
        kept = sorted(repository.tidligere(_fingerprint()), key=lambda t: t.sykmelding_id)
    assert [t.status for t in kept] == [SykmeldingStatus.APEN, SykmeldingStatus.AVBRUTT]
    first = kept[0]
    assert [(p.fom, p.tom, p.kind, p.grad) for p in first.perioder] == [
        (date(2026, 10, 1), date(2026, 10, 31), None, None)
    ]
    assert (first.hoveddiagnose_kode, first.hoveddiagnose_system) == ("L87", None)
    assert (first.regelstatus, first.merknader, first.signatur_dato) == (RuleStatus.OK, (), None)

    async with database.engine.begin() as connection:
        await connection.run_sync(_alembic, "downgrade", "0007")
        rows = await connection.execute(sa.select(old.c.perioder, old.c.status).order_by(old.c.sykmelding_id))
        assert [tuple(row) for row in rows] == [
            ([["2026-10-01", "2026-10-31"]], "APEN"),
            ([["2026-10-01", "2026-10-31"]], "AVBRUTT"),
        ]
