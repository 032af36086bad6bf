"""The contracts as documents: the AsyncAPI document at /asyncapi.yaml, and the OpenAPI document with
every property described and exemplified.

Most bodies are the domain's wire models, whose Avro schemas (schemas/*.avsc) already say what each
field means and give an example: their descriptions and examples are taken from there, so a field is
explained in one place for Kafka and HTTP alike. The gateway's own models carry theirs in `Field`. An
object, list or enum property without an example of its own gets one built from what it holds.
"""

import json
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI

from sykmeldingsflyt.gateway.routes import contracts
from sykmeldingsflyt.messaging.codec import SchemaStore

_REF = "#/components/schemas/"

# FastAPI's own answer to a request that breaks a route's types, in the shape of Avro fields, for a route
# that keeps FastAPI's default 422 description.
_FASTAPI_FIELDS: dict[str, dict[str, dict[str, Any]]] = {
    "HTTPValidationError": {"detail": {"doc": "One entry per field that broke a rule."}},
    "ValidationError": {
        "loc": {"doc": "Where the field is (body, query, path or header), then its path.", "examples": [["body", "x"]]},
        "msg": {"doc": "The rule in words.", "examples": ["Field required"]},
        "type": {"doc": "The rule's code.", "examples": ["missing"]},
        "input": {"doc": "What was sent for the field.", "examples": [""]},
        "ctx": {"doc": "The rule's parameters, if it has any.", "examples": [{"min_length": 1}]},
    },
}


def install(app: FastAPI, store: SchemaStore | None = None) -> None:
    """Serve the AsyncAPI document, and make `app.openapi()` return the described document (built once,
    as FastAPI's own is)."""
    app.include_router(contracts.router)
    plain = app.openapi

    def described() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = plain()
            _describe(document["components"]["schemas"], _FASTAPI_FIELDS | _avro_fields(store or SchemaStore()))
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = described  # type: ignore[method-assign]


def _avro_fields(store: SchemaStore) -> dict[str, dict[str, dict[str, Any]]]:
    """Every Avro record's fields by record name and field name, from every current schema."""
    records: dict[str, dict[str, dict[str, Any]]] = {}
    for name in store.names():
        for record in _records(json.loads(store.current(name).text)):
            records.setdefault(record["name"], {field["name"]: field for field in record["fields"]})
    return records


def _records(schema: Any) -> Iterator[dict[str, Any]]:
    if isinstance(schema, list):
        for branch in schema:
            yield from _records(branch)
    elif isinstance(schema, dict):
        if schema["type"] == "record":
            yield schema
            for field in schema["fields"]:
                yield from _records(field["type"])
        yield from _records(schema.get("items"))
        yield from _records(schema.get("values"))


def _describe(components: dict[str, Any], avro: dict[str, dict[str, dict[str, Any]]]) -> None:
    for name, component in components.items():
        fields = avro.get(name, {})
        for property_name, prop in component.get("properties", {}).items():
            field = fields.get(property_name, {})
            if "description" not in prop and "doc" in field:
                prop["description"] = field["doc"]
            if "examples" not in prop and "examples" in field:
                prop["examples"] = field["examples"]
    examples = _Examples(components)
    for component in components.values():
        for prop in component.get("properties", {}).values():
            if "examples" not in prop:
                example = examples.of(prop)
                if example is not None:
                    prop["examples"] = [example]


class _Examples:
    """An example value for a schema, from the examples of what it is made of."""

    def __init__(self, components: dict[str, Any]) -> None:
        self.components = components

    def of(self, schema: dict[str, Any]) -> Any:
        if "examples" in schema:
            return schema["examples"][0]
        if "$ref" in schema:
            return self.of(self.components[schema["$ref"].removeprefix(_REF)])
        if "enum" in schema:
            return schema["enum"][0]
        for branch in schema.get("anyOf", []):
            if branch.get("type") != "null":
                return self.of(branch)
        if schema.get("type") == "array":
            item = self.of(schema["items"])
            return None if item is None else [item]
        if "properties" in schema:
            example = {name: self.of(prop) for name, prop in schema["properties"].items()}
            return {name: value for name, value in example.items() if value is not None}
        return None
