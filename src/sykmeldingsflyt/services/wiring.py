"""Subscribing a service to several topics, each record applied in its own stage transaction."""

from collections.abc import Iterable

from faststream.kafka import KafkaBroker

from sykmeldingsflyt.messaging.stage import Handler, PoisonHandler, Stage
from sykmeldingsflyt.messaging.topics import Topic
from sykmeldingsflyt.services.runtime import Service


def consume_all(
    service: Service, broker: KafkaBroker, inputs: Iterable[tuple[Topic, Handler]], on_poison: PoisonHandler
) -> None:
    """One stage per input topic, all under the service's name: its handled-event ids and outbox rows
    are the service's, whichever topic they came from."""
    for topic, handler in inputs:
        stage = Stage(
            name=service.name,
            database=service.runtime.database,
            handler=handler,
            on_poison=on_poison,
            on_commit=service.relay.notify,
        )
        service.consume(broker, topic, stage)
