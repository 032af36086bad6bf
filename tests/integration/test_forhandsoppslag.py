"""Forhandsoppslag: rows fetched for a batch answer `get` without the database; nothing else changes."""

from sykmeldingsflyt.domain.sykmelding import SykmeldingStatus
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.forhandsoppslag import Forhandsoppslag
from sykmeldingsflyt.storage.tables import PersonvernSykmelding
from tests.support.statements import statements as _statements


def _sykmelding(sykmelding_id: str) -> PersonvernSykmelding:
    return PersonvernSykmelding(
        sykmelding_id=sykmelding_id,
        nav_sykmelding=b"avro",
        validation_status="OK",
        status=SykmeldingStatus.APEN.value,
    )


async def test_fetched_rows_and_absent_keys_answer_without_a_query(database: Database) -> None:
    async with database.session.begin() as session:
        session.add(_sykmelding("kjent"))

    async with database.session.begin() as session:
        oppslag = Forhandsoppslag(session)
        assert [row.sykmelding_id for row in await oppslag.hent(PersonvernSykmelding, {"kjent", "ukjent"})] == ["kjent"]
        with _statements(database) as statements:
            kjent = await oppslag.get(PersonvernSykmelding, "kjent")
            ukjent = await oppslag.get(PersonvernSykmelding, "ukjent")
        assert kjent is not None and kjent.sykmelding_id == "kjent"
        assert ukjent is None
        assert statements == []

        # A key not fetched is asked of the database, as `session.get` does.
        with _statements(database) as statements:
            assert await oppslag.get(PersonvernSykmelding, "annen") is None
        assert len(statements) == 1


async def test_a_row_the_batch_adds_is_no_longer_absent(database: Database) -> None:
    async with database.session.begin() as session:
        oppslag = Forhandsoppslag(session)
        await oppslag.hent(PersonvernSykmelding, {"ny"})
        assert await oppslag.get(PersonvernSykmelding, "ny") is None
        oppslag.add(_sykmelding("ny"))
        added = await oppslag.get(PersonvernSykmelding, "ny")
        assert added is not None and added.sykmelding_id == "ny"

    async with database.session() as session:
        assert await session.get(PersonvernSykmelding, "ny") is not None
