"""The Avro codec: single-object and Confluent framing, schema evolution, failures that never echo content.

The tests bring their own small schemas in a temporary directory, so they do not move with the product's.
"""

import datetime
import io
import json
import struct
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import avro.io
import avro.schema
import fastavro
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.messaging.codec import (
    AvroCodec,
    DecodeError,
    MalformedMessageError,
    SchemaStore,
    UnknownSchemaError,
)
from sykmeldingsflyt.messaging.contracts import SCHEMA_OF
from sykmeldingsflyt.messaging.schema_registry import ConfluentSchemaRegistry
from tests import strategies
from tests.support.http import http_server
from tests.support.schema_registry import ConfluentRegistry

CANARY = "CANARY-fritekst-7d1f"
TOPIC = "tenant.hendelser"

HENDELSE_V1: dict[str, Any] = {
    "type": "record",
    "name": "Hendelse",
    "namespace": "no.sykmeldingsflyt.test",
    "doc": "A record for the codec tests",
    "fields": [
        {"name": "id", "type": "string"},
        {"name": "antall", "type": "int"},
        {"name": "merknad", "type": "string", "doc": "free text"},
        {"name": "tidspunkt", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    ],
}
HENDELSE_V2: dict[str, Any] = {
    **HENDELSE_V1,
    "fields": [
        *HENDELSE_V1["fields"],
        {"name": "kommentar", "type": ["null", "string"], "default": None},
        {"name": "kanal", "type": "string", "default": "epj"},
    ],
}
ANNEN: dict[str, Any] = {
    "type": "record",
    "name": "Annen",
    "namespace": "no.sykmeldingsflyt.test",
    "fields": [{"name": "verdi", "type": "long"}],
}
# The Parsing Canonical Form of HENDELSE_V1, written out by hand from the spec's rules: full names, only
# name/type/fields, attributes in that order, primitives in simple form, no doc, no logicalType, no spaces.
HENDELSE_V1_CANONICAL = (
    '{"name":"no.sykmeldingsflyt.test.Hendelse","type":"record","fields":['
    '{"name":"id","type":"string"},{"name":"antall","type":"int"},'
    '{"name":"merknad","type":"string"},{"name":"tidspunkt","type":"long"}]}'
)

WHEN = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=datetime.UTC)
RECORD_V1: dict[str, Any] = {"id": "hendelse-1", "antall": 3, "merknad": CANARY, "tidspunkt": WHEN}
RECORD: dict[str, Any] = {**RECORD_V1, "kommentar": "en kommentar", "kanal": "nav"}

_CRC_EMPTY = 0xC15D213AA4D7A795


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        fp = byte
        for _ in range(8):
            fp = (fp >> 1) ^ (_CRC_EMPTY & -(fp & 1))
        table.append(fp)
    return table


_CRC_TABLE = _crc_table()


def crc64_avro(data: bytes) -> int:
    """The 64-bit Rabin fingerprint exactly as the Avro specification gives it."""
    fp = _CRC_EMPTY
    for byte in data:
        fp = (fp >> 8) ^ _CRC_TABLE[(fp ^ byte) & 0xFF]
    return fp


def _write_schemas(directory: Path, schemas: dict[str, dict[str, Any]]) -> Path:
    for relative, schema in schemas.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(schema, indent=2))
    return directory


@pytest.fixture(scope="module")
def codec(tmp_path_factory: pytest.TempPathFactory) -> AvroCodec:
    """This build: hendelse v2 is current, v1 is released and must still be read."""
    directory = _write_schemas(
        tmp_path_factory.mktemp("schemas"),
        {"hendelse.avsc": HENDELSE_V2, "annen.avsc": ANNEN, "released/hendelse.avsc": HENDELSE_V1},
    )
    return AvroCodec(SchemaStore(directory))


