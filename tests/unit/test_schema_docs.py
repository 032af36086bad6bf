"""Every Avro field says what it means to NAV, and its examples are safe to publish.

A vendor reads the schemas (and the AsyncAPI and OpenAPI documents made from them) without us beside
them: a field without a doc is a question they have to ask. Examples are shown to everyone, so an
example that looks like a person's number must be a synthetic one (birth month + 80).
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sykmeldingsflyt.domain.identifiers import is_valid_fnr

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
SCHEMA_FILES = sorted(SCHEMAS.glob("*.avsc"))
_ELEVEN_DIGITS = re.compile(r"\b\d{11}\b")


def _fields(schema: Any, where: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(record name, path, field) for every field, also of records inside unions, arrays and maps."""
    if isinstance(schema, list):
        for branch in schema:
            yield from _fields(branch, where)
    elif isinstance(schema, dict):
        if schema["type"] == "record":
            for field in schema["fields"]:
                path = f"{where}.{field['name']}"
                yield schema["name"], path, field
                yield from _fields(field["type"], path)
        elif schema["type"] == "array":
            yield from _fields(schema["items"], f"{where}[]")
        elif schema["type"] == "map":
            yield from _fields(schema["values"], f"{where}{{}}")


def _all_fields() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path in SCHEMA_FILES:
        yield from _fields(json.loads(path.read_text()), path.stem)


@pytest.mark.parametrize("schema", SCHEMA_FILES, ids=lambda path: path.stem)
def test_every_field_has_a_doc(schema: Path) -> None:
    undocumented = [
        path for _, path, field in _fields(json.loads(schema.read_text()), schema.stem) if not field.get("doc")
    ]
    assert undocumented == []


def test_the_walk_reaches_records_inside_unions_arrays_and_maps() -> None:
    paths = {path for _, path, _ in _fields(json.loads((SCHEMAS / "nav_sykmelding.avsc").read_text()), "nav")}
    assert "nav.receivedSykmelding.sykmelding.perioder[].gradert.grad" in paths
    assert "nav.receivedSykmelding.sykmelding.utdypendeOpplysninger{}{}.svar" in paths


def test_a_field_means_the_same_wherever_its_record_appears() -> None:
    docs: dict[str, tuple[str, str]] = {}
    for record, path, field in _all_fields():
        first = docs.setdefault(f"{record}.{field['name']}", (path, field.get("doc", "")))
        assert first[1] == field.get("doc", ""), f"{path} and {first[0]} describe {record}.{field['name']} differently"


def test_examples_hold_no_real_person_number() -> None:
    for _, path, field in _all_fields():
        for number in _ELEVEN_DIGITS.findall(json.dumps(field.get("examples", []))):
            assert is_valid_fnr(number), f"{path}: example {number} is not a valid fnr"
            assert int(number[2:4]) > 80, f"{path}: example {number} is not synthetic (birth month + 80)"
