"""Plain aiokafka clients for tests: they read and write the topics as a party's own system would."""

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from sykmeldingsflyt.messaging.admin import admin_client
from sykmeldingsflyt.messaging.settings import KafkaSettings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Received:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]

    @property
    def event_id(self) -> str:
        return self.headers["event-id"]


async def produce(
    settings: KafkaSettings,
    topic: str,
    messages: Iterable[tuple[bytes | None, bytes | None]],
    headers: Sequence[tuple[str, bytes]] = (),
) -> None:
    """Each (key, value) on `topic`, in order, each with `headers`."""
    producer = AIOKafkaProducer(**settings.aiokafka_kwargs(), acks="all", linger_ms=5)
    await producer.start()
    try:
        sent = [await producer.send(topic, value=value, key=key, headers=list(headers)) for key, value in messages]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


# How long a topic's end offsets must stand still before a reader believes nothing more is coming.
SETTLE_SECONDS = 2.0


async def read_topic(
    settings: KafkaSettings,
    topic: str | Sequence[str],
    expected: int,
    timeout: float = 30.0,
    *,
    until_quiet: bool = True,
    settle: float = SETTLE_SECONDS,
) -> list[Received]:
    """Every committed message on `topic` (or topics): waits for `expected`, then (`until_quiet`) until
    the end offsets have stood still for `settle` seconds and everything before them is read, so that an
    unexpected extra message is caught too. `settle=0` reads up to the end offsets as they are now."""
    topics = [topic] if isinstance(topic, str) else list(topic)
    consumer = AIOKafkaConsumer(
        *topics, **settings.aiokafka_kwargs(), isolation_level="read_committed", auto_offset_reset="earliest"
    )
    await consumer.start()
    seen: list[Received] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        settled = _Settling(consumer, loop.time, settle)
        while loop.time() < deadline and (len(seen) < expected or (until_quiet and not await settled.all_read())):
            batches = await consumer.getmany(timeout_ms=200)
            seen.extend(
                Received(
                    topic=record.topic,
                    key=record.key,
                    value=record.value,
                    headers={name: value.decode() for name, value in record.headers},
                )
                for batch in batches.values()
                for record in batch
            )
        return seen
    finally:
        await consumer.stop()


async def settled_end_offsets(settings: KafkaSettings, topic: str, timeout: float = 60.0) -> int:
    """How many offsets `topic` has (records and transaction markers, committed) once its end offsets
    have stood still for SETTLE_SECONDS: 0 means nothing was ever written to it."""
    consumer = AIOKafkaConsumer(topic, **settings.aiokafka_kwargs(), isolation_level="read_committed")
    await consumer.start()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        settling = _Settling(consumer, loop.time)
        while not await settling.still():
            if loop.time() > deadline:
                raise TimeoutError(f"the end offsets of {topic} did not settle in {timeout} s")
            await consumer.getmany(timeout_ms=200)  # a fetch assigns the partitions
        return sum(settling.ends.values())
    finally:
        await consumer.stop()


class _Settling:
    """Watches a consumer's partitions' end offsets until they stand still."""

    def __init__(self, consumer: AIOKafkaConsumer, now: Callable[[], float], settle: float = SETTLE_SECONDS) -> None:
        self.consumer = consumer
        self.now = now
        self.settle = settle
        self.ends: dict[TopicPartition, int] = {}
        self.since = now()

    async def still(self) -> bool:
        # The caller's own fetch assigns the partitions; one here would drop what it fetched.
        partitions = self.consumer.assignment()
        if not partitions:
            return False
        ends = await self.consumer.end_offsets(list(partitions))
        if ends != self.ends:
            self.ends, self.since = ends, self.now()
        return self.now() - self.since >= self.settle

    async def all_read(self) -> bool:
        if not await self.still():
            return False
        positions = [await self.consumer.position(partition) for partition in self.ends]
        return all(position >= end for position, end in zip(positions, self.ends.values(), strict=True))


async def delete_topics(settings: KafkaSettings) -> None:
    """Every topic under the settings' (non-empty) prefix deleted. Best effort: a test that left the broker
    stopped has nothing to clean, and cleaning must not fail the test."""
    assert settings.topic_prefix, "never delete a whole cluster's topics"
    try:
        async with asyncio.timeout(30), admin_client(settings, request_timeout_ms=10_000) as admin:
            names = [name for name in await admin.list_topics() if name.startswith(settings.topic_prefix)]
            if names:
                await admin.delete_topics(names)
    except Exception as error:
        log.warning("test.topics_not_deleted", prefix=settings.topic_prefix, error=type(error).__name__)
