"""The relay sleeps when idle and wakes when a commit fills its outbox: in its process by `notify`, across
processes by PostgreSQL's LISTEN/NOTIFY. Its poll is set to ten minutes here, so only a wake-up publishes."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

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
LEASE = timedelta(seconds=2)


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


def _relay(
    database: Database,
    settings: KafkaSettings,
    holder: str,
    poll_interval: float = ASLEEP,
    transactional_id: str | None = None,
) -> OutboxRelay:
    return OutboxRelay(
        database,
        "waker",
        holder,
        settings.aiokafka_kwargs(),
        transactional_id=transactional_id or f"test-{uuid.uuid4().hex}",
        poll_interval=poll_interval,
        lease_ttl=LEASE,
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


async def test_a_standby_takes_the_lease_of_a_holder_that_vanished_once_it_expires(
    database: Database, kafka_settings: KafkaSettings, output_topic: str
) -> None:
    """No notice comes from a dead holder: the standby's poll finds the lease expired and takes it."""
    transactional_id = f"test-{uuid.uuid4().hex}"
    holder = asyncio.create_task(_relay(database, kafka_settings, "holder", transactional_id=transactional_id).run())
    await asyncio.sleep(3)  # the lease taken, the producer started
    holder.cancel()  # gone without handing the lease on, as a killed process is
    await asyncio.gather(holder, return_exceptions=True)
    await _commit_outbox_row(database, output_topic, "after-the-holder")
    standby = _relay(database, kafka_settings, "standby", poll_interval=0.5, transactional_id=transactional_id)
    task = asyncio.create_task(standby.run())
    try:
        published = await read_topic(kafka_settings, output_topic, expected=1, timeout=20)
    finally:
        standby.stop()
        await task

    assert [message.event_id for message in published] == ["after-the-holder"]
