"""The database: SQLite by default, PostgreSQL via DATABASE_URL, both through SQLAlchemy's async engine."""

import asyncio
import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    url: str = Field(default="sqlite+aiosqlite:///var/sykmeldingsflyt.sqlite", validation_alias="DATABASE_URL")


def async_url(url: str) -> str:
    """Accept the URLs platforms hand out (postgres://, postgresql://) and pick the async drivers."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    driver = {"postgresql": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}.get(parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False) if driver else url


# A transaction left open this long belongs to a process that is frozen (stopped, swapped out, paused by its
# host), not to our work, whose transactions never wait on anything outside the database. PostgreSQL then
# ends that session, so the row locks it held (a relay's lease, a case's rows) stop blocking every other
# replica until the frozen process wakes; it finds its connection gone and retries as after an outage.
IDLE_IN_TRANSACTION_TIMEOUT = timedelta(seconds=60)


class Database:
    def __init__(self, url: str, *, idle_in_transaction_timeout: timedelta = IDLE_IN_TRANSACTION_TIMEOUT) -> None:
        self.url = make_url(async_url(url))
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        # An error's text never quotes the values of a statement: they may be an fnr or a diagnosis.
        options: dict[str, Any] = {"hide_parameters": True}
        if self.is_sqlite:
            if self.url.database and self.url.database != ":memory:":
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            options["connect_args"] = {"timeout": 30}
        else:
            timeout_ms = str(int(idle_in_transaction_timeout.total_seconds() * 1000))
            options |= {
                "pool_size": 10,
                "max_overflow": 10,
                "pool_pre_ping": True,
                "connect_args": {"server_settings": {"idle_in_transaction_session_timeout": timeout_ms}},
            }
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.session: async_sessionmaker[AsyncSession] = async_sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_env(cls) -> "Database":
        return cls(DatabaseSettings().url)

    async def migrate(self) -> None:
        """Bring the schema to the newest migrations (one branch per service may follow 0003); safe when
        several instances start at once, and all or nothing: a process killed half-way leaves the
        database as it was, and the next start migrates it from there."""
        with self._sqlite_migration_lock():
            engine = self._migration_engine()
            try:
                async with engine.begin() as connection:
                    if not self.is_sqlite:
                        await connection.execute(text("SELECT pg_advisory_xact_lock(7301)"))
                    await connection.run_sync(_upgrade)
            finally:
                if engine is not self.engine:
                    await engine.dispose()

    def _migration_engine(self) -> AsyncEngine:
        """PostgreSQL runs DDL in transactions as it is. Python's sqlite3 does not: it commits each
        CREATE TABLE on its own, so a crash left half a schema. An engine of its own, with the driver's
        transaction handling off and our own BEGIN, makes SQLite's (real) transactional DDL work."""
        if not self.is_sqlite:
            return self.engine
        engine = create_async_engine(
            self.url, hide_parameters=True, connect_args={"timeout": 30, "isolation_level": None}
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _begin_immediately)
        return engine

    async def answers(self, timeout: float = 5.0) -> bool:
        """Whether the database answers a trivial query now."""
        try:
            async with asyncio.timeout(timeout), self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()

    @contextmanager
    def _sqlite_migration_lock(self) -> Iterator[None]:
        if not self.is_sqlite or not self.url.database or self.url.database == ":memory:":
            yield
            return
        with open(f"{self.url.database}.migrate.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; NORMAL is durable in WAL mode across process crashes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_immediately(connection: Connection) -> None:
    # IMMEDIATE takes the write lock at once: the file lock already orders this host's migrations.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration, run on `connection` (in the caller's transaction); there is no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "heads")
