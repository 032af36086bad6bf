"""Creating the catalogue's topics on a cluster: idempotent, so it can run on every deploy."""

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import Topic

log = structlog.get_logger(__name__)

_TOPIC_ALREADY_EXISTS = 36  # Kafka protocol error code


@asynccontextmanager
async def admin_client(settings: KafkaSettings, **options: Any) -> AsyncIterator[AIOKafkaAdminClient]:
    """An admin client on the settings' cluster (its security included), closed however the block ends."""
    admin = AIOKafkaAdminClient(**settings.aiokafka_kwargs(), **options)
    try:
        await admin.start()
        yield admin
    finally:
        await admin.close()


async def create_topics(settings: KafkaSettings, topics: Iterable[Topic]) -> list[str]:
    """Create the topics that do not exist yet; returns the names created. Existing ones are left alone."""
    wanted = list(topics)
    async with admin_client(settings) as admin:
        existing = set(await admin.list_topics())
        brokers = len((await admin.describe_cluster())["brokers"])
        replication = min(3, brokers)
        missing = [topic for topic in wanted if topic.name not in existing]
        if not missing:
            return []
        response = await admin.create_topics(
            [
                NewTopic(
                    name=topic.name,
                    num_partitions=topic.partitions,
                    replication_factor=replication,
                    topic_configs=topic.config(),
                )
                for topic in missing
            ]
        )
        created = []
        for name, error_code, *_ in response.topic_errors:
            if error_code == 0:
                created.append(name)
            elif error_code != _TOPIC_ALREADY_EXISTS:  # another instance won the race: fine
                raise RuntimeError(f"could not create topic {name}: Kafka error code {error_code}")
        # Those another instance created too: they may not be served yet either. And with none, aiokafka's
        # consumer would stop before its coordinator's task ever ran, and raise that task's CancelledError.
        await _wait_until_served(settings, missing)
        log.info("topics.created", topics=created, replication=replication)
        return created


async def _wait_until_served(settings: KafkaSettings, topics: list[Topic]) -> None:
    """Return once every partition of `topics` answers: a topic exists before its partitions have a leader
    that serves them, and every client that comes in between logs a NotLeaderForPartitionError per partition."""
    consumer = AIOKafkaConsumer(**settings.aiokafka_kwargs(), enable_auto_commit=False)
    await consumer.start()
    try:
        # aiokafka asks again until each partition's leader answers (within its request timeout).
        await consumer.end_offsets([TopicPartition(topic.name, p) for topic in topics for p in range(topic.partitions)])
    finally:
        await consumer.stop()
