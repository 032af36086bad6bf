"""Migrations on SQLite and PostgreSQL: a first migration killed part-way leaves the database as it was
and the next start completes it; every migration goes down and up again; the result is exactly the
table models of every service."""

import asyncio
import signal
import sys
from asyncio.subprocess import PIPE

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from sykmeldingsflyt.storage.database import Database, alembic_config
from sykmeldingsflyt.storage.tables import metadata

pytestmark = pytest.mark.integration


def _differences(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _versions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def _downgrade_to_base(connection: Connection) -> None:
    command.downgrade(alembic_config(connection), "base")


async def _assert_fully_migrated(database: Database) -> None:
    heads = set(ScriptDirectory.from_config(alembic_config(None)).get_heads())  # type: ignore[arg-type]
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []
        assert await connection.run_sync(_versions) == heads


@pytest.mark.parametrize("die_after", [1, 12, 0], ids=["first-statement", "twelfth-statement", "at-commit"])
async def test_a_first_migration_killed_part_way_leaves_nothing_and_the_next_start_completes(
    database_url: str, die_after: int
) -> None:
    killed = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.migrate_and_die", database_url, str(die_after), stderr=PIPE
    )
    _, errors = await asyncio.wait_for(killed.communicate(), timeout=120)
    assert killed.returncode == -signal.SIGKILL, errors.decode()[-2000:]

    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            assert await connection.run_sync(_tables) <= {"alembic_version"}
            assert await connection.run_sync(_versions) == set()
        await database.migrate()
        await _assert_fully_migrated(database)
    finally:
        await database.dispose()


async def test_every_migration_goes_down_and_up_again_to_exactly_the_table_models(database: Database) -> None:
    await _assert_fully_migrated(database)

    async with database.engine.begin() as connection:
        await connection.run_sync(_downgrade_to_base)
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_tables) <= {"alembic_version"}

    await database.migrate()
    await _assert_fully_migrated(database)
