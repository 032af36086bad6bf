"""Plain aiokafka clients for tests: they read and write the topics as a party's own system would."""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from sykmeldingsflyt.messaging.settings import KafkaSettings


@dataclass(frozen=True)
class Received:
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]

    @property
    def event_id(self) -> str:
        return self.headers["event-id"]


async def produce(settings: KafkaSettings, topic: str, messages: Iterable[tuple[bytes | None, bytes | None]]) -> None:
    producer = AIOKafkaProducer(**settings.aiokafka_kwargs(), acks="all", linger_ms=5)
    await producer.start()
    try:
        sent = [await producer.send(topic, value=value, key=key) for key, value in messages]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def read_topic(
    settings: KafkaSettings, topic: str, expected: int, timeout: float = 30.0, *, until_quiet: bool = True
) -> list[Received]:
    """Every committed message on `topic`: waits for `expected`, then (`until_quiet`) until a second
    passes without more, so that an unexpected extra message is caught too."""
    consumer = AIOKafkaConsumer(
        topic, **settings.aiokafka_kwargs(), isolation_level="read_committed", auto_offset_reset="earliest"
    )
    await consumer.start()
    seen: list[Received] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        quiet_rounds = 0
        while loop.time() < deadline and (len(seen) < expected or (until_quiet and quiet_rounds < 2)):
            batches = await consumer.getmany(timeout_ms=500)
            records = [record for batch in batches.values() for record in batch]
            quiet_rounds = 0 if records else quiet_rounds + 1
            seen.extend(
                Received(
                    key=record.key,
                    value=record.value,
                    headers={name: value.decode() for name, value in record.headers},
                )
                for record in records
            )
        return seen
    finally:
        await consumer.stop()


async def everything_on(settings: KafkaSettings, topic: str, timeout: float = 30.0) -> list[Received]:
    """Every committed message on `topic` up to its end now, read without a consumer group."""
    consumer = AIOKafkaConsumer(
        topic,
        **settings.aiokafka_kwargs(),
        isolation_level="read_committed",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen: list[Received] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        ends: dict[TopicPartition, int] = {}
        while not ends or [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            if loop.time() > deadline:
                raise TimeoutError(f"{topic} was not read to its end")
            batches = await consumer.getmany(timeout_ms=500)
            seen.extend(
                Received(record.key, record.value, {name: value.decode() for name, value in record.headers})
                for batch in batches.values()
                for record in batch
            )
            if not ends and consumer.assignment():
                ends = await consumer.end_offsets(list(consumer.assignment()))
        return seen
    finally:
        await consumer.stop()
