"""The delivery mechanism against the real broker and both databases: stage, outbox and relay."""

import asyncio
import gc
import uuid
import weakref
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select, update

from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.relay import OutboxRelay
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.stage import Inbound, Stage
from sykmeldingsflyt.messaging.topics import Party, Topic
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import HandledEvent, OutboxMessage, RelayPosition
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork
from tests.support.kafka import read_topic

pytestmark = pytest.mark.integration


def _topic(settings: KafkaSettings) -> Topic:
    return Topic(
        name=f"{settings.topic_prefix}out",
        key="test id",
        value_schema="none",
        description="test output",
        writers=frozenset(),
        readers=frozenset({Party.OPERATOR}),
        partitions=3,
    )


@pytest.fixture
async def output_topic(kafka_settings: KafkaSettings) -> str:
    topic = _topic(kafka_settings)
    await create_topics(kafka_settings, [topic])
    return topic.name


def _relay(database: Database, settings: KafkaSettings, holder: str = "test-host") -> OutboxRelay:
    return OutboxRelay(
        database,
        "echo",
        holder,
        settings.aiokafka_kwargs(),
        transactional_id=f"test-{uuid.uuid4().hex}",
        poll_interval=0.05,
    )


def _inbound(offset: int, value: bytes) -> Inbound:
    return Inbound(topic="in", partition=0, offset=offset, key=b"k", value=value, headers=())


def _echo_to(topic: str):  # type: ignore[no-untyped-def]
    async def echo(uow: UnitOfWork, inbound: Inbound) -> None:
        assert inbound.value is not None
        uow.publish(topic=topic, key=inbound.value.decode(), value=inbound.value, event_id=f"echo-{inbound.event_id}")

    return echo


async def _nothing_poisonous(uow: UnitOfWork, inbound: Inbound, error: Exception) -> None:
    raise AssertionError(f"unexpected poison: {error}")


@pytest.fixture
async def relay_task(database: Database, kafka_settings: KafkaSettings) -> AsyncIterator[OutboxRelay]:
    relay = _relay(database, kafka_settings)
    task = asyncio.create_task(relay.run())
    yield relay
    relay.stop()
    await task


async def test_each_input_is_published_once_even_when_delivered_twice(
    database: Database, kafka_settings: KafkaSettings, output_topic: str, relay_task: OutboxRelay
) -> None:
    stage = Stage(
        name="echo",
        database=database,
        handler=_echo_to(output_topic),
        on_poison=_nothing_poisonous,
        on_commit=relay_task.notify,
    )
    batch = [_inbound(offset, f"message-{offset}".encode()) for offset in range(50)]
    await stage.process(batch[:30])
    await stage.process(batch)  # Kafka redelivers after a crash before the offset commit
    await stage.process(batch[10:20])

    published = await read_topic(kafka_settings, output_topic, expected=50)

    assert sorted(message.event_id for message in published) == sorted(f"echo-in:0:{n}" for n in range(50))
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(HandledEvent)) == 50


async def test_a_message_that_breaks_the_handler_is_isolated_and_the_rest_goes_through(
    database: Database, kafka_settings: KafkaSettings, output_topic: str, relay_task: OutboxRelay
) -> None:
    echo = _echo_to(output_topic)
    poisoned: list[int] = []

    async def fragile(uow: UnitOfWork, inbound: Inbound) -> None:
        if inbound.value == b"boom":
            raise ZeroDivisionError("a bug")
        await echo(uow, inbound)

    async def on_poison(uow: UnitOfWork, inbound: Inbound, error: Exception) -> None:
        assert isinstance(error, ZeroDivisionError)
        poisoned.append(inbound.offset)

    stage = Stage(name="echo", database=database, handler=fragile, on_poison=on_poison, on_commit=relay_task.notify)
    await stage.process([_inbound(0, b"a"), _inbound(1, b"boom"), _inbound(2, b"c")])
    await stage.process([_inbound(1, b"boom")])  # redelivered: already handled, not poisoned again

    published = await read_topic(kafka_settings, output_topic, expected=2)
    assert sorted(message.event_id for message in published) == ["echo-in:0:0", "echo-in:0:2"]
    assert poisoned == [1]


async def test_a_batch_is_freed_when_its_transaction_ends_without_the_garbage_collector(database: Database) -> None:
    """A batch's decoded messages and rows go at once, by reference counting: left to the collector, they cost
    mottak a tenth of its CPU and grew its memory with every batch not yet collected."""
    units: list[weakref.ref[UnitOfWork]] = []

    class Scratch:  # as mottak's: what `prepare` found, holding a repository that holds the unit of work
        def __init__(self, uow: UnitOfWork) -> None:
            self.uow = uow

    async def prepare(uow: UnitOfWork, batch: object) -> None:
        uow.scratch = Scratch(uow)
        units.append(weakref.ref(uow))

    stage = Stage(
        name="echo", database=database, handler=_echo_to("out"), on_poison=_nothing_poisonous, prepare=prepare
    )
    gc.disable()
    try:
        await stage.process([_inbound(offset, b"m") for offset in range(3)])
        assert units and all(unit() is None for unit in units)
    finally:
        gc.enable()


async def test_a_relay_that_died_after_the_kafka_commit_does_not_publish_again(
    database: Database, kafka_settings: KafkaSettings, output_topic: str
) -> None:
    async with database.session.begin() as session:
        uow = UnitOfWork(session, "echo")
        for n in range(20):
            uow.publish(topic=output_topic, key=str(n), value=str(n).encode(), event_id=f"e-{n}")

    first = _relay(database, kafka_settings, holder="host-a")
    first.stop()
    await first.run()  # publishes everything, then returns
    # The crash: Kafka committed the batch, the transaction that records it never happened.
    async with database.session.begin() as session:
        await session.execute(update(OutboxMessage).values(published_at=None))
        await session.execute(delete(RelayPosition))
    async with database.session.begin() as session:
        uow = UnitOfWork(session, "echo")
        uow.publish(topic=output_topic, key="new", value=b"new", event_id="e-new")

    second = _relay(database, kafka_settings, holder="host-a")
    second.stop()
    await second.run()

    published = await read_topic(kafka_settings, output_topic, expected=21)
    event_ids = [message.event_id for message in published]
    assert sorted(event_ids) == sorted([f"e-{n}" for n in range(20)] + ["e-new"])
    async with database.session() as session:
        pending = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.published_at.is_(None))
        )
    assert pending == 0


async def test_only_the_lease_holder_publishes(
    database: Database, kafka_settings: KafkaSettings, output_topic: str
) -> None:
    holder = _relay(database, kafka_settings, holder="host-a")
    standby = _relay(database, kafka_settings, holder="host-b")
    assert await holder._hold_lease()
    assert not await standby._hold_lease()
    assert await holder._hold_lease()  # renewing its own lease
