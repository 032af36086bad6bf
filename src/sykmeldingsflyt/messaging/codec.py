"""The Avro codec: the bytes on every topic.

Default framing is Avro single-object encoding (0xC3 0x01, then the 8-byte CRC-64-AVRO fingerprint of the
writer schema, then the body): self-describing and needing no registry. With a schema registry configured
the codec writes Confluent framing (0x00, 4-byte schema id, body) so that Confluent-aware tools read the
topics. Either framing is read, whatever is configured, so a migration between them needs no stop.
Decoding resolves the writer's schema against the reader's, which is what lets schemas evolve.
"""

import io
import json
import os
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import fastavro
from fastavro.schema import SchemaParseException, UnknownType, fingerprint, to_parsing_canonical_form

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
CONFLUENT_MAGIC = b"\x00"
_SINGLE_OBJECT_HEADER = len(SINGLE_OBJECT_MAGIC) + 8
_CONFLUENT_HEADER = len(CONFLUENT_MAGIC) + 4


class DecodeError(Exception):
    """The bytes are not a message we can read. The message names the problem, never the content."""

    reason = "UNDECODABLE"


class MalformedMessageError(DecodeError):
    reason = "MALFORMED_MESSAGE"


class UnknownSchemaError(DecodeError):
    reason = "UNKNOWN_SCHEMA"


@dataclass(frozen=True)
class Schema:
    name: str
    parsed: Any  # fastavro's parsed schema
    text: str  # the schema as written, with the defaults, docs and logical types a registry must keep

    @cached_property
    def canonical(self) -> str:
        return str(to_parsing_canonical_form(self.parsed))

    @cached_property
    def tag_unions(self) -> "Converter":
        """What makes a record quick to write: see `_converter`."""
        return _converter(self.parsed, {}) or _unchanged

    @cached_property
    def fingerprint(self) -> bytes:
        # fastavro returns the little-endian bytes the Java implementation (and the spec's header) uses.
        return bytes.fromhex(fingerprint(self.canonical, "CRC-64-AVRO"))

    @cached_property
    def split(self) -> "tuple[str, str, Schema] | None":
        """A record's first field's name and type in canonical form, and the other fields as a record of their own:
        a record's body is its fields' bodies one after the other, so it can be written in two parts.
        None where either part does not stand alone (a named type defined in one, used in the other)."""
        definition = json.loads(self.text)
        if not isinstance(definition, dict) or definition.get("type") != "record" or len(definition["fields"]) < 2:
            return None
        name = str(definition["name"])
        namespace = definition.get("namespace") or name.rpartition(".")[0]
        first = definition["fields"][0]["type"]
        if isinstance(first, dict) and "namespace" not in first and "." not in str(first.get("name", "")):
            first = {**first, "namespace": namespace}  # as it inherits it inside the record
        rest = {"type": "record", "name": f"{name}Rest", "namespace": namespace, "fields": definition["fields"][1:]}
        try:
            canonical = str(to_parsing_canonical_form(fastavro.parse_schema(first)))
            return str(definition["fields"][0]["name"]), canonical, _parse(json.dumps(rest))
        except (SchemaParseException, UnknownType):
            return None


Converter = Callable[[Any], Any]


def _unchanged(datum: Any) -> Any:
    return datum


_PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})


def _converter(schema: Any, records: dict[str, Converter | None]) -> Converter | None:
    """A function that names the branch of every optional record, enum, array or map (["null", X]) the way
    fastavro takes it, as (X's name, value); None where nothing under `schema` needs it.

    Given a bare value for a union, fastavro finds its branch by validating the value against each branch,
    and a record against its whole subtree, at every level: three quarters of writing a sykmelding.
    """
    if isinstance(schema, str):
        return records.get(schema) if schema not in _PRIMITIVES else None
    if isinstance(schema, list):
        return _union_converter(schema, records)
    kind = schema.get("type")
    if kind == "record":
        name = schema["name"]
        records[name] = None  # a recursive reference to it: left to fastavro
        fields = [(field["name"], _converter(field["type"], records)) for field in schema["fields"]]
        converting = [(field, convert) for field, convert in fields if convert is not None]
        if not converting:
            return None

        def record(datum: Any) -> Any:
            converted = dict(datum)
            for field, convert in converting:
                if field in converted:
                    converted[field] = convert(converted[field])
            return converted

        records[name] = record
        return record
    if kind == "array":
        item = _converter(schema["items"], records)
        return None if item is None else lambda datum: [item(value) for value in datum]
    if kind == "map":
        value = _converter(schema["values"], records)
        return None if value is None else lambda datum: {key: value(entry) for key, entry in datum.items()}
    return _converter(kind, records) if isinstance(kind, list | dict) else None


