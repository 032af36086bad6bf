"""The timer round and a stage on one person at once (PostgreSQL): the round claims people by their lock
before any row, so it skips a person a stage holds instead of deadlocking with it."""

import asyncio
from datetime import date

import pytest
from sqlalchemy import update

from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import TidslinjeTilfelle
from sykmeldingsflyt.storage.tidslinje import claim_due, lock_person

pytestmark = pytest.mark.integration

TODAY = date(2026, 12, 5)


def _case(tilfelle_id: str, person_ref: str) -> TidslinjeTilfelle:
    return TidslinjeTilfelle(
        tilfelle_id=tilfelle_id,
        person_ref=person_ref,
        start=date(2026, 9, 1),
        slutt=TODAY,
        sykedager=96,
        arbeidsgivere=[],
        next_due=TODAY,
    )


async def test_a_timer_round_leaves_a_person_a_stage_holds_and_none_of_its_rows_locked(postgres_url: str) -> None:
    database = Database(postgres_url)
    await database.migrate()
    try:
        async with database.session.begin() as session:
            session.add_all([_case("t1", "held-by-a-stage"), _case("t2", "free")])

        async with database.session.begin() as stage:
            await lock_person(stage, "held-by-a-stage")
            async with database.session.begin() as timer:
                assert await asyncio.wait_for(claim_due(timer, TODAY, 10), 10) == ["free"]
                # The stage goes on to the person's case row, which the round has not locked.
                await asyncio.wait_for(
                    stage.execute(
                        update(TidslinjeTilfelle).where(TidslinjeTilfelle.tilfelle_id == "t1").values(next_due=None)
                    ),
                    10,
                )
                async with database.session.begin() as other_instance:  # the claimed person is held too
                    assert await asyncio.wait_for(claim_due(other_instance, TODAY, 10), 10) == []

        async with database.session.begin() as timer:
            assert await claim_due(timer, TODAY, 10) == ["free"]
    finally:
        await database.dispose()