@pytest.fixture(scope="module")
def previous_codec(tmp_path_factory: pytest.TempPathFactory) -> AvroCodec:
    """The previous build, which speaks hendelse v1 only."""
    return AvroCodec(SchemaStore(_write_schemas(tmp_path_factory.mktemp("v1"), {"hendelse.avsc": HENDELSE_V1})))


@pytest.fixture(scope="module")
def message(codec: AvroCodec) -> bytes:
    return codec.encode("hendelse", RECORD, TOPIC)


def _avro_reference_body(schema: dict[str, Any], record: dict[str, Any]) -> bytes:
    """The body as the Apache Avro implementation writes it, independent of fastavro."""
    buffer = io.BytesIO()
    avro.io.DatumWriter(avro.schema.parse(json.dumps(schema))).write(record, avro.io.BinaryEncoder(buffer))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("text", "signed_fingerprint"),
    [
        ('"null"', 7195948357588979594),
        ('"int"', 8247732601305521295),
        ('"string"', -8142146995180207161),
        ('"boolean"', -6970731678124411036),
    ],
)
def test_reference_crc_matches_the_avro_test_vectors(text: str, signed_fingerprint: int) -> None:
    assert crc64_avro(text.encode()) == signed_fingerprint & 0xFFFFFFFFFFFFFFFF


def test_canonical_form_follows_the_spec(previous_codec: AvroCodec) -> None:
    assert previous_codec.store.current("hendelse").canonical == HENDELSE_V1_CANONICAL


def test_single_object_header_is_magic_then_little_endian_crc64_of_canonical_form(
    previous_codec: AvroCodec,
) -> None:
    data = previous_codec.encode("hendelse", RECORD_V1, TOPIC)

    assert data[:2] == b"\xc3\x01"
    assert data[2:10] == crc64_avro(HENDELSE_V1_CANONICAL.encode()).to_bytes(8, "little")


def test_single_object_body_is_plain_avro_binary(previous_codec: AvroCodec) -> None:
    data = previous_codec.encode("hendelse", RECORD_V1, TOPIC)

    assert data[10:] == _avro_reference_body(HENDELSE_V1, RECORD_V1)


def test_message_from_another_avro_implementation_is_read(previous_codec: AvroCodec) -> None:
    header = b"\xc3\x01" + crc64_avro(HENDELSE_V1_CANONICAL.encode()).to_bytes(8, "little")

    decoded = previous_codec.decode("hendelse", header + _avro_reference_body(HENDELSE_V1, RECORD_V1))

    assert decoded == RECORD_V1


def test_round_trip_gives_back_the_record(codec: AvroCodec, message: bytes) -> None:
    assert codec.decode("hendelse", message) == RECORD


def test_encode_does_not_change_with_the_topic_without_a_registry(codec: AvroCodec, message: bytes) -> None:
    assert codec.encode("hendelse", RECORD, "another.topic") == message


def test_released_v1_message_is_read_by_v2_with_defaults_filled(codec: AvroCodec, previous_codec: AvroCodec) -> None:
    old_message = previous_codec.encode("hendelse", RECORD_V1, TOPIC)

    assert codec.decode("hendelse", old_message) == {**RECORD_V1, "kommentar": None, "kanal": "epj"}


def test_v2_message_is_unknown_to_the_previous_build(previous_codec: AvroCodec, message: bytes) -> None:
    with pytest.raises(UnknownSchemaError):
        previous_codec.decode("hendelse", message)


def test_unknown_fingerprint_is_an_unknown_schema(codec: AvroCodec, message: bytes) -> None:
    unknown = b"\xc3\x01" + bytes(8) + message[10:]

    with pytest.raises(UnknownSchemaError) as raised:
        codec.decode("hendelse", unknown)

    assert isinstance(raised.value, DecodeError)
    assert raised.value.reason == "UNKNOWN_SCHEMA"


def test_known_schema_of_another_type_is_an_unknown_schema(codec: AvroCodec) -> None:
    other = codec.encode("annen", {"verdi": 7}, TOPIC)

    with pytest.raises(UnknownSchemaError):
        codec.decode("hendelse", other)


