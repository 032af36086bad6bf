"""The AsyncAPI 3.0 document: every topic, its Avro contract and who reads and writes it, in one file.

Made from the code, never by hand: channels from the topic catalogue (messaging/topics.py), payloads
from schemas/*.avsc, and operations from FastStream's own AsyncAPI generator, run over the subscribers
and publishers the services register on a broker (`Service.register`); for the gateway, also the topics
its HTTP door writes. `ServicesAsyncAPI` is the one source: `sykmeldingsflyt asyncapi` runs it over a
broker with every service, and each service process's FastStream application serves it for its own
services at /internal/asyncapi (services/process.py).

FastStream cannot make the rest of the document: it describes a payload as JSON Schema derived from
the handler's Python type (ours take raw Kafka records, so it has none), keys a channel per subscriber
or publisher rather than per topic, has no Kafka message key, topic configuration or dead-letter
twin, knows nothing of the parties outside, and names one server per broker object. So the document
is assembled here from those sources, behind FastStream's specification interface.
"""

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import yaml
from faststream.kafka import KafkaBroker
from faststream.kafka.subscriber.usecase import LogicSubscriber
from faststream.specification import AsyncAPI
from faststream.specification.base import Specification, SpecificationFactory

from sykmeldingsflyt.gateway.publisher import PUBLISHES as GATEWAY_PUBLISHES
from sykmeldingsflyt.messaging.codec import AvroCodec, SchemaStore
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import (
    DAY_MS,
    Cleanup,
    Header,
    Party,
    Topic,
    Topics,
    catalogue,
    dead_letter_topic,
)
from sykmeldingsflyt.services.registry import SERVICES
from sykmeldingsflyt.services.runtime import Runtime, Service
from sykmeldingsflyt.storage.database import Database

if TYPE_CHECKING:
    from faststream._internal.broker import BrokerUsecase
    from faststream.asgi.handlers import HttpHandler

ASYNCAPI_VERSION = "3.0.0"
AVRO_SCHEMA_FORMAT = "application/vnd.apache.avro+json;version=1.9.0"
AVRO_CONTENT_TYPE = "avro/binary"
SCHEMA_MESSAGE = "AvroSchema"
"""The schema topic's message: not Avro itself, but an Avro schema as JSON text."""
KAFKA_BINDING_VERSION = "0.5.0"

EVENT_ID = Header(
    "event-id",
    "Stable per output: the same input always gives the same id, so a reader can drop a redelivered message.",
)

DESCRIPTION = """\
The topics of sykmeldingsflyt, the message broker for Norwegian sick-leave follow-up: what each one
carries, its key and headers, how long it is kept, which parties may write and read it (`x-writers`,
`x-readers`; ACLs on a real cluster are made from the same catalogue), and which of our services send
and receive on it.

Every value is Avro but the schema topic's (sykmeldingsflyt.schemas: each writer schema as JSON text,
keyed by its fingerprint, published before its first message). By default a message is in Avro
single-object encoding (`C3 01`, the 8-byte CRC-64-AVRO fingerprint of the writer schema, then the body),
which any Avro library reads with the schema given here or found on the schema topic; with a schema
registry configured it is in Confluent framing (`00`, a 4-byte schema id, the body; subject
`<topic>-value`). Both are always read. Schemas evolve backward-compatibly.

Read with `isolation.level=read_committed`: our services write in Kafka transactions, and a reader
that does so sees every message exactly once. Keys are ids, never a person's number.
"""

SERVERS: dict[str, Any] = {
    "development": {
        "host": "127.0.0.1:9092",
        "protocol": "kafka",
        "protocolVersion": "3.9",
        "description": (
            "A local single-node Apache Kafka, from `sykmeldingsflyt kafka start` or the demonstration: "
            "PLAINTEXT, no authentication. The port is chosen at start and printed as KAFKA_BOOTSTRAP_SERVERS."
        ),
    },
    "production": {
        "host": "{bootstrap}",
        "protocol": "kafka-secure",
        "protocolVersion": "3.9",
        "description": (
            "The production cluster over SASL_SSL (KAFKA_SECURITY_PROTOCOL=SASL_SSL, with KAFKA_SASL_MECHANISM, "
            "KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_CA_PATH). Topic names may carry a tenant "
            "prefix (SYKMELDINGSFLYT_TOPIC_PREFIX); consumer group ids then carry it after `sykmeldingsflyt-`."
        ),
        "variables": {
            "bootstrap": {
                "description": "The cluster's bootstrap servers: KAFKA_BOOTSTRAP_SERVERS, or KAFKA_BROKERS on NAIS.",
                "examples": ["kafka-1.example.nav.no:9093"],
            }
        },
        "security": [
            {"$ref": "#/components/securitySchemes/scramSha512"},
            {"$ref": "#/components/securitySchemes/scramSha256"},
            {"$ref": "#/components/securitySchemes/plain"},
        ],
    },
}

