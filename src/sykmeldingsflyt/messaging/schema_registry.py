"""An async client for the Confluent Schema Registry REST API (also served by Aiven's Karapace).

The codec encodes and decodes without waiting, so the registry is asked beforehand and the codec reads what
this client holds: `publish` registers the schemas this build writes under their subjects before a process
writes, and `learn_unknown` fetches, before a batch is decoded, the schemas of the ids in it not yet seen. The
same two calls are what the schema topic offers without a registry (messaging/schema_topic.py).

Subjects follow Confluent's TopicNameStrategy (`<topic>-value`), which every Confluent-aware tool assumes.
`check` asks the registry whether each schema could be registered now (its compatibility rule against the
latest version), which is what `sykmeldingsflyt schemas check` runs before a deploy.
"""

import json
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

import fastavro
import httpx

from sykmeldingsflyt.messaging.codec import CONFLUENT_MAGIC, Schema, SchemaStore, UnknownSchemaError
from sykmeldingsflyt.messaging.settings import KafkaSettings, SettingsError
from sykmeldingsflyt.messaging.topics import catalogue

_CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
_SUBJECT_NOT_FOUND = 40401


def subject(topic: str) -> str:
    return f"{topic}-value"


def subjects(store: SchemaStore, topic_prefix: str = "") -> dict[str, Schema]:
    """The subject of every catalogue topic, with the schema this build writes there."""
    known = set(store.names())
    return {
        subject(topic.name): store.current(topic.value_schema)
        for topic in catalogue(topic_prefix)
        if topic.value_schema in known
    }


@dataclass(frozen=True)
class Compatibility:
    """The registry's answer for one subject: compatible (None: a new subject, nothing to be compatible with)."""

    subject: str
    compatible: bool | None
    messages: list[str] = field(default_factory=list)


class ConfluentSchemaRegistry:
    def __init__(
        self,
        url: str,
        username: str | None = None,
        password: str | None = None,
        *,
        writes: Mapping[str, Schema] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.writes = dict(writes or {})
        """What this build writes: schema by subject."""
        self._auth = httpx.BasicAuth(username, password) if username and password else None
        self._timeout = timeout
        self._by_id: dict[int, Schema] = {}
        self._ids: dict[tuple[str, bytes], int] = {}

    @classmethod
    def from_settings(cls, kafka: KafkaSettings, store: SchemaStore) -> "ConfluentSchemaRegistry":
        """The registry in KAFKA_SCHEMA_REGISTRY, for the schemas `store` writes to the catalogue's topics."""
        if not kafka.schema_registry_url:
            raise SettingsError("KAFKA_SCHEMA_REGISTRY: not set; it is the schema registry's URL")
        password = kafka.schema_registry_password
        return cls(
            kafka.schema_registry_url,
            kafka.schema_registry_user,
            password.get_secret_value() if password else None,
            writes=subjects(store, kafka.topic_prefix),
        )

    # What the codec reads, without waiting: only what `publish`, `register` and `learn_unknown` brought in.

    def schema_id(self, subject: str, schema: Schema) -> int:
        try:
            return self._ids[(subject, schema.fingerprint)]
        except KeyError:
            raise LookupError(
                f"{subject}: {schema.name} is not registered; publish() registers before writing"
            ) from None

    def schema_by_id(self, schema_id: int) -> Schema:
        try:
            return self._by_id[schema_id]
        except KeyError:
            raise UnknownSchemaError(f"the schema registry has no schema with id {schema_id}") from None

    # What is asked of the registry.

    async def publish(self) -> dict[str, int]:
        """Register every schema this build writes under its subject (the registry keeps one id per schema:
        again is harmless); the id of each."""
        async with self._client() as http:
            return {name: await self._register(http, name, schema) for name, schema in self.writes.items()}

    async def register(self, subject: str, schema: Schema) -> int:
        async with self._client() as http:
            return await self._register(http, subject, schema)

    async def check(self) -> list[Compatibility]:
        """Whether each schema this build writes is compatible with the latest version of its subject."""
        async with self._client() as http:
            return [await self._check(http, name, schema) for name, schema in self.writes.items()]

    async def learn_unknown(self, messages: Iterable[bytes | None]) -> None:
        """Fetch the schemas of the Confluent-framed messages' ids not yet known. An id the registry does not
        have stays unknown: decoding that message says so, as for any unknown schema."""
        wanted = {
            struct.unpack(">I", message[1:5])[0]
            for message in messages
            if message and message.startswith(CONFLUENT_MAGIC) and len(message) >= 5
        } - set(self._by_id)
        if not wanted:
            return
        async with self._client() as http:
            for schema_id in sorted(wanted):
                response = await http.get(f"/schemas/ids/{schema_id}")
                if response.status_code == httpx.codes.NOT_FOUND:
                    continue
                response.raise_for_status()
                self._by_id[schema_id] = _parsed(response.json()["schema"], schema_id)

    def _client(self) -> httpx.AsyncClient:
        # A client per call: the registry is asked at start-up and when an id is new, rarely enough that
        # a connection kept open would only be one more thing to close.
        return httpx.AsyncClient(
            base_url=self.url, auth=self._auth, timeout=self._timeout, headers={"Content-Type": _CONTENT_TYPE}
        )

    async def _register(self, http: httpx.AsyncClient, subject: str, schema: Schema) -> int:
        response = await http.post(f"/subjects/{quote(subject, safe='')}/versions", json={"schema": schema.text})
        _raise_for(response, subject)
        schema_id = int(response.json()["id"])
        self._by_id[schema_id] = schema
        self._ids[(subject, schema.fingerprint)] = schema_id
        return schema_id

    async def _check(self, http: httpx.AsyncClient, subject: str, schema: Schema) -> Compatibility:
        response = await http.post(
            f"/compatibility/subjects/{quote(subject, safe='')}/versions/latest",
            params={"verbose": "true"},
            json={"schema": schema.text},
        )
        if response.status_code == httpx.codes.NOT_FOUND and _error_code(response) == _SUBJECT_NOT_FOUND:
            return Compatibility(subject, None)
        _raise_for(response, subject)
        answer = response.json()
        return Compatibility(subject, bool(answer["is_compatible"]), [str(m) for m in answer.get("messages", [])])


class SchemaRegistryError(Exception):
    """The registry refused a call; the message names the subject and quotes the registry's reason."""


def _raise_for(response: httpx.Response, subject: str) -> None:
    if response.is_success:
        return
    if response.status_code >= 500:
        response.raise_for_status()  # the registry is away: an HTTPStatusError, as for a lost connection
    reason = response.json().get("message", response.reason_phrase) if _is_json(response) else response.reason_phrase
    raise SchemaRegistryError(f"{subject}: the schema registry answered {response.status_code}: {reason}")


def _error_code(response: httpx.Response) -> int | None:
    return response.json().get("error_code") if _is_json(response) else None


def _is_json(response: httpx.Response) -> bool:
    try:
        return isinstance(response.json(), dict)
    except ValueError:
        return False


def _parsed(text: str, schema_id: int) -> Schema:
    definition = json.loads(text)
    name = definition.get("name", str(schema_id)) if isinstance(definition, dict) else str(schema_id)
    return Schema(name=name, parsed=fastavro.parse_schema(definition), text=text)