def test_unknown_schema_name_is_a_key_error(codec: AvroCodec) -> None:
    with pytest.raises(KeyError, match="finnes_ikke"):
        codec.encode("finnes_ikke", RECORD, TOPIC)


def test_missing_schema_directory_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        SchemaStore(tmp_path / "absent")


def _corruptions(message: bytes) -> dict[str, bytes]:
    id_at = message.index(b"hendelse-1")
    comment_at = message.index(b"en kommentar")  # after the free text, so the canary is read before it fails
    return {
        "empty": b"",
        "garbage": b"this is not avro at all",
        "magic byte only": message[:1],
        "truncated single-object header": message[:6],
        "header without body": message[:10],
        "truncated body": message[:-3],
        "trailing bytes": message + b"\x00",
        "truncated Confluent header": b"\x00\x00\x01",
        "string length beyond the end": message[: id_at - 1] + b"\x7e" + message[id_at:],
        "invalid utf-8 in a string": message[:comment_at] + b"\xff" * 4 + message[comment_at + 4 :],
    }


@pytest.mark.parametrize(
    "corruption",
    [
        "empty",
        "garbage",
        "magic byte only",
        "truncated single-object header",
        "header without body",
        "truncated body",
        "trailing bytes",
        "truncated Confluent header",
        "string length beyond the end",
        "invalid utf-8 in a string",
    ],
)
def test_malformed_bytes_are_a_malformed_message(codec: AvroCodec, message: bytes, corruption: str) -> None:
    with pytest.raises(MalformedMessageError) as raised:
        codec.decode("hendelse", _corruptions(message)[corruption])

    assert raised.value.reason == "MALFORMED_MESSAGE"


def test_corrupted_messages_never_quote_their_content(codec: AvroCodec, message: bytes) -> None:
    assert CANARY.encode() in message
    for corruption, data in _corruptions(message).items():
        with pytest.raises(DecodeError) as raised:
            codec.decode("hendelse", data)

        rendered = "".join(traceback.format_exception(raised.value))
        assert CANARY not in rendered, corruption
        assert CANARY[:8] not in rendered, corruption


def test_confluent_framing_without_a_registry_is_an_unknown_schema(codec: AvroCodec, message: bytes) -> None:
    confluent = b"\x00" + struct.pack(">I", 1) + message[10:]

    with pytest.raises(UnknownSchemaError):
        codec.decode("hendelse", confluent)


@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_decode_to_a_record_or_a_decode_error(codec: AvroCodec, data: bytes) -> None:
    _decode_or_decode_error(codec, data)


@given(body=st.binary(max_size=200), release=st.sampled_from(["current", "released"]))
def test_arbitrary_body_behind_a_known_header_decodes_or_fails_cleanly(
    codec: AvroCodec, previous_codec: AvroCodec, body: bytes, release: str
) -> None:
    writer = codec if release == "current" else previous_codec
    header = writer.encode("hendelse", RECORD_V1 if writer is previous_codec else RECORD, TOPIC)[:10]

    _decode_or_decode_error(codec, header + body)


@given(
    position=st.integers(min_value=0),
    byte=st.integers(0, 255),
    edit=st.sampled_from(["set", "insert", "delete"]),
)
def test_one_byte_edit_of_a_message_decodes_or_fails_cleanly(
    codec: AvroCodec, message: bytes, position: int, byte: int, edit: str
) -> None:
    data = bytearray(message)
    position %= len(data)
    if edit == "set":
        data[position] = byte
    elif edit == "insert":
        data.insert(position, byte)
    else:
        del data[position]

    _decode_or_decode_error(codec, bytes(data))


def _decode_or_decode_error(codec: AvroCodec, data: bytes) -> None:
    try:
        record = codec.decode("hendelse", data)
    except DecodeError as error:
        assert CANARY not in str(error)
    else:
        assert isinstance(record, dict)


