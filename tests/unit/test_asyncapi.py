"""The AsyncAPI document: made from the code, committed as docs/asyncapi.yaml, and valid AsyncAPI 3.0.

The official JSON schema (tests/data/asyncapi-3.0.0.schema.json, see tests/data/README.md) also checks
each Avro payload against its own Avro meta-schema, so a broken .avsc fails here too. That meta-schema is
stricter than the Avro specification in one place: it takes only simple names as aliases, where Avro
allows full names. The employer view's types alias the shared types they replaced by full name, which
the compatibility checker needs to read old views, so the check is run with those aliases shortened.
"""

import copy
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from faststream.kafka import KafkaBroker
from typer.testing import CliRunner

from sykmeldingsflyt.asyncapi import ServicesAsyncAPI, asyncapi_document, render
from sykmeldingsflyt.cli import app
from sykmeldingsflyt.gateway.publisher import PUBLISHES
from sykmeldingsflyt.messaging.codec import AvroCodec, SchemaStore
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import (
    ARBEIDSGIVER_SYKMELDING,
    DLQ_SUFFIX,
    SYKMELDING_FRA_EPJ,
    SYKMELDINGSFLYT_SCHEMAS,
    Topic,
    Topics,
    catalogue,
)
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.registry import SERVICES
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "asyncapi.yaml"
ASYNCAPI_SCHEMA = ROOT / "tests" / "data" / "asyncapi-3.0.0.schema.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return asyncapi_document()


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(ASYNCAPI_SCHEMA.read_text())
    return jsonschema.Draft7Validator(schema)