def _union_converter(branches: list[Any], records: dict[str, Converter | None]) -> Converter | None:
    others = [branch for branch in branches if branch != "null"]
    if len(branches) != 2 or len(others) != 1:
        return None  # left to fastavro's own matching
    (branch,) = others
    if isinstance(branch, str):
        if branch in _PRIMITIVES:
            return None  # cheap for fastavro to match
        name = branch
    elif branch.get("type") in ("record", "enum", "fixed"):
        name = branch["name"]
    elif branch.get("type") in ("array", "map"):
        name = branch["type"]
    else:
        return None  # a primitive with a logical type
    convert = _converter(branch, records) or _unchanged
    return lambda datum: None if datum is None else (name, convert(datum))


def default_schema_dir() -> Path:
    """schemas/ at the root of the source tree; images set SYKMELDINGSFLYT_SCHEMA_DIR instead."""
    configured = os.environ.get("SYKMELDINGSFLYT_SCHEMA_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parents[3] / "schemas"


class SchemaStore:
    """The schemas this build speaks (schemas/*.avsc) and every released version it must still read."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or default_schema_dir()
        if not self.directory.is_dir():
            raise FileNotFoundError(f"schema directory not found: {self.directory}")
        self._current = {path.stem: _load(path) for path in sorted(self.directory.glob("*.avsc"))}
        known = list(self._current.values())
        known += (_load(path) for path in sorted(self.directory.glob("released/**/*.avsc")))
        self._by_fingerprint = {schema.fingerprint: schema for schema in known}

    def current(self, name: str) -> Schema:
        try:
            return self._current[name]
        except KeyError:
            raise KeyError(f"no schema {name}.avsc in {self.directory}") from None

    def names(self) -> list[str]:
        return sorted(self._current)

    def writes(self) -> list[Schema]:
        """The schemas this build writes with."""
        return list(self._current.values())

    def learn(self, text: str) -> bool:
        """Know a schema another build writes with (from the schema topic); False if it was known."""
        schema = _parse(text)
        if schema.fingerprint in self._by_fingerprint:
            return False
        self._by_fingerprint[schema.fingerprint] = schema
        return True

    def is_unknown(self, message: bytes) -> bool:
        """Whether `message` is single-object framed with a schema this store does not know."""
        return (
            message.startswith(SINGLE_OBJECT_MAGIC)
            and len(message) >= _SINGLE_OBJECT_HEADER
            and message[2:_SINGLE_OBJECT_HEADER] not in self._by_fingerprint
        )

    def by_fingerprint(self, value: bytes) -> Schema:
        try:
            return self._by_fingerprint[value]
        except KeyError:
            raise UnknownSchemaError(f"no known schema has the fingerprint {value.hex()}") from None


def _load(path: Path) -> Schema:
    return _parse(path.read_text(), path.stem)


def _parse(text: str, name: str | None = None) -> Schema:
    definition = json.loads(text)
    named = definition.get("name") if isinstance(definition, dict) else None
    return Schema(name=name or str(named or "unnamed"), parsed=fastavro.parse_schema(definition), text=text)


@dataclass(frozen=True, slots=True)
class Written:
    """A record already written: its Avro body and the schema it was written with."""

    schema: Schema
    body: memoryview


class SchemaRegistry(Protocol):
    """What the codec needs of a schema registry, answered without waiting from what was registered and
    fetched beforehand (messaging/schema_registry.py)."""

    def schema_id(self, subject: str, schema: Schema) -> int: ...

    def schema_by_id(self, schema_id: int) -> Schema: ...


class AvroCodec:
    def __init__(self, store: SchemaStore, registry: SchemaRegistry | None = None) -> None:
        self.store = store
        self.registry = registry

    def encode(self, schema_name: str, record: Mapping[str, Any], topic: str) -> bytes:
        schema = self.store.current(schema_name)
        body = io.BytesIO()
        body.write(self._header(topic, schema))
        fastavro.schemaless_writer(body, schema.parsed, schema.tag_unions(record))
        return body.getvalue()

    def encode_after(
        self, schema_name: str, field: str, first: "Written", rest: Mapping[str, Any], topic: str
    ) -> bytes | None:
        """A `schema_name` record whose first field, `field`, is the record `first` holds, already written, and
        whose other fields are `rest`: the bytes `encode` gives the whole record, without writing the first
        field again. None when `field` is not the first or not of `first`'s schema (then `encode` it all)."""
        schema = self.store.current(schema_name)
        split = schema.split
        if split is None or split[:2] != (field, first.schema.canonical):
            return None
        body = io.BytesIO()
        body.write(self._header(topic, schema))
        body.write(first.body)
        fastavro.schemaless_writer(body, split[2].parsed, split[2].tag_unions(rest))
        return body.getvalue()

    def _header(self, topic: str, schema: Schema) -> bytes:
        if self.registry is None:
            return SINGLE_OBJECT_MAGIC + schema.fingerprint
        return CONFLUENT_MAGIC + struct.pack(">I", self._schema_id(topic, schema))

    def written(self, schema_name: str, data: bytes) -> "Written | None":
        """The Avro body of `data` if it was written with this build's `schema_name` schema, however framed."""
        try:
            writer = self._writer_schema(data)
        except DecodeError:
            return None
        if writer.fingerprint != self.store.current(schema_name).fingerprint:
            return None
        offset = _SINGLE_OBJECT_HEADER if data.startswith(SINGLE_OBJECT_MAGIC) else _CONFLUENT_HEADER
        return Written(writer, memoryview(data)[offset:])

    def decode(self, schema_name: str, data: bytes) -> dict[str, Any]:
        reader = self.store.current(schema_name)
        writer = self._writer_schema(data)
        offset = _SINGLE_OBJECT_HEADER if data.startswith(SINGLE_OBJECT_MAGIC) else _CONFLUENT_HEADER
        body = io.BytesIO(memoryview(data)[offset:])
        try:
            if writer.fingerprint == reader.fingerprint:
                # Our own schema, however it was framed: read with our copy, logical types and all.
                record = fastavro.schemaless_reader(body, reader.parsed, None)
            else:
                record = fastavro.schemaless_reader(body, writer.parsed, reader.parsed)
        except (EOFError, ValueError, TypeError, IndexError, UnicodeDecodeError, OverflowError) as exc:
            problem = type(exc).__name__
            raise MalformedMessageError(f"the Avro body does not match {writer.name}: {problem}") from None
        except fastavro.read.SchemaResolutionError:
            raise UnknownSchemaError(f"a {writer.name} message cannot be read as {reader.name}") from None
        if body.tell() != len(body.getbuffer()):
            raise MalformedMessageError(f"trailing bytes after a {writer.name} message")
        if not isinstance(record, dict):
            raise MalformedMessageError("the message is not an Avro record")
        return record

    def _writer_schema(self, data: bytes) -> Schema:
        if data.startswith(SINGLE_OBJECT_MAGIC):
            if len(data) < _SINGLE_OBJECT_HEADER:
                raise MalformedMessageError("truncated single-object header")
            return self.store.by_fingerprint(data[2:_SINGLE_OBJECT_HEADER])
        if data.startswith(CONFLUENT_MAGIC):
            if len(data) < _CONFLUENT_HEADER:
                raise MalformedMessageError("truncated Confluent header")
            if self.registry is None:
                raise UnknownSchemaError("a Confluent-framed message, but no schema registry is configured")
            (schema_id,) = struct.unpack(">I", data[1:_CONFLUENT_HEADER])
            return self.registry.schema_by_id(schema_id)
        raise MalformedMessageError("not Avro: neither single-object nor Confluent framing")

    def _schema_id(self, topic: str, schema: Schema) -> int:
        assert self.registry is not None
        # Confluent's TopicNameStrategy, the default every tool assumes.
        return self.registry.schema_id(f"{topic}-value", schema)
