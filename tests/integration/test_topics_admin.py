"""`topics create` against the real broker: idempotent, and each topic as the catalogue describes it."""

import asyncio

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
        "arbeidsgiver.soknad",
        "arbeidsgiver.sykmelding",
        "sykmelding.status",
        "sykmeldingsflyt.schemas",
    }


async def test_two_instances_creating_the_same_topics_at_once_both_return(kafka_settings: KafkaSettings) -> None:
    """Replicas starting together race to create the schema topic: the one that loses the race must
    still return normally (it once leaked a CancelledError that ended the service's start-up)."""
    wanted = catalogue(kafka_settings.topic_prefix)[:3]

    results = await asyncio.gather(*(create_topics(kafka_settings, wanted) for _ in range(4)), return_exceptions=True)

    assert not [result for result in results if isinstance(result, BaseException)], results
    created = [name for result in results if isinstance(result, list) for name in result]
    assert sorted(created) == sorted(topic.name for topic in wanted)
