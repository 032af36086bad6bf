"""What every service is given: its runtime (settings, database, codec, topics, probes), a batch subscriber
per stage on the process's FastStream broker, and one outbox relay.

A service is a class with a name and `subscribe(broker)`; the runtime builds the rest, and services/process.py
runs services as one FastStream application. Several services run in one process (the demonstration, small
installations) or each in its own (production, scaled out as a consumer group).
"""

import gc
import os
import secrets
import socket
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import ClassVar, Self

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sykmeldingsflyt.domain.clock import Clock, SystemClock
from sykmeldingsflyt.logs import bind_call
from sykmeldingsflyt.messaging.codec import AvroCodec, SchemaStore
from sykmeldingsflyt.messaging.dead_letter import DeadLetterKeyring, DeadLetters
from sykmeldingsflyt.messaging.relay import OutboxRelay
from sykmeldingsflyt.messaging.schema_registry import ConfluentSchemaRegistry
from sykmeldingsflyt.messaging.schema_topic import SchemaTopic
from sykmeldingsflyt.messaging.settings import KafkaSettings, SettingsError, read_settings
from sykmeldingsflyt.messaging.stage import Inbound, Stage
from sykmeldingsflyt.messaging.topics import Topic, Topics
from sykmeldingsflyt.observability import metrics
from sykmeldingsflyt.observability.probes import Health
from sykmeldingsflyt.profiles import Profile, check_pseudonym_key, detect_profile
from sykmeldingsflyt.registers.files import bundled_registre
from sykmeldingsflyt.registers.registre import Registre
from sykmeldingsflyt.registers.settings import RegisterSettings, open_registre
from sykmeldingsflyt.storage.database import Database

_DEVELOPMENT_KEY = "sykmeldingsflyt-development-only-pseudonym-key"
# Public, so dead letters sealed with it are as good as clear: for development only.
_DEVELOPMENT_DEAD_LETTER_KEYS = "dev:ZGV2ZWxvcG1lbnQtb25seS1kZWFkLWxldHRlci1rZXk="


# A member that stops heartbeating (killed, hung, cut off) loses its partitions after this long: the
# broker's smallest allowed session (group.min.session.timeout.ms), since a stage's work between polls
# is bounded by max.poll.interval, not by heartbeats. A replica that stops in order leaves at once
# (dynamic membership) or, under static membership, is expected back within the same window.
SESSION_TIMEOUT_MS = 6000
HEARTBEAT_INTERVAL_MS = 1500


def _unique_instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SYKMELDINGSFLYT_", extra="ignore")

    # Unique per process unless set: two replicas on one host must never both hold a relay's lease.
    instance_id: str = Field(default_factory=_unique_instance_id)
    # A name stable across restarts (a StatefulSet pod's name), unique per replica: it turns on static
    # group membership, so a restarted replica gets its partitions back at once, without a rebalance.
    replica: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]+$")
    pseudonym_key_text: SecretStr = Field(
        default=SecretStr(_DEVELOPMENT_KEY), validation_alias="SYKMELDINGSFLYT_PSEUDONYM_KEY"
    )
    max_message_bytes: int = Field(default=1024 * 1024, gt=0)
    dead_letter_keys: SecretStr = Field(default=SecretStr(_DEVELOPMENT_DEAD_LETTER_KEYS))
    """The dead-letter keyring, `id:base64,...` of 32-byte AES keys (SYKMELDINGSFLYT_DEAD_LETTER_KEYS)."""
    dead_letter_key_id: str | None = None
    """The key new dead letters are sealed with (default: the first listed); the others only open."""
    profile: Profile = Field(default_factory=detect_profile)

    @classmethod
    def from_env(cls) -> "ServiceSettings":
        """Read the environment; a problem becomes a SettingsError naming the variable."""
        return read_settings(cls, "service")

    @model_validator(mode="after")
    def _secret_keys(self) -> "ServiceSettings":
        check_pseudonym_key(
            self.pseudonym_key,
            given="pseudonym_key_text" in self.model_fields_set,
            development_key=_DEVELOPMENT_KEY.encode(),
            profile=self.profile,
        )
        if (
            self.profile is Profile.PRODUCTION
            and self.dead_letter_keys.get_secret_value() == _DEVELOPMENT_DEAD_LETTER_KEYS
        ):
            raise SettingsError(
                "SYKMELDINGSFLYT_DEAD_LETTER_KEYS: the production profile needs keys of its own; "
                "the development keys are public"
            )
        return self

    @property
    def pseudonym_key(self) -> bytes:
        return self.pseudonym_key_text.get_secret_value().encode()

    @property
    def dead_letter_keyring(self) -> DeadLetterKeyring:
        return DeadLetterKeyring.parse(self.dead_letter_keys.get_secret_value(), self.dead_letter_key_id)

    @model_validator(mode="after")
    def _keyring_usable(self) -> Self:
        self.dead_letter_keyring  # noqa: B018 - a KeyringError is a ValueError: refused at start-up
        return self


YOUNG_GC_THRESHOLD = 10_000


def settle_heap() -> None:
    """Put what start-up made (modules, schemas, the ORM's mappers, the registers) out of the garbage
    collector's sight: it lives as long as the process, and each full collection would walk all of it
    again, a fifth of mottak's CPU per sykmelding (bench/bench_mottak_cpu.py). Called once started."""
    gc.collect()
    gc.freeze()
    # A batch keeps its 500 decoded messages alive until it commits: at the default threshold (700) the
    # young generations are walked over them again and again (mottak: 35 against 25 CPU us per sykmelding).
    # Nearly all of it is freed by reference counting anyway; cycles wait a little longer.
    gc.set_threshold(YOUNG_GC_THRESHOLD, *gc.get_threshold()[1:])


