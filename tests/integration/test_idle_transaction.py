"""A process frozen inside a transaction (stopped, swapped out, paused by its host) holds its row locks only
until PostgreSQL's idle-in-transaction timeout: then another replica takes the rows, and the frozen one,
waking, meets an error that is retried as an outage, never blamed on a message."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text

from sykmeldingsflyt.messaging.transient import is_transient
from sykmeldingsflyt.storage.database import Database

pytestmark = pytest.mark.integration


async def test_a_frozen_transaction_is_ended_and_its_row_taken_by_another(postgres_url: str) -> None:
    frozen, other = Database(postgres_url, idle_in_transaction_timeout=timedelta(seconds=1)), Database(postgres_url)
    try:
        async with other.session.begin() as session:
            await session.execute(text("CREATE TABLE lease (id int PRIMARY KEY, holder text)"))
            await session.execute(text("INSERT INTO lease VALUES (1, 'frozen')"))

        async with frozen.session() as held:
            await held.execute(text("UPDATE lease SET holder = 'frozen' WHERE id = 1"))  # the row lock, kept

            async with other.session.begin() as session:  # waits for the lock until the server ends `held`
                await asyncio.wait_for(session.execute(text("UPDATE lease SET holder = 'other' WHERE id = 1")), 30)

            with pytest.raises(Exception) as woken:
                await held.execute(text("SELECT holder FROM lease"))
            assert is_transient(woken.value), repr(woken.value)

        async with frozen.session() as session:  # the pool gives a live connection again
            assert await session.scalar(text("SELECT holder FROM lease")) == "other"
    finally:
        await frozen.dispose()
        await other.dispose()


async def test_every_session_runs_under_the_default_timeout(postgres_url: str) -> None:
    database = Database(postgres_url)
    try:
        async with database.session() as session:
            assert await session.scalar(text("SHOW idle_in_transaction_session_timeout")) == "1min"
    finally:
        await database.dispose()
