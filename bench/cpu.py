"""What the CPU benchmarks (bench_*_cpu.py) share: a migrated database of their own and their arguments."""

import argparse
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database


@asynccontextmanager
async def database(name: str) -> AsyncIterator[Database]:
    """DATABASE_URL's database, or a new SQLite file; migrated, and disposed of afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    opened = Database(os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{folder / 'bench.sqlite'}")
    try:
        await opened.migrate()
        yield opened
    finally:
        await opened.dispose()


def runtime(database: Database) -> Runtime:
    """A runtime whose broker is never asked: the stages are fed directly."""
    return Runtime.from_env(KafkaSettings(bootstrap_servers="localhost:9092", topic_prefix="cpu."), database)


def arguments(doc: str | None, count: str, default: int, profile: str) -> argparse.Namespace:
    """`--<count>`, `--batch` and `--profile` (what `profile` says it saves)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(f"--{count}", type=int, default=default)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--profile", type=Path, help=f"save where {profile} (cProfile)")
    return parser.parse_args()