@dataclass
class Runtime:
    kafka: KafkaSettings
    database: Database
    codec: AvroCodec
    topics: Topics
    clock: Clock = field(default_factory=SystemClock)
    settings: ServiceSettings = field(default_factory=ServiceSettings)
    # Shared by copies made with `with_settings`: one process, one set of probes.
    health: Health = field(default_factory=Health)
    # Where this build's schemas are published before it writes and other builds' are found (rolling deploys):
    # the schema registry when one is configured, else the schema topic.
    schema_topic: SchemaTopic | ConfluentSchemaRegistry | None = None
    registre: Registre = field(default_factory=bundled_registre)
    """The outside registers (HPR, PDL, ...) the services ask; `SYKMELDINGSFLYT_REGISTERS` chooses them."""

    @classmethod
    def from_env(
        cls, kafka: KafkaSettings, database: Database, clock: Clock | None = None, registre: Registre | None = None
    ) -> "Runtime":
        store, topics = SchemaStore(), Topics(kafka.topic_prefix)
        registry = ConfluentSchemaRegistry.from_settings(kafka, store) if kafka.schema_registry_url else None
        return cls(
            kafka=kafka,
            database=database,
            codec=AvroCodec(store, registry),
            topics=topics,
            clock=clock or SystemClock(),
            schema_topic=registry or SchemaTopic(kafka, store, topics),
            registre=registre or open_registre(RegisterSettings.from_env()),
        )

    @cached_property
    def dead_letters(self) -> DeadLetters:
        return DeadLetters(self.codec, self.settings.dead_letter_keyring)

    def with_settings(self, settings: ServiceSettings) -> "Runtime":
        """The same runtime as another instance would have it (tests run several in one process)."""
        return replace(self, settings=settings)

    def relay_for(self, producer_name: str) -> OutboxRelay:
        return OutboxRelay(
            self.database,
            producer_name,
            self.settings.instance_id,
            self.kafka.aiokafka_kwargs(),
            transactional_id=f"sykmeldingsflyt-{self.topics.prefix}{producer_name}",
        )


class Service(ABC):
    name: ClassVar[str]
    # What the service writes, the dead-letter twins of the inbound topics it dead-letters included (what it
    # reads, its subscribers tell): the AsyncAPI document and the topic ACLs are made from it.
    produces: ClassVar[tuple[Topic, ...]] = ()

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.relay = runtime.relay_for(self.name)
        # What `subscribe` made this service read: its Kafka ACLs are generated from it (nais.py).
        self.consumes: list[Topic] = []
        # Each topic's stage, by topic name: what a benchmark feeds without a broker (bench/*_cpu.py).
        self.stages: dict[str, Stage] = {}

    @abstractmethod
    def subscribe(self, broker: KafkaBroker) -> None:
        """Register this service's subscribers on the broker."""

    def register(self, broker: KafkaBroker) -> None:
        """Make this service known to FastStream: its subscribers, and a publisher per topic it writes."""
        self.subscribe(broker)
        for topic in self.produces:
            # Declared, never called: the outbox relay sends, in a Kafka transaction with what the stage
            # committed, which FastStream's producer cannot open. Declared, FastStream's AsyncAPI
            # (asyncapi.py) and tooling see what the service writes. The title differs from a subscriber's
            # (`service:topic`): FastStream keys operations and channels by title.
            broker.publisher(
                self.runtime.topics.name(topic),
                title=f"{self.name}:{topic.name}:Publisher",
                description=topic.description,
            )

    async def background(self) -> None:  # noqa: B027 - most services have no work of their own
        """Work a service does on its own schedule (timers, sweeps); runs until cancelled."""

    def consume(self, broker: KafkaBroker, topic: Topic, stage: Stage, max_records: int = 500) -> None:
        """Feed `topic` to `stage` in batches; offsets are committed only after the stage's transaction."""
        self.consumes.append(topic)
        self.stages[self.runtime.topics.name(topic)] = stage
        replica = self.runtime.settings.replica
        subscriber = broker.subscriber(
            self.runtime.topics.name(topic),
            # A group per service and topic: a service's subscribers then never rebalance one another. The
            # tenant prefix keeps deployments sharing a cluster out of each other's groups.
            group_id=f"sykmeldingsflyt-{self.runtime.topics.prefix}{self.name}.{topic.name}",
            batch=True,
            max_records=max_records,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            title=f"{self.name}:{topic.name}",
            listener=self.runtime.health.listener(f"{self.name}:{topic.name}"),
            group_instance_id=f"{replica}.{self.name}.{topic.name}" if replica else None,
            session_timeout_ms=SESSION_TIMEOUT_MS,
            heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
        )

        @subscriber
        async def handle(message: KafkaMessage) -> None:
            records = message.raw_message
            # A batch is a tuple from aiokafka and a list from FastStream's in-memory TestKafkaBroker.
            batch = records if isinstance(records, tuple | list) else (records,)
            with bind_call(), metrics.handling(self.name, topic.name, len(batch)):
                if self.runtime.schema_topic is not None:
                    await self.runtime.schema_topic.learn_unknown(record.value for record in batch)
                await stage.process([Inbound.from_record(record) for record in batch])