SECURITY_SCHEMES: dict[str, Any] = {
    "scramSha512": {"type": "scramSha512", "description": "SASL SCRAM-SHA-512 (KAFKA_SASL_MECHANISM=SCRAM-SHA-512)."},
    "scramSha256": {"type": "scramSha256", "description": "SASL SCRAM-SHA-256 (KAFKA_SASL_MECHANISM=SCRAM-SHA-256)."},
    "plain": {"type": "plain", "description": "SASL PLAIN (KAFKA_SASL_MECHANISM=PLAIN), only ever inside TLS."},
}


@dataclass(frozen=True, slots=True)
class Operation:
    service: str
    action: str  # "send" or "receive"
    topic: Topic
    group_id: str | None = None
    # Sent through the service's outbox, with an `event-id`; the gateway's HTTP door sends directly.
    outbox: bool = True

    @property
    def key(self) -> str:
        return f"{self.service}.{self.action}.{self.topic.name}"


def asyncapi_document(store: SchemaStore | None = None) -> dict[str, Any]:
    """The whole document, as a plain dict in a stable order: every topic, every service, the gateway's door."""
    store = store or SchemaStore()
    runtime = Runtime(
        # Nothing connects: the services only register on a broker that never starts.
        kafka=KafkaSettings.model_construct(bootstrap_servers="asyncapi.invalid:9092"),
        database=Database("sqlite+aiosqlite://"),
        codec=AvroCodec(store),
        topics=Topics(),
    )
    broker = KafkaBroker("asyncapi.invalid:9092")
    for service_class in SERVICES.values():
        service_class(runtime).register(broker)
    return ServicesAsyncAPI(store=store, whole=True).add_broker(broker).document


class ServicesAsyncAPI(SpecificationFactory):
    """Our document behind FastStream's specification interface, so an AsgiFastStream application serves it
    (`asyncapi_path`) in place of FastStream's own.

    Made from the operations of the services registered on the brokers added. `whole`: every catalogue
    topic and the gateway's HTTP door too (the committed document); otherwise only the topics those
    services read and write, under the names the tenant prefix of `topics` gives them (a process's own).
    """

    def __init__(self, topics: Topics | None = None, store: SchemaStore | None = None, *, whole: bool = False) -> None:
        self.title = "sykmeldingsflyt"
        self.description = _prose(DESCRIPTION)
        self.version = version("sykmeldingsflyt")
        self.contact = None
        self.license = None
        self.topics = topics or Topics()
        self.store = store or SchemaStore()
        self.whole = whole
        self.brokers: list[BrokerUsecase[Any, Any, Any]] = []

    def add_broker(self, broker: "BrokerUsecase[Any, Any, Any]", /) -> "ServicesAsyncAPI":
        self.brokers.append(broker)
        self.__dict__.pop("document", None)  # made again with it
        return self

    def add_http_route(self, path: str, handler: "HttpHandler") -> "ServicesAsyncAPI":
        """The probes and metrics are no part of the Kafka contract: left out."""
        return self

    def to_specification(self) -> Specification:
        return _Document(self.document)

    @cached_property
    def document(self) -> dict[str, Any]:
        """The document as a plain dict, in a stable order."""
        topics = catalogue(self.topics.prefix)
        by_name = {topic.name: topic for topic in topics}
        operations = list(_operations(self.brokers, by_name))
        if self.whole:
            operations += [
                Operation("gateway", "send", by_name[self.topics.name(topic)], outbox=False)
                for topic in GATEWAY_PUBLISHES
            ]
        through_outbox = {op.topic.name for op in operations if op.action == "send" and op.outbox}
        if not self.whole:
            used = {op.topic.name for op in operations}
            topics = tuple(topic for topic in topics if topic.name in used)
        named = {op.service for op in operations}
        schemas = sorted({topic.value_schema for topic in topics if topic.avro_value})
        return {
            "asyncapi": ASYNCAPI_VERSION,
            "info": {
                "title": self.title,
                "version": self.version,
                "description": self.description,
                "tags": [
                    {"name": name, "description": _summary(service)}
                    for name, service in SERVICES.items()
                    if name in named
                ],
            },
            "defaultContentType": AVRO_CONTENT_TYPE,
            "servers": SERVERS,
            "channels": {
                topic.name: _channel(topic, self.store, with_event_id=topic.name in through_outbox) for topic in topics
            },
            "operations": {op.key: _operation(op, self.store) for op in sorted(operations, key=lambda op: op.key)},
            "components": {
                "schemas": {
                    name: {"schemaFormat": AVRO_SCHEMA_FORMAT, "schema": _avro(self.store, name)} for name in schemas
                },
                "securitySchemes": SECURITY_SCHEMES,
            },
        }


@dataclass(frozen=True)
class _Document:
    """The document as FastStream's `Specification`, which its AsyncAPI routes render."""

    document: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.document["info"]["title"])

    def to_jsonable(self) -> Any:
        return self.document

    def to_json(self) -> str:
        return json.dumps(self.document)

    def to_yaml(self) -> str:
        return render(self.document)


def render(document: dict[str, Any]) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)