def test_real_dead_letter_schema_round_trips_with_the_default_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SYKMELDINGSFLYT_SCHEMA_DIR", raising=False)
    codec = AvroCodec(SchemaStore())
    dead_letter = {
        "reason": "MALFORMED_MESSAGE",
        "detail": "the Avro body does not match received_sykmelding: EOFError",
        "field": None,
        "service": "mottak",
        "sourceTopic": "sykmelding.fra-epj",
        "sourcePartition": 3,
        "sourceOffset": 1234567,
        "failedAt": WHEN,
        "originalKey": None,
        "originalValue": None,
        "keyId": "k1",
        "sealedKey": b"\x00" * 12 + b"sealed key",
        "sealedValue": b"\x00" * 12 + b"sealed value",
        "references": {"key": "6c1c3a0e-52a6-4e4b-9f6e-0a2f0c7f9b11"},
    }

    data = codec.encode("dead_letter", dead_letter, "sykmelding.fra-epj.dlq")

    assert data[:2] == b"\xc3\x01"
    assert codec.decode("dead_letter", data) == dead_letter


# A Confluent Schema Registry on a real HTTP server (tests/support/schema_registry.py).


@pytest.fixture
def registry() -> Iterator[ConfluentRegistry]:
    with http_server() as server:
        yield ConfluentRegistry(server)


@pytest.fixture
def new_registry_client(codec: AvroCodec, registry: ConfluentRegistry) -> Callable[[], ConfluentSchemaRegistry]:
    """Registry clients as separate processes would hold them, each writing hendelse to TOPIC; each starts
    knowing nothing."""
    return lambda: ConfluentSchemaRegistry(registry.url, writes={f"{TOPIC}-value": codec.store.current("hendelse")})


@pytest.fixture
async def confluent_codec(codec: AvroCodec, new_registry_client: Callable[[], ConfluentSchemaRegistry]) -> AvroCodec:
    """A producer's codec, its schemas registered as a process registers them before it writes."""
    client = new_registry_client()
    await client.publish()
    return AvroCodec(codec.store, client)


def test_confluent_framing_is_zero_then_big_endian_schema_id(confluent_codec: AvroCodec) -> None:
    data = confluent_codec.encode("hendelse", RECORD, TOPIC)

    assert data[:5] == b"\x00\x00\x00\x01\x01"  # the test registry's first id is 257
    assert data[5:] == _avro_reference_body(HENDELSE_V2, RECORD)


def test_schema_is_registered_under_the_topic_value_subject(
    confluent_codec: AvroCodec, registry: ConfluentRegistry
) -> None:
    assert registry.registrations() == [f"{TOPIC}-value"]
    assert registry.content_types == ["application/vnd.schemaregistry.v1+json"]
    registered = json.loads(registry.schemas[257])
    assert registered["name"] in {"Hendelse", "no.sykmeldingsflyt.test.Hendelse"}
    assert [field["name"] for field in registered["fields"]] == [field["name"] for field in HENDELSE_V2["fields"]]


def test_encoding_asks_the_registry_nothing_and_a_subject_not_registered_is_refused(
    confluent_codec: AvroCodec, registry: ConfluentRegistry
) -> None:
    for _ in range(3):
        confluent_codec.encode("hendelse", RECORD, TOPIC)

    with pytest.raises(LookupError, match=r"tenant\.andre-value"):
        confluent_codec.encode("hendelse", RECORD, "tenant.andre")
    assert registry.requests == [f"POST /subjects/{TOPIC}-value/versions"]


def test_confluent_message_is_read_back_by_the_writing_codec(confluent_codec: AvroCodec) -> None:
    data = confluent_codec.encode("hendelse", RECORD, TOPIC)

    assert confluent_codec.decode("hendelse", data) == RECORD


