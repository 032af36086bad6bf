"""Shared fixtures: a real Kafka broker and real databases (SQLite and PostgreSQL) for the whole session."""

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.engine import make_url

from sykmeldingsflyt.devkafka import LocalKafka
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.observability import tracing
from sykmeldingsflyt.storage.database import Database
from tests.support.kafka import delete_topics
from tests.support.postgres import temporary_cluster


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """KAFKA_BOOTSTRAP_SERVERS when given; a testcontainers broker with SYKMELDINGSFLYT_KAFKA=testcontainers
    (needs Docker and `pip install '.[docker]'`); otherwise a local Apache Kafka started for this session."""
    existing = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if existing:
        yield existing
    elif os.environ.get("SYKMELDINGSFLYT_KAFKA") == "testcontainers":
        yield from _testcontainers_kafka()
    else:
        with LocalKafka() as kafka:
            assert kafka.bootstrap_servers is not None  # __enter__ started it
            yield kafka.bootstrap_servers


def _testcontainers_kafka() -> Iterator[str]:
    from testcontainers.community.kafka import KafkaContainer  # noqa: PLC0415 - only where Docker runs

    # Confluent Platform 7.9 is Apache Kafka 3.9; transactions need their log on the single broker.
    container = (
        KafkaContainer("confluentinc/cp-kafka:7.9.0")
        .with_kraft()
        .with_env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
        .with_env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
        .with_env("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
    )
    with container:
        yield container.get_bootstrap_server()


@pytest.fixture
async def kafka_settings(kafka_bootstrap: str) -> AsyncIterator[KafkaSettings]:
    """Settings for a test of its own: a unique topic prefix keeps tests apart on one broker. Its topics
    are deleted afterwards: a catalogue is 142 partitions, and a broker that keeps every test's runs out of
    file handles and memory maps part-way through the suite, failing every test after."""
    settings = KafkaSettings(
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        SYKMELDINGSFLYT_TOPIC_PREFIX=f"t{uuid.uuid4().hex[:10]}.",
    )
    yield settings
    await delete_topics(settings)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    given = os.environ.get("TEST_POSTGRES_URL")
    if given:
        yield given
        return
    try:
        with temporary_cluster() as url:
            yield url
    except RuntimeError as missing:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(missing))


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of a fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db')}/test.sqlite"
    return await _fresh_postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
async def postgres_url(postgres_server: str) -> str:
    """The URL of a fresh, empty PostgreSQL database, for what only PostgreSQL does."""
    return await _fresh_postgres_database(postgres_server)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A fresh, migrated database of each kind."""
    db = Database(database_url)
    await db.migrate()
    yield db
    await db.dispose()


async def _fresh_postgres_database(server_url: str) -> str:
    name = f"test_{uuid.uuid4().hex[:12]}"
    server = make_url(server_url)
    connection = await asyncpg.connect(
        host=server.host,
        port=server.port,
        user=server.username,
        password=server.password,
        database=server.database,
    )
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return server.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for the test, its spans kept in memory as each ends; off again afterwards."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.install(None)
        provider.shutdown()
