"""Run the migrations of a fresh database and SIGKILL this process part-way: a crash in the first migration.

`python -m tests.support.migrate_and_die URL N` dies right after the Nth DDL statement, or with N = 0 at
the commit, when every statement has run.
"""

import asyncio
import os
import signal
import sys
from typing import Any

from sqlalchemy import Engine, event

from sykmeldingsflyt.storage.database import Database


def main(url: str, die_after: int) -> None:
    statements = 0

    def count(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal statements
        if statement.lstrip().upper().startswith(("CREATE", "DROP", "ALTER")):
            statements += 1
            if statements == die_after:
                os.kill(os.getpid(), signal.SIGKILL)

    def commit(_connection: Any) -> None:
        if die_after == 0 and statements:
            os.kill(os.getpid(), signal.SIGKILL)

    # On the Engine class: Database.migrate() may make an engine of its own for the migration.
    event.listen(Engine, "after_cursor_execute", count)
    event.listen(Engine, "commit", commit)
    asyncio.run(Database(url).migrate())


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
