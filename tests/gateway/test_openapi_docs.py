"""Every property of the OpenAPI document says what it means and shows an example, with synthetic data only."""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from sykmeldingsflyt.domain.identifiers import is_valid_fnr, is_valid_orgnr
from sykmeldingsflyt.gateway import documents
from sykmeldingsflyt.gateway.app import create_app
from sykmeldingsflyt.gateway.models import Accepted
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.messaging.settings import KafkaSettings

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
_ELEVEN_DIGITS = re.compile(r"\b\d{11}\b")
_NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")


@pytest.fixture
def document(gateway_settings: GatewaySettings) -> dict[str, Any]:
    return create_app(gateway_settings, KafkaSettings(), "sqlite+aiosqlite://").openapi()


def _properties(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of every schema in the document, wherever it is defined."""
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            yield f"{where}.{name}", prop
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _properties(value, f"{where}[{index}]")


def test_every_property_has_a_description_and_an_example(document: dict[str, Any]) -> None:
    properties = list(_properties(document, "#"))
    assert len(properties) > 200
    lacking = [where for where, prop in properties if not prop.get("description") or not prop.get("examples")]
    assert lacking == [], "\n".join(lacking)


def test_a_wire_model_is_described_by_its_avro_schema(document: dict[str, Any]) -> None:
    (fom,) = [field for field in _avro_fields("received_sykmelding.avsc", "Periode") if field["name"] == "fom"]
    assert document["components"]["schemas"]["Periode"]["properties"]["fom"]["description"] == fom["doc"]


def _avro_fields(schema_file: str, record: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "record" and node.get("name") == record:
                found.extend(node["fields"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads((SCHEMAS / schema_file).read_text()))
    return found


def test_examples_are_synthetic(document: dict[str, Any]) -> None:
    examples = json.dumps([prop["examples"] for _, prop in _properties(document, "#") if "examples" in prop])
    for number in set(_ELEVEN_DIGITS.findall(examples)):
        assert is_valid_fnr(number) and int(number[2:4]) > 80, f"{number} is not a synthetic fnr"
    for number in set(_NINE_DIGITS.findall(examples)):
        assert is_valid_orgnr(number), f"{number} is not a valid orgnr"


def test_fastapis_own_validation_answer_is_described_too() -> None:
    # A route that keeps FastAPI's default 422 brings FastAPI's components into the document.
    app = FastAPI()

    @app.post("/echo")
    async def echo(body: Accepted) -> Accepted:
        return body

    documents.install(app)
    components = app.openapi()["components"]["schemas"]
    for name in ("HTTPValidationError", "ValidationError"):
        for prop in components[name]["properties"].values():
            assert prop.get("description") and prop.get("examples"), name
