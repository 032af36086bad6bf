"""Creating the catalogue's topics on a cluster: idempotent, so it can run on every deploy."""

from collections.abc import Iterable

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import Topic

log = structlog.get_logger(__name__)

_TOPIC_ALREADY_EXISTS = 36  # Kafka protocol error code


async def create_topics(settings: KafkaSettings, topics: Iterable[Topic]) -> list[str]:
    """Create the topics that do not exist yet; returns the names created. Existing ones are left alone."""
    wanted = list(topics)
    admin = AIOKafkaAdminClient(**settings.aiokafka_kwargs())
    await admin.start()
    try:
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
        log.info("topics.created", topics=created, replication=replication)
        return created
    finally:
        await admin.close()
