"""The relay sleeps when idle and wakes when a commit fills its outbox: in its process by `notify`, across
processes by PostgreSQL's LISTEN/NOTIFY. Its poll is set to ten minutes here, so only a wake-up publishes."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.relay import OutboxRelay
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import Party, Topic
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork
from tests.support.kafka import read_topic

pytestmark = pytest.mark.integration

ASLEEP = 600.0


@pytest.fixture
async def output_topic(kafka_settings: KafkaSettings) -> str:
    topic = Topic(
        name=f"{kafka_settings.topic_prefix}wake",
        key="test id",
        value_schema="none",
        description="test output",
        writers=frozenset(),
        readers=frozenset({Party.OPERATOR}),
        partitions=1,
    )
    await create_topics(kafka_settings, [topic])
    return topic.name


def _relay(database: Database, settings: KafkaSettings, holder: str) -> OutboxRelay:
    return OutboxRelay(
        database,
        "waker",
        holder,
        settings.aiokafka_kwargs(),
        transactional_id=f"test-{uuid.uuid4().hex}",
        poll_interval=ASLEEP,
    )


@pytest.fixture
async def sleeping_relay(database: Database, kafka_settings: KafkaSettings) -> AsyncIterator[OutboxRelay]:
    relay = _relay(database, kafka_settings, "leaseholder")
    task = asyncio.create_task(relay.run())
    await asyncio.sleep(3)  # its first step done: lease taken, producer started, asleep
    yield relay
    relay.stop()
    await task


async def _commit_outbox_row(database: Database, topic: str, event_id: str) -> None:
    async with database.session.begin() as session:
        UnitOfWork(session, "waker").publish(topic=topic, key=event_id, value=b"wake", event_id=event_id)


@pytest.mark.usefixtures("sleeping_relay")
async def test_a_commit_from_another_process_wakes_the_relay_on_postgresql(
    database: Database, kafka_settings: KafkaSettings, output_topic: str
) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite has no LISTEN/NOTIFY: across processes the slow poll finds the rows")
    # Another engine on the same database is what another process has: no in-process notify reaches the relay.
    elsewhere = Database(database.url.render_as_string(hide_password=False))
    try:
        await _commit_outbox_row(elsewhere, output_topic, "from-elsewhere")
    finally:
        await elsewhere.dispose()

    published = await read_topic(kafka_settings, output_topic, expected=1, timeout=20)

    assert [message.event_id for message in published] == ["from-elsewhere"]


async def test_a_standby_instance_s_commit_wakes_the_leaseholder_in_the_same_process(
    database: Database, kafka_settings: KafkaSettings, output_topic: str, sleeping_relay: OutboxRelay
) -> None:
    standby = _relay(database, kafka_settings, "standby")
    await _commit_outbox_row(database, output_topic, "from-standby")

    standby.notify()
    published = await read_topic(kafka_settings, output_topic, expected=1, timeout=20)

    assert [message.event_id for message in published] == ["from-standby"]
