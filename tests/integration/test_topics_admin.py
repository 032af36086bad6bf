"""`topics create` against the real broker: idempotent, and each topic as the catalogue describes it."""

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import Cleanup, catalogue

pytestmark = pytest.mark.integration


async def test_topics_are_created_once_with_their_partitions_and_cleanup_policy(kafka_settings: KafkaSettings) -> None:
    wanted = catalogue(kafka_settings.topic_prefix)
    first = await create_topics(kafka_settings, wanted)
    second = await create_topics(kafka_settings, wanted)

    assert sorted(first) == sorted(topic.name for topic in wanted)
    assert second == []
    admin = AIOKafkaAdminClient(**kafka_settings.aiokafka_kwargs())
    await admin.start()
    try:
        described = {t["topic"]: t for t in await admin.describe_topics([topic.name for topic in wanted])}
        configs = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic.name) for topic in wanted]
        )
    finally:
        await admin.close()
    policies = {
        resource[3]: {entry[0]: entry[1] for entry in resource[4]}["cleanup.policy"]
        for response in configs
        for resource in response.resources
    }
    for topic in wanted:
        assert len(described[topic.name]["partitions"]) == topic.partitions
        assert policies[topic.name] == topic.cleanup.value
    assert {t.name.removeprefix(kafka_settings.topic_prefix) for t in wanted if t.cleanup is Cleanup.COMPACT} == {
        "arbeidsgiver.sykmelding",
        "sykmelding.status",
    }
