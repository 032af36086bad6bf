"""Compatibility between the released schemas (schemas/released/<N>/) and this build's, in both
directions, on real records: generated from one schema, written with it, read with the other
(fastavro's schema resolution, as the codec does). Only the schemas a release really wrote
differently are compared; an identical one would prove nothing."""

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastavro
import pytest
from fastavro.read import SchemaResolutionError
from fastavro.schema import to_parsing_canonical_form
from fastavro.utils import generate_many

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
RECORDS = 200


def _parse(path: Path) -> Any:
    return fastavro.parse_schema(json.loads(path.read_text()))


def _changed() -> list[Path]:
    """Every released schema that differs from this build's on the wire."""
    return [
        released
        for released in sorted(SCHEMAS.glob("released/*/*.avsc"))
        if to_parsing_canonical_form(_parse(released)) != to_parsing_canonical_form(_parse(SCHEMAS / released.name))
    ]


CHANGED = _changed()
# An older reader that cannot read some of what this build writes, and which records: the readers of
# these topics are upgraded before their writers (docs/runbook.md, "Rolling deploys").
FORWARD_BREAKS: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    "1/oppgave": (
        "a new Oppgavetype symbol, GJENTAKENDE_SYKEFRAVAER, and release 1's enum has no default",
        lambda record: record["type"] == "GJENTAKENDE_SYKEFRAVAER",
    ),
    "1/plan_kvittering": (
        "a new rule code, NO_ACTIVE_EMPLOYMENT, and release 1's enum has no default",
        lambda record: "NO_ACTIVE_EMPLOYMENT" in json.dumps(record, default=str),
    ),
    "1/arbeidsgiver_sykmelding": (
        "the employer view's types were renamed (...AG); aliases resolve old names in a newer reader only",
        lambda record: True,
    ),
}


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _read_back(writer: Any, reader: Any, record: dict[str, Any]) -> dict[str, Any]:
    body = io.BytesIO()
    fastavro.schemaless_writer(body, writer, record)
    body.seek(0)
    result = fastavro.schemaless_reader(body, writer, reader)
    assert isinstance(result, dict)
    return result


def test_the_releases_hold_schemas_that_really_differ() -> None:
    assert {_id(path) for path in CHANGED} >= {"1/arbeidsgiver_sykmelding", "1/oppgave", "1/dead_letter"}


@pytest.mark.parametrize("released", CHANGED, ids=_id)
def test_this_build_reads_what_a_release_wrote(released: Path) -> None:
    older, newer = _parse(released), _parse(SCHEMAS / released.name)
    added = {field["name"]: field for field in newer["fields"]}.keys() - {field["name"] for field in older["fields"]}
    defaults = {field["name"]: field.get("default") for field in newer["fields"] if field["name"] in added}

    for record in generate_many(older, RECORDS):
        read = _read_back(older, newer, record)
        assert {name: read[name] for name in added} == defaults


@pytest.mark.parametrize("released", CHANGED, ids=_id)
def test_a_release_reads_what_this_build_writes_but_for_the_listed_breaks(released: Path) -> None:
    older, newer = _parse(released), _parse(SCHEMAS / released.name)
    _, breaks = FORWARD_BREAKS.get(_id(released), ("", lambda record: False))
    unreadable = []
    for record in generate_many(newer, RECORDS):
        try:
            read = _read_back(newer, older, record)
        except SchemaResolutionError:
            unreadable.append(record)
            continue
        assert read.keys() == {field["name"] for field in older["fields"]}
    assert unreadable == [record for record in unreadable if breaks(record)], "an unlisted forward break"
    assert bool(unreadable) == (_id(released) in FORWARD_BREAKS), "a listed break that no longer breaks"