def _summary(service: type[Service]) -> str:
    """The first paragraph of the service module's docstring, which says what it is for."""
    doc = sys.modules[service.__module__].__doc__ or service.name
    return " ".join(doc.split("\n\n")[0].split())


def _avro(store: SchemaStore, name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(store.current(name).text)
    return schema


def _message_name(store: SchemaStore, topic: Topic) -> str:
    if not topic.avro_value:
        return SCHEMA_MESSAGE
    name: str = _avro(store, topic.value_schema)["name"]
    return name


def _prose(text: str) -> str:
    """Paragraphs as single lines, so the YAML shows them as written and diffs stay small."""
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in text.strip().split("\n\n"))


class _Dumper(yaml.SafeDumper):
    pass


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def _retention(topic: Topic) -> str:
    if topic.cleanup is Cleanup.COMPACT:
        return "compacted: the latest value per key is kept, a tombstone removes it"
    return f"kept {topic.retention_ms // DAY_MS} days"


def _parties(parties: Iterable[Party]) -> list[str]:
    return sorted(party.value for party in parties)


def _channel(topic: Topic, store: SchemaStore, *, with_event_id: bool) -> dict[str, Any]:
    writers, readers = _parties(topic.writers), _parties(topic.readers)
    who = (
        f"Written by: {', '.join(writers) or 'sykmeldingsflyt only'}. "
        f"Read by: {', '.join(readers) or 'sykmeldingsflyt only'}."
    )
    headers = ((EVENT_ID,) if with_event_id else ()) + topic.headers
    message: dict[str, Any] = _avro_message(topic, store) if topic.avro_value else _json_message(topic)
    message |= {
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": topic.key},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }
    if headers:
        message["headers"] = {
            "type": "object",
            "properties": {header.name: {"type": "string", "description": header.description} for header in headers},
        }
    # The broker's own configuration of the topic, in the binding's types.
    config: dict[str, Any] = {
        name: [value] if name == "cleanup.policy" else int(value) for name, value in topic.config().items()
    }
    channel: dict[str, Any] = {
        "address": topic.name,
        "title": topic.name,
        "description": f"{topic.description}\n\nKey: {topic.key}. {_retention(topic).capitalize()}. {who}",
        "messages": {message["name"]: message},
        "bindings": {
            "kafka": {
                "topic": topic.name,
                "partitions": topic.partitions,
                "topicConfiguration": config,
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "x-writers": writers,
        "x-readers": readers,
    }
    if topic.has_dlq:
        channel["x-dead-letter-topic"] = dead_letter_topic(topic).name
    return channel


def _avro_message(topic: Topic, store: SchemaStore) -> dict[str, Any]:
    return {
        "name": _message_name(store, topic),
        "title": f"{topic.value_schema}.avsc on {topic.name}",
        "summary": _avro(store, topic.value_schema).get("doc", ""),
        "contentType": AVRO_CONTENT_TYPE,
        "payload": {"$ref": f"#/components/schemas/{topic.value_schema}"},
    }


def _json_message(topic: Topic) -> dict[str, Any]:
    """A value that is not an Avro message: the schema topic's, an Avro schema as its JSON text."""
    return {
        "name": SCHEMA_MESSAGE,
        "title": f"An Avro schema on {topic.name}",
        "summary": topic.value_schema,
        "contentType": "application/json",
        "payload": {"type": "object", "description": topic.value_schema},
    }


def _operation(op: Operation, store: SchemaStore) -> dict[str, Any]:
    verb = "sends to" if op.action == "send" else "receives from"
    operation: dict[str, Any] = {
        "action": op.action,
        "channel": {"$ref": f"#/channels/{op.topic.name}"},
        "title": f"{op.service} {verb} {op.topic.name}",
        "tags": [{"name": op.service}],
        "messages": [{"$ref": f"#/channels/{op.topic.name}/messages/{_message_name(store, op.topic)}"}],
    }
    if not op.outbox:
        operation["description"] = "The HTTP gateway writes what a party posts over HTTPS, on its behalf."
    if op.group_id:
        operation["bindings"] = {
            "kafka": {
                "groupId": {"type": "string", "enum": [op.group_id]},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        }
    return operation


def _operations(brokers: "Iterable[BrokerUsecase[Any, Any, Any]]", by_name: dict[str, Topic]) -> Iterable[Operation]:
    """What the services registered on `brokers` receive and send, as FastStream's AsyncAPI generator sees
    their subscribers and publishers (titled `service:topic`, a publisher's with `:Publisher` after it)."""
    group_ids = {
        subscriber.specification.config.title_: subscriber.group_id
        for broker in brokers
        for subscriber in broker.subscribers
        if isinstance(subscriber, LogicSubscriber)
    }
    specification = AsyncAPI(*brokers, schema_version=ASYNCAPI_VERSION).to_specification().to_jsonable()
    for title, operation in specification.get("operations", {}).items():
        channel = specification["channels"][operation["channel"]["$ref"].rsplit("/", 1)[-1]]
        service = title.split(":", 1)[0]
        yield Operation(service, operation["action"], by_name[channel["address"]], group_ids.get(title))
