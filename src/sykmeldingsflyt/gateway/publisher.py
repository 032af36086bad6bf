"""Sends what a client posted to its inbound topic, and returns only when the broker has it.

The producer is idempotent with acks=all: a send the client library retries is written once, and the
202 a client gets means every in-sync replica holds the message. A request that fails here leaves the
client free to retry with the same Idempotency-Key.
"""

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.gateway.problems import ApiError
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.topics import (
    MOTEBEHOV_FRA_PART,
    NAV_DIALOGMOTEKANDIDAT_VURDERING,
    NAV_OPPGAVE_BEHANDLET,
    OPPFOLGINGSPLAN_FRA_HR,
    SYKMELDING_FRA_EPJ,
    SYKMELDING_STATUS,
    Topic,
)
from sykmeldingsflyt.observability import tracing
from sykmeldingsflyt.services.runtime import Runtime

log = structlog.get_logger(__name__)

# The inbound topics the HTTP door writes for the parties behind it; the AsyncAPI document and the topic
# ACLs are made from this, so a route cannot write anywhere else.
PUBLISHES: tuple[Topic, ...] = (
    SYKMELDING_FRA_EPJ,
    SYKMELDING_STATUS,
    OPPFOLGINGSPLAN_FRA_HR,
    MOTEBEHOV_FRA_PART,
    NAV_DIALOGMOTEKANDIDAT_VURDERING,
    NAV_OPPGAVE_BEHANDLET,
)


class Publisher:
    def __init__(self, runtime: Runtime, request_timeout_ms: int = 10_000) -> None:
        self.runtime = runtime
        self.request_timeout_ms = request_timeout_ms
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        if self.runtime.schema_topic is not None:
            await self.runtime.schema_topic.publish()
        self._producer = AIOKafkaProducer(
            **self.runtime.kafka.aiokafka_kwargs(),
            client_id="sykmeldingsflyt-gateway",
            enable_idempotence=True,
            acks="all",
            request_timeout_ms=self.request_timeout_ms,
        )
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()

    async def publish(self, topic: Topic, key: str, model: DomainModel) -> None:
        assert self._producer is not None, "Publisher.start() was not called"
        if topic not in PUBLISHES:
            raise ValueError(f"the gateway does not write {topic.name}: add it to PUBLISHES and its ACLs")
        name = self.runtime.topics.name(topic)
        value = contracts.encode(self.runtime.codec, model, name)
        try:
            with tracing.publishing(name) as headers:
                await self._producer.send_and_wait(name, value=value, key=key.encode(), headers=headers)
        except KafkaError as error:
            log.warning("gateway.publish_failed", topic=name, error=type(error).__name__)
            raise ApiError(
                503,
                "BROKER_UNAVAILABLE",
                "The message was not confirmed by the broker; retry with the same Idempotency-Key.",
                headers={"Retry-After": "1"},
            ) from None
