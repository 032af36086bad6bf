"""The parties' own systems, as the demonstration plays them: plain Kafka clients on the topics."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.topics import Topic
from sykmeldingsflyt.services.runtime import Runtime, Service

M = TypeVar("M", bound=DomainModel)
Printer = Callable[[str], None]


@dataclass
class Demo:
    """What every scene of the demonstration shares."""

    runtime: Runtime
    services: list[Service]
    out: Printer
    facts: dict[str, Any] = field(default_factory=dict)  # what one scene leaves for the next

    def heading(self, text: str) -> None:
        self.out(f"\n== {text} ==")

    async def send(self, topic: Topic, messages: list[tuple[str, DomainModel | bytes]]) -> None:
        """Publish as a party's system would: keyed, acknowledged by every replica."""
        name = self.runtime.topics.name(topic)
        producer = AIOKafkaProducer(**self.runtime.kafka.aiokafka_kwargs(), acks="all")
        await producer.start()
        try:
            for key, message in messages:
                value = message if isinstance(message, bytes) else contracts.encode(self.runtime.codec, message, name)
                await producer.send_and_wait(name, value=value, key=key.encode())
        finally:
            await producer.stop()

    async def receive(
        self, topic: Topic, model: type[M], expected: int, timeout: float = 30.0, *, everything: bool = False
    ) -> list[M]:
        """Read a topic from the start, committed messages only, as the entitled party's consumer would:
        until `expected` messages came, or with `everything` on until the topic has been quiet a second."""
        return [
            contracts.decode(self.runtime.codec, value, model)
            for value in await self.receive_raw(topic, expected, timeout, everything=everything)
            if value is not None
        ]

    async def receive_raw(
        self, topic: Topic, expected: int, timeout: float = 30.0, *, everything: bool = False
    ) -> list[bytes | None]:
        consumer = AIOKafkaConsumer(
            self.runtime.topics.name(topic),
            **self.runtime.kafka.aiokafka_kwargs(),
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        await consumer.start()
        received: list[bytes | None] = []
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                batches = await consumer.getmany(timeout_ms=1000 if everything else 500)
                for records in batches.values():
                    received.extend(record.value for record in records)
                if len(received) >= expected and (not everything or not batches):
                    break
            return received
        finally:
            await consumer.stop()