async def test_another_consumer_fetches_the_writer_schema_by_id_once_before_decoding(
    confluent_codec: AvroCodec,
    codec: AvroCodec,
    new_registry_client: Callable[[], ConfluentSchemaRegistry],
    registry: ConfluentRegistry,
) -> None:
    data = confluent_codec.encode("hendelse", RECORD, TOPIC)
    client = new_registry_client()
    consumer = AvroCodec(codec.store, client)
    with pytest.raises(UnknownSchemaError, match="257"):
        consumer.decode("hendelse", data)  # decoding never waits for the registry: it must be asked first

    await client.learn_unknown([data, data, None, b"not avro"])
    await client.learn_unknown([data])
    decoded = consumer.decode("hendelse", data)

    assert registry.requests.count("GET /schemas/ids/257") == 1
    assert {name: decoded[name] for name in ("id", "antall", "merknad", "kommentar", "kanal")} == {
        name: RECORD[name] for name in ("id", "antall", "merknad", "kommentar", "kanal")
    }


async def test_another_consumer_reads_the_confluent_message_with_its_logical_types(
    confluent_codec: AvroCodec, codec: AvroCodec, new_registry_client: Callable[[], ConfluentSchemaRegistry]
) -> None:
    data = confluent_codec.encode("hendelse", RECORD, TOPIC)
    client = new_registry_client()
    await client.learn_unknown([data])

    assert AvroCodec(codec.store, client).decode("hendelse", data) == RECORD


def test_registered_schema_keeps_defaults_and_logical_types(
    confluent_codec: AvroCodec, registry: ConfluentRegistry
) -> None:
    fields = {field["name"]: field for field in json.loads(registry.schemas[257])["fields"]}
    assert fields["kanal"]["default"] == "epj"
    assert fields["kommentar"]["default"] is None
    assert fields["tidspunkt"]["type"]["logicalType"] == "timestamp-millis"


def test_registry_codec_still_reads_single_object_messages(confluent_codec: AvroCodec, message: bytes) -> None:
    assert confluent_codec.decode("hendelse", message) == RECORD


async def test_schema_id_unknown_to_the_registry_is_an_unknown_schema(
    codec: AvroCodec,
    message: bytes,
    new_registry_client: Callable[[], ConfluentSchemaRegistry],
    registry: ConfluentRegistry,
) -> None:
    unknown = b"\x00" + struct.pack(">I", 9999) + message[10:]
    client = new_registry_client()
    await client.learn_unknown([unknown])

    with pytest.raises(UnknownSchemaError, match="9999"):
        AvroCodec(codec.store, client).decode("hendelse", unknown)
    assert registry.requests == ["GET /schemas/ids/9999"]


def test_corrupted_confluent_message_never_quotes_its_content(confluent_codec: AvroCodec) -> None:
    data = confluent_codec.encode("hendelse", RECORD, TOPIC)

    comment_at = data.index(b"en kommentar")

    for corrupted in (data[:-3], data + b"\x01", data[:comment_at] + b"\xff" * 4 + data[comment_at + 4 :]):
        with pytest.raises(MalformedMessageError) as raised:
            confluent_codec.decode("hendelse", corrupted)

        assert CANARY not in "".join(traceback.format_exception(raised.value))


@settings(max_examples=60, deadline=None)
@given(
    model=st.one_of(
        strategies.received_sykmeldinger(),
        strategies.nav_sykmeldinger(),
        strategies.arbeidsgiver_sykmeldinger(),
        strategies.pasient_sykmeldinger(),
    )
)
def test_naming_the_union_branches_writes_the_bytes_fastavro_writes_unaided(model: DomainModel) -> None:
    codec = AvroCodec(SchemaStore())
    schema = codec.store.current(SCHEMA_OF[type(model)])
    unaided = io.BytesIO()
    fastavro.schemaless_writer(unaided, schema.parsed, model.to_wire())
    assert codec.encode(schema.name, model.to_wire(), "topic")[len(schema.fingerprint) + 2 :] == unaided.getvalue()
