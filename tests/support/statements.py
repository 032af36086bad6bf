"""The SQL statements a piece of code sends the database: to check what a batch asks, not how long it takes."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from sykmeldingsflyt.storage.database import Database


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The statements sent while in the block, in order."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
