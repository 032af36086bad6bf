"""Rows a batch will look up by primary key, fetched in one query before its messages are handled.

A stage's handler asks for rows one message at a time (`session.get`), and each question that the
session cannot answer from what it holds is a round trip to the database: on SQLite through aiosqlite's
thread, several times what handling the message costs. Fetched beforehand, a row is in the session and
`get` answers at once; a key fetched and not found is remembered as absent, until the batch adds it.
Asked for a key not fetched, `get` asks the database as before: the hints only save time.
"""

from collections.abc import Iterable
from typing import Any, TypeVar, cast

from sqlalchemy import Column, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.storage.tables import Base

T = TypeVar("T", bound=Base)


class Forhandsoppslag:
    """`get` as the session's, with what `hent` fetched beforehand."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._fravarende: set[tuple[type[Base], Any]] = set()
        # The session holds the rows it has not changed only weakly: these keep them there for the batch.
        self._rader: list[Base] = []

    async def hent(self, table: type[T], keys: Iterable[Any]) -> list[T]:
        """Fetch the rows of `table` with these (single-column) primary keys into the session; returns them."""
        wanted = set(keys)
        if not wanted:
            return []
        column = _key_column(table)
        rows = list(await self.session.scalars(select(table).where(column.in_(wanted))))
        found = {getattr(row, column.name) for row in rows}
        self._fravarende.update((table, key) for key in wanted - found)
        self._rader += rows
        return rows

    async def get(self, table: type[T], key: Any) -> T | None:
        if (table, key) in self._fravarende:
            return None
        return await self.session.get(table, key)

    def add(self, row: Base) -> None:
        """`session.add(row)`, its key no longer absent."""
        table = type(row)
        self._fravarende.discard((table, getattr(row, _key_column(table).name)))
        self.session.add(row)


def _key_column(table: type[Base]) -> Column[Any]:
    # The tables looked up this way name their attributes as their columns.
    (column,) = inspect(table).primary_key
    return cast(Column[Any], column)
