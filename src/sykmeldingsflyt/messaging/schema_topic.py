"""The schema topic: every producer publishes the Avro schemas it writes with here before it writes, so
that a consumer built before a schema existed still finds it and reads the message with its own schema
(Avro schema resolution) instead of dead-lettering it. A rolling deploy then needs no stop.

Compacted, one partition, one record per schema keyed by its CRC-64-AVRO fingerprint (the one in the
single-object header). With a schema registry configured the registry plays this part instead.
"""

import asyncio
from collections.abc import Iterable

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fastavro.schema import SchemaParseException, UnknownType

from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.codec import SchemaStore
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import SYKMELDINGSFLYT_SCHEMAS, Topics

log = structlog.get_logger(__name__)


class SchemaTopic:
    def __init__(self, kafka: KafkaSettings, store: SchemaStore, topics: Topics) -> None:
        self.kafka = kafka
        self.store = store
        self.topic = SYKMELDINGSFLYT_SCHEMAS.prefixed(topics.prefix)
        self._read_to = 0
        self._reading = asyncio.Lock()

    async def publish(self) -> None:
        """Publish the schemas this build writes with (again: the topic keeps one record per schema)."""
        await create_topics(self.kafka, [self.topic])
        producer = AIOKafkaProducer(**self.kafka.aiokafka_kwargs(), acks="all", enable_idempotence=True)
        await producer.start()
        try:
            sent = [
                await producer.send(self.topic.name, key=schema.fingerprint.hex().encode(), value=schema.text.encode())
                for schema in self.store.writes()
            ]
            await asyncio.gather(*sent)
        finally:
            await producer.stop()

    async def learn_unknown(self, messages: Iterable[bytes | None]) -> None:
        """Before a batch is read: if a message names a schema this build does not know, read what the
        topic has gained since last time. Its producer published the schema before the message, so it
        is there by now; a fingerprint that is not is the message's problem, as before."""
        if any(message and self.store.is_unknown(message) for message in messages):
            await self.catch_up()

    async def catch_up(self) -> None:
        async with self._reading:
            partition = TopicPartition(self.topic.name, 0)
            consumer = AIOKafkaConsumer(**self.kafka.aiokafka_kwargs(), enable_auto_commit=False)
            await consumer.start()
            try:
                consumer.assign([partition])
                end = (await consumer.end_offsets([partition]))[partition]
                consumer.seek(partition, self._read_to)
                learned = 0
                while await consumer.position(partition) < end:
                    for record in (await consumer.getmany(partition, timeout_ms=1000)).get(partition, []):
                        learned += self._learn(record.value, record.offset)
                self._read_to = end
            finally:
                await consumer.stop()
        if learned:
            log.info("schemas.learned", topic=self.topic.name, schemas=learned)

    def _learn(self, value: bytes | None, offset: int) -> bool:
        if value is None:
            return False
        try:
            return self.store.learn(value.decode())
        except (ValueError, TypeError, KeyError, SchemaParseException, UnknownType):
            # Not a schema: someone else wrote here. Skipped, so one bad record cannot stop every reader.
            log.warning("schemas.unreadable", topic=self.topic.name, offset=offset)
            return False
