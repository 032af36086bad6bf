"""`sykmeldingsflyt schemas register|check` against a Confluent Schema Registry on a real HTTP server, and a
runtime configured with a registry registering before it writes and learning before it reads."""

import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from sykmeldingsflyt.cli import app
from sykmeldingsflyt.domain.kvittering import Kvittering, KvitteringStatus
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.codec import SchemaStore
from sykmeldingsflyt.messaging.schema_registry import ConfluentSchemaRegistry, subjects
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from tests.support.http import http_server
from tests.support.schema_registry import ConfluentRegistry

PREFIX = "team."
KVITTERING = f"{PREFIX}epj.kvittering-value"


@pytest.fixture
def registry() -> Iterator[ConfluentRegistry]:
    with http_server() as server:
        yield ConfluentRegistry(server, credentials=("sykmeldingsflyt", "hemmelig"))


def _schemas(registry: ConfluentRegistry, command: str, **variables: str) -> Result:
    environment = {
        "KAFKA_SCHEMA_REGISTRY": registry.url,
        "KAFKA_SCHEMA_REGISTRY_USER": "sykmeldingsflyt",
        "KAFKA_SCHEMA_REGISTRY_PASSWORD": "hemmelig",
        "SYKMELDINGSFLYT_TOPIC_PREFIX": PREFIX,
    }
    return CliRunner().invoke(app, ["schemas", command], env=environment | variables)


def _lines(result: Result) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in result.stdout.splitlines() if not line.startswith(" "))


def test_register_puts_each_schema_this_build_writes_under_its_topic_subject_and_again_changes_nothing(
    registry: ConfluentRegistry,
) -> None:
    expected = subjects(SchemaStore(), PREFIX)

    first, again = _schemas(registry, "register"), _schemas(registry, "register")

    assert first.exit_code == again.exit_code == 0, first.output
    assert _lines(first) == _lines(again)
    assert set(_lines(first)) == set(expected)
    assert KVITTERING in expected and f"{PREFIX}sykmelding.fra-epj.dlq-value" in expected
    assert {subject: len(versions) for subject, versions in registry.versions.items()} == dict.fromkeys(expected, 1)
    registered = json.loads(registry.schemas[registry.versions[KVITTERING][0]])
    assert registered == json.loads(expected[KVITTERING].text), "the schema as written: docs, defaults and all"


def _without_a_field(text: str) -> tuple[dict[str, Any], str]:
    """The schema as an older build had it, before a field without a default was added; and that field."""
    schema = json.loads(text)
    added = next(field for field in schema["fields"] if "default" not in field)
    return {**schema, "fields": [field for field in schema["fields"] if field is not added]}, added["name"]


def test_check_says_new_then_compatible_and_names_a_subject_whose_latest_version_this_build_cannot_read(
    registry: ConfluentRegistry,
) -> None:
    new = _schemas(registry, "check")
    _schemas(registry, "register")
    compatible = _schemas(registry, "check")
    older, field = _without_a_field(subjects(SchemaStore(), PREFIX)[KVITTERING].text)
    registry.plant(KVITTERING, older)
    refused_check, refused_register = _schemas(registry, "check"), _schemas(registry, "register")

    assert new.exit_code == compatible.exit_code == 0
    assert set(_lines(new).values()) == {"new (no version registered yet)"}
    assert set(_lines(compatible).values()) == {"compatible"}
    assert refused_check.exit_code == 1
    answers = _lines(refused_check)
    assert answers.pop(KVITTERING) == "INCOMPATIBLE"
    assert set(answers.values()) == {"compatible"}
    assert field in refused_check.stdout, "the registry's reason names the field"
    assert refused_register.exit_code == 1
    assert f"error: {KVITTERING}: the schema registry answered 409" in refused_register.stderr


def test_a_registry_that_refuses_the_credentials_is_one_line_and_exit_1(registry: ConfluentRegistry) -> None:
    result = _schemas(registry, "check", KAFKA_SCHEMA_REGISTRY_PASSWORD="feil")

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {PREFIX}sykmelding.fra-epj-value: the schema registry answered 401: Unauthorized"
    ]


def test_no_registry_configured_is_exit_2_naming_the_variable_and_one_away_is_exit_1(
    registry: ConfluentRegistry,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"

    unset = _schemas(registry, "register", KAFKA_SCHEMA_REGISTRY="")
    away = _schemas(registry, "register", KAFKA_SCHEMA_REGISTRY=closed)

    assert (unset.exit_code, unset.stderr.split(":")[:2]) == (2, ["error", " KAFKA_SCHEMA_REGISTRY"])
    assert away.exit_code == 1
    assert away.stderr.strip() == f"error: the schema registry at {closed} did not answer (ConnectError)"


async def test_a_runtime_with_a_registry_registers_before_it_writes_and_another_learns_before_it_reads(
    registry: ConfluentRegistry,
) -> None:
    kafka = KafkaSettings(
        KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9092",
        SYKMELDINGSFLYT_TOPIC_PREFIX=PREFIX,
        KAFKA_SCHEMA_REGISTRY=registry.url,
        KAFKA_SCHEMA_REGISTRY_USER="sykmeldingsflyt",
        KAFKA_SCHEMA_REGISTRY_PASSWORD="hemmelig",
    )
    database = Database("sqlite+aiosqlite:///:memory:")
    writer, reader = Runtime.from_env(kafka, database), Runtime.from_env(kafka, database)
    assert isinstance(writer.schema_topic, ConfluentSchemaRegistry)
    assert isinstance(reader.schema_topic, ConfluentSchemaRegistry)
    kvittering = _a_kvittering()

    await writer.schema_topic.publish()  # what run_services and the gateway's publisher do before writing
    data = contracts.encode(writer.codec, kvittering, f"{PREFIX}epj.kvittering")
    await reader.schema_topic.learn_unknown([data])  # what the consume path does before a batch is read

    assert data[:1] == b"\x00", "Confluent framing"
    assert contracts.decode(reader.codec, data, Kvittering) == kvittering
    await database.dispose()


def _a_kvittering() -> Kvittering:
    return Kvittering(
        kvittering_id="6c1c3a0e-52a6-4e4b-9f6e-0a2f0c7f9b11",
        msg_id="msg-1",
        status=KvitteringStatus.OK,
        mottatt_dato=datetime(2026, 12, 5, 9, tzinfo=UTC),
    )
