"""Migration 0012_rom_motetid on SQLite and PostgreSQL: a dialogmøte event stored before it keeps its day and
has no meeting time, so the case room shows none rather than a wrong one; an event stored after keeps its
time, in UTC, through the round trip."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from sykmeldingsflyt.domain.timeline import DialogmoteStatus
from sykmeldingsflyt.gateway.rom.linjer import motelinje
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import TidslinjeDialogmote
from sykmeldingsflyt.storage.tidslinje import dialogmoter
from tests.integration.test_mottak_migration import _alembic

pytestmark = pytest.mark.integration

DAG = date(2026, 12, 1)
MOTETID = datetime(2027, 1, 14, 9, tzinfo=UTC)


def _row(hendelse_id: str) -> dict[str, object]:
    return {
        "hendelse_id": hendelse_id,
        "person_ref": "p",
        "orgnummer": "311000101",
        "mote_id": hendelse_id,
        "status": DialogmoteStatus.INNKALT.value,
        "dato": DAG,
    }


async def test_an_event_stored_before_has_no_meeting_time_and_one_stored_after_keeps_it(database: Database) -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(_alembic, "downgrade", "0011_ventende")
        old = sa.table("tidslinje_dialogmote", *(sa.column(name) for name in _row("")))
        await connection.execute(old.insert(), [_row("for")])
        await connection.run_sync(_alembic, "upgrade", "heads")
    async with database.session.begin() as session:
        session.add(TidslinjeDialogmote(**_row("etter"), motetid=MOTETID))
    async with database.session() as session:
        found = await dialogmoter(session, "p")

    assert [(hendelse.mote_id, hendelse.dato, hendelse.motetid) for _, hendelse in found] == [
        ("for", DAG, None),
        ("etter", DAG, MOTETID),
    ]
    assert [motelinje(orgnummer, hendelse, DAG).detaljer for orgnummer, hendelse in found] == [
        ("Med arbeidsgiver 311000101",),
        ("Tid: 14.01.2027 kl. 10:00", "Med arbeidsgiver 311000101"),
    ]
