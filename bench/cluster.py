"""The Kafka a benchmark runs against: KAFKA_BOOTSTRAP_SERVERS, or a local broker started for the run."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sykmeldingsflyt import devkafka
from sykmeldingsflyt.messaging.settings import KafkaSettings


@contextmanager
def bench_kafka() -> Iterator[KafkaSettings]:
    """Settings for this run, with a topic prefix of its own so runs never share topics."""
    settings = KafkaSettings.from_env()
    kafka = None if settings.bootstrap_servers else devkafka.LocalKafka()
    try:
        if kafka is not None:
            settings = settings.model_copy(update={"bootstrap_servers": kafka.start()})
        yield settings.model_copy(update={"topic_prefix": f"bench{uuid.uuid4().hex[:6]}."})
    finally:
        if kafka is not None:
            kafka.stop()