def _errors(validator: jsonschema.Draft7Validator, document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def test_the_committed_document_is_what_the_code_makes(document: dict[str, Any]) -> None:
    assert COMMITTED.read_text() == render(document), "run: sykmeldingsflyt asyncapi --out docs/asyncapi.yaml"


def _with_simple_aliases(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: [alias.rsplit(".", 1)[-1] for alias in value] if key == "aliases" else _with_simple_aliases(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_with_simple_aliases(value) for value in node]
    return node


def test_the_document_is_valid_asyncapi_3(document: dict[str, Any], validator: jsonschema.Draft7Validator) -> None:
    assert _errors(validator, _with_simple_aliases(document)) == []


def test_full_alias_names_are_the_only_allowance(
    document: dict[str, Any], validator: jsonschema.Draft7Validator
) -> None:
    failing = {error.split(": ", 1)[0] for error in _errors(validator, document)}
    assert failing <= {"components/schemas/arbeidsgiver_sykmelding/schema"}


def test_the_schema_check_reads_the_avro_payloads(
    document: dict[str, Any], validator: jsonschema.Draft7Validator
) -> None:
    broken = copy.deepcopy(document)
    del broken["components"]["schemas"]["kvittering"]["schema"]["fields"][0]["type"]
    assert any("components/schemas/kvittering" in error for error in _errors(validator, broken))


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _references(value)]
    return []


def test_every_reference_points_into_the_document(document: dict[str, Any]) -> None:
    # The JSON schema cannot see a dangling $ref; a reader's tool would.
    for reference in _references(document):
        node: Any = document
        for part in reference.removeprefix("#/").split("/"):
            assert isinstance(node, dict) and part in node, f"{reference} points nowhere"
            node = node[part]


def test_every_topic_is_a_channel_with_its_avro_contract(document: dict[str, Any]) -> None:
    topics = catalogue()
    assert set(document["channels"]) == {topic.name for topic in topics}
    for topic in topics:
        (message,) = document["channels"][topic.name]["messages"].values()
        if topic == SYKMELDINGSFLYT_SCHEMAS:
            continue  # its value is an Avro schema itself: below
        assert message["payload"] == {"$ref": f"#/components/schemas/{topic.value_schema}"}
        schema = document["components"]["schemas"][topic.value_schema]
        assert schema["schemaFormat"] == "application/vnd.apache.avro+json;version=1.9.0"
        assert schema["schema"] == json.loads((ROOT / "schemas" / f"{topic.value_schema}.avsc").read_text())


def test_the_schema_topic_is_a_compacted_channel_of_schemas_as_json(document: dict[str, Any]) -> None:
    channel = document["channels"][SYKMELDINGSFLYT_SCHEMAS.name]
    (message,) = channel["messages"].values()

    assert channel["bindings"]["kafka"]["topicConfiguration"]["cleanup.policy"] == ["compact"]
    assert channel["bindings"]["kafka"]["partitions"] == 1
    assert message["contentType"] == "application/json"
    assert "fingerprint" in message["bindings"]["kafka"]["key"]["description"]
    assert "Avro schema" in message["payload"]["description"]
    assert SYKMELDINGSFLYT_SCHEMAS.value_schema not in document["components"]["schemas"]


def test_each_service_receives_what_it_subscribes_to_and_sends_what_it_produces(document: dict[str, Any]) -> None:
    operations = {
        (operation["tags"][0]["name"], operation["action"], operation["channel"]["$ref"])
        for operation in document["operations"].values()
    }
    assert ("mottak", "receive", "#/channels/sykmelding.fra-epj") in operations
    assert ("mottak", "send", "#/channels/sykmelding.fra-epj.dlq") in operations
    for name, service in SERVICES.items():
        assert any(service_name == name for service_name, _, _ in operations), f"{name} has no operation"
        for topic in service.produces:
            assert (name, "send", f"#/channels/{topic.name}") in operations
    for topic in PUBLISHES:
        assert ("gateway", "send", f"#/channels/{topic.name}") in operations


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_a_service_declares_every_topic_its_module_names(name: str, document: dict[str, Any]) -> None:
    # A service that starts writing a topic imports its catalogue entry; then it must say so in
    # `produces`, or the document (and the ACLs made from it) would not let it.
    service = SERVICES[name]
    named = {value.name for value in vars(sys.modules[service.__module__]).values() if isinstance(value, Topic)}
    received = {
        operation["channel"]["$ref"].removeprefix("#/channels/")
        for operation in document["operations"].values()
        if operation["tags"][0]["name"] == name and operation["action"] == "receive"
    }
    produced = {topic.name for topic in service.produces if not topic.name.endswith(DLQ_SUFFIX)}
    dead_letters = {topic.name for topic in service.produces if topic.name.endswith(DLQ_SUFFIX)}
    assert named <= received | produced
    assert produced <= named
    # A service dead-letters only what it reads: a party's message it cannot handle goes to that topic's twin.
    assert dead_letters <= {name + DLQ_SUFFIX for name in received}


def test_a_channel_says_who_may_write_and_read_it(document: dict[str, Any]) -> None:
    channel = document["channels"][SYKMELDING_FRA_EPJ.name]
    assert channel["x-writers"] == ["epj"]
    assert channel["x-dead-letter-topic"] == "sykmelding.fra-epj.dlq"
    assert channel["bindings"]["kafka"]["topicConfiguration"] == {
        "cleanup.policy": ["delete"],
        "retention.ms": SYKMELDING_FRA_EPJ.retention_ms,
    }
    employer = document["channels"][ARBEIDSGIVER_SYKMELDING.name]
    assert employer["x-readers"] == sorted(party.value for party in ARBEIDSGIVER_SYKMELDING.readers)
    (message,) = employer["messages"].values()
    assert set(message["headers"]["properties"]) == {"event-id", "orgnummer", "juridisk-orgnummer"}


def test_the_command_writes_the_document(tmp_path: Path, document: dict[str, Any]) -> None:
    out = tmp_path / "asyncapi.yaml"
    result = CliRunner().invoke(app, ["asyncapi", "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert yaml.safe_load(out.read_text()) == document


def test_a_process_document_is_its_services_part_under_its_topic_names(
    document: dict[str, Any], validator: jsonschema.Draft7Validator
) -> None:
    # What a service process serves at /internal/asyncapi.json: the same source, over its own broker.
    prefix = "team."
    runtime = Runtime(
        kafka=KafkaSettings.model_construct(bootstrap_servers="asyncapi.invalid:9092", topic_prefix=prefix),
        database=Database("sqlite+aiosqlite://"),
        codec=AvroCodec(SchemaStore()),
        topics=Topics(prefix),
    )
    broker = KafkaBroker("asyncapi.invalid:9092")
    Mottak(runtime).register(broker)
    served = ServicesAsyncAPI(runtime.topics).add_broker(broker).document

    def named(operations: Iterable[dict[str, Any]], prefix: str = "") -> set[tuple[str, str]]:
        return {(op["action"], prefix + op["channel"]["$ref"].removeprefix("#/channels/")) for op in operations}

    mottak = [op for op in document["operations"].values() if op["tags"] == [{"name": "mottak"}]]
    assert named(served["operations"].values()) == named(mottak, prefix)
    assert set(served["channels"]) == {channel for _, channel in named(mottak, prefix)}
    assert served["channels"][prefix + SYKMELDING_FRA_EPJ.name]["address"] == prefix + SYKMELDING_FRA_EPJ.name
    assert [tag["name"] for tag in served["info"]["tags"]] == ["mottak"]
    assert _errors(validator, _with_simple_aliases(served)) == []
    test_every_reference_points_into_the_document(served)
