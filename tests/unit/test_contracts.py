"""The Avro schemas in schemas/ are the wire contract; the pydantic models must mirror them exactly."""

import io
import json
import random
import types
import typing
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from typing import Any

import avro.schema
import fastavro
import pytest
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime, BaseModel, ValidationError

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.kvittering import Avvisningsgrunn, Kvittering, KvitteringStatus
from sykmeldingsflyt.domain.status import StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykmelding import (
    AktivitetIkkeMulig,
    Gradert,
    Periode,
    Periodetype,
    ReceivedSykmelding,
)
from sykmeldingsflyt.domain.validering import RuleHit, RuleStatus, ValidationResult
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding, NavSykmelding, PasientSykmelding
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER, make_sykmelding
from tests import strategies
from tests.oppfolging_strategies import OPPFOLGING_CONTRACTS
from tests.timeline_strategies import TIMELINE_CONTRACTS

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
RELEASED = SCHEMAS / "released"
NAMESPACE = "no.sykmeldingsflyt.v1"

CONTRACTS: list[tuple[str, type[DomainModel], st.SearchStrategy[Any]]] = [
    ("received_sykmelding", ReceivedSykmelding, strategies.received_sykmeldinger()),
    ("kvittering", Kvittering, strategies.kvitteringer()),
    ("sykmelding_status", SykmeldingStatusEvent, strategies.status_events()),
    ("nav_sykmelding", NavSykmelding, strategies.nav_sykmeldinger()),
    ("arbeidsgiver_sykmelding", ArbeidsgiverSykmelding, strategies.arbeidsgiver_sykmeldinger()),
    ("pasient_sykmelding", PasientSykmelding, strategies.pasient_sykmeldinger()),
    *OPPFOLGING_CONTRACTS,
    *TIMELINE_CONTRACTS,
]
contract_ids = [name for name, _, _ in CONTRACTS]

# Names of NAV fields that carry medical data or identify the patient, doctor or clinic.
MEDICAL_OR_IDENTIFYING = [
    "diagnose",
    "kode",
    "medisinsk",
    "svangerskap",
    "yrkesskade",
    "annenfravers",
    "grunn",
    "utdypende",
    "sporsmal",
    "svar",
    "restriksjon",
    "meldingtilnav",
    "bistand",
    "tiltaknav",
    "andretiltak",
    "erIArbeid",
    "erIkkeIArbeid",
    "arbeidsforPaSikt",
    "begrunnelseIkkeKontakt",
    "stillingsprosent",
    "redusert",
    "skjermes",
    "fnr",
    "hpr",
    "herId",
    "legekontor",
    "rule",
    "validation",
    "behandlingsutfall",
    "fellesformat",
]


def _load(path: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema


def _round_trip(schema: dict[str, Any], record: dict[str, object]) -> dict[str, Any]:
    parsed = fastavro.parse_schema(schema)
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, parsed, record, strict=True)
    buffer.seek(0)
    decoded = fastavro.schemaless_reader(buffer, parsed, None)
    assert isinstance(decoded, dict)
    return decoded


# --- every model survives its schema ---------------------------------------------------------------


@pytest.mark.parametrize(("schema_name", "model", "instances"), CONTRACTS, ids=contract_ids)
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_model_round_trips_through_its_schema(
    schema_name: str, model: type[DomainModel], instances: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    original = data.draw(instances)
    decoded = _round_trip(_load(SCHEMAS / f"{schema_name}.avsc"), original.to_wire())
    assert model.model_validate(decoded) == original


def test_the_synthetic_sykmelding_is_valid_on_the_wire() -> None:
    received = make_sykmelding(random.Random(7), fom=date(2026, 3, 2))
    decoded = _round_trip(_load(SCHEMAS / "received_sykmelding.avsc"), received.to_wire())
    assert ReceivedSykmelding.model_validate(decoded) == received


# --- the schemas mirror the models field by field --------------------------------------------------


def _named_types(schema: Any, found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    if isinstance(schema, list):
        for branch in schema:
            _named_types(branch, found)
    elif isinstance(schema, dict):
        if schema["type"] in ("record", "enum"):
            found[schema["name"]] = schema
        for field in schema.get("fields", []):
            _named_types(field["type"], found)
        _named_types(schema.get("items"), found)
        _named_types(schema.get("values"), found)
    return found


def _assert_mirrors(annotation: Any, schema: Any, named: dict[str, dict[str, Any]], where: str) -> None:
    if isinstance(schema, str) and schema in named:
        schema = named[schema]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        _assert_mirrors(typing.get_args(annotation)[0], schema, named, where)
    elif origin in (typing.Union, types.UnionType):
        (inner,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        assert isinstance(schema, list) and schema[0] == "null" and len(schema) == 2, where
        _assert_mirrors(inner, schema[1], named, where)
    elif origin is list:
        assert schema["type"] == "array", where
        _assert_mirrors(typing.get_args(annotation)[0], schema["items"], named, f"{where}[]")
    elif origin is dict:
        assert schema["type"] == "map", where
        _assert_mirrors(typing.get_args(annotation)[1], schema["values"], named, f"{where}{{}}")
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        assert schema["type"] == "record" and schema["name"] == annotation.__name__, where
        _assert_record_mirrors(annotation, schema, named, where)
    elif isinstance(annotation, type) and issubclass(annotation, StrEnum):
        assert schema["type"] == "enum" and schema["name"] == annotation.__name__, where
        assert schema["symbols"] == [member.value for member in annotation], where
    else:
        expected = {
            str: "string",
            int: "int",
            bool: "boolean",
            date: {"type": "int", "logicalType": "date"},
            AwareDatetime: {"type": "long", "logicalType": "timestamp-millis"},
        }[annotation]
        assert schema == expected, where


def _assert_record_mirrors(
    model: type[BaseModel], record: dict[str, Any], named: dict[str, dict[str, Any]], where: str
) -> None:
    fields = {field["name"]: field for field in record["fields"]}
    aliases = {info.alias or name: info for name, info in model.model_fields.items()}
    assert list(fields) == list(aliases), f"{where}: the schema's fields are not the model's wire names"
    for alias, info in aliases.items():
        field, path = fields[alias], f"{where}.{alias}"
        _assert_mirrors(info.annotation, field["type"], named, path)
        if info.is_required():
            assert "default" not in field, f"{path} is required in the model but has a default on the wire"
        else:
            assert field.get("default", "missing") == info.get_default(call_default_factory=True), path


@pytest.mark.parametrize(("schema_name", "model", "instances"), CONTRACTS, ids=contract_ids)
def test_a_schema_mirrors_its_model(
    schema_name: str, model: type[DomainModel], instances: st.SearchStrategy[Any]
) -> None:
    schema = _load(SCHEMAS / f"{schema_name}.avsc")
    assert schema["namespace"] == NAMESPACE
    assert "Produced by" in schema["doc"] and "Read" in schema["doc"]
    _assert_record_mirrors(model, schema, _named_types(schema, {}), schema_name)


def _without_docs_and_nested_definitions(definition: dict[str, Any]) -> Any:
    def shallow(schema: Any) -> Any:
        if isinstance(schema, list):
            return [shallow(branch) for branch in schema]
        if isinstance(schema, dict):
            if schema["type"] in ("record", "enum"):
                return schema["name"]
            return {key: shallow(value) for key, value in schema.items() if key != "doc"}
        return schema

    copy = {key: value for key, value in definition.items() if key not in ("doc", "namespace")}
    if "fields" in copy:
        copy["fields"] = [
            {**{key: value for key, value in field.items() if key != "doc"}, "type": shallow(field["type"])}
            for field in copy["fields"]
        ]
    return copy


def test_a_named_type_means_the_same_in_every_schema() -> None:
    definitions: dict[str, tuple[str, Any]] = {}
    for path in sorted(SCHEMAS.glob("*.avsc")):
        for name, definition in _named_types(_load(path), {}).items():
            shape = _without_docs_and_nested_definitions(definition)
            first = definitions.setdefault(name, (path.name, shape))
            assert first[1] == shape, f"{name} in {path.name} differs from {name} in {first[0]}"


# --- evolution -------------------------------------------------------------------------------------


def _compatibility(reader: Path | str, writer: Path | str) -> SchemaCompatibilityType:
    def parse(source: Path | str) -> avro.schema.Schema:
        return avro.schema.parse(source.read_text() if isinstance(source, Path) else source)

    checker = ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]
    result = checker.get_compatibility(parse(reader), parse(writer))
    compatibility: SchemaCompatibilityType = result.compatibility
    return compatibility


@pytest.mark.parametrize("schema", sorted(SCHEMAS.glob("*.avsc")), ids=lambda path: path.stem)
def test_a_schema_has_a_released_version(schema: Path) -> None:
    assert list(RELEASED.glob(f"*/{schema.name}")), f"{schema.name} is in no release: see schemas/released/README.md"


@pytest.mark.parametrize(
    "released", sorted(RELEASED.glob("*/*.avsc")), ids=lambda path: f"{path.parent.name}/{path.stem}"
)
def test_a_schema_is_backward_compatible_with_every_release(released: Path) -> None:
    assert _compatibility(reader=SCHEMAS / released.name, writer=released) is SchemaCompatibilityType.compatible


def test_the_compatibility_check_catches_a_new_required_field() -> None:
    path = RELEASED / "1" / "kvittering.avsc"
    released = _load(path)
    changed = {**released, "fields": [*released["fields"], {"name": "nyttFelt", "type": "string"}]}
    assert _compatibility(json.dumps(changed), path) is (SchemaCompatibilityType.incompatible)


# --- the employer view carries nothing medical -----------------------------------------------------


def _names(schema: Any) -> set[str]:
    """Every field name, type name and enum symbol in a schema."""
    names: set[str] = set()
    for definition in _named_types(schema, {}).values():
        names.add(definition["name"])
        names.update(definition.get("symbols", []))
        names.update(field["name"] for field in definition.get("fields", []))
    return names


def _denied(names: set[str]) -> set[str]:
    return {name for name in names for term in MEDICAL_OR_IDENTIFYING if term.lower() in name.lower()}


def test_the_employer_view_has_no_medical_or_identifying_field() -> None:
    assert _denied(_names(_load(SCHEMAS / "arbeidsgiver_sykmelding.avsc"))) == set()


def test_the_denylist_finds_the_medical_fields_of_the_full_sykmelding() -> None:
    denied = _denied(_names(_load(SCHEMAS / "received_sykmelding.avsc")))
    assert {"hovedDiagnose", "medisinskArsak", "utdypendeOpplysninger", "tiltakNAV", "pasientFnr"} <= denied


# --- model invariants the wire relies on -----------------------------------------------------------


def test_timestamps_are_normalised_to_utc_milliseconds() -> None:
    received = make_sykmelding(
        random.Random(1),
        fom=date(2026, 3, 2),
        mottatt_dato=datetime(2026, 3, 2, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1))),
    )
    assert received.mottatt_dato == datetime(2026, 3, 2, 9, 0, 0, 123000, tzinfo=UTC)
    assert received.mottatt_dato.tzinfo is UTC


def test_a_naive_timestamp_is_rejected() -> None:
    wire = make_sykmelding(random.Random(1), fom=date(2026, 3, 2)).to_wire()
    with pytest.raises(ValidationError):
        ReceivedSykmelding.model_validate({**wire, "mottattDato": datetime(2026, 3, 2, 9, 0)})


def test_the_synthetic_sykmelding_has_one_fourteen_day_aktivitet_ikke_mulig_period() -> None:
    fom = date(2026, 3, 2)
    received = make_sykmelding(random.Random(3), fom=fom)

    (periode,) = received.sykmelding.perioder
    assert periode.kind is Periodetype.AKTIVITET_IKKE_MULIG
    assert (periode.fom, periode.tom) == (fom, fom + timedelta(days=13))
    assert received.sykmelding.signatur_dato.date() == fom
    assert make_sykmelding(random.Random(3), fom=fom) == received
    assert received.sykmelding.arbeidsgiver.navn == DEMO_ARBEIDSGIVER.org_navn


@pytest.mark.parametrize(
    ("periode", "kind"),
    [
        (Periode(fom=date(2026, 1, 1), tom=date(2026, 1, 2)), None),
        (Periode(fom=date(2026, 1, 1), tom=date(2026, 1, 2), reisetilskudd=True), Periodetype.REISETILSKUDD),
        (
            Periode(fom=date(2026, 1, 1), tom=date(2026, 1, 2), behandlingsdager=1),
            Periodetype.BEHANDLINGSDAGER,
        ),
        (
            Periode(fom=date(2026, 1, 1), tom=date(2026, 1, 2), gradert=Gradert(grad=50, reisetilskudd=True)),
            Periodetype.GRADERT,
        ),
        (
            Periode(
                fom=date(2026, 1, 1),
                tom=date(2026, 1, 2),
                aktivitet_ikke_mulig=AktivitetIkkeMulig(),
                avventende_innspill_til_arbeidsgiver="innspill",
            ),
            None,
        ),
    ],
)
def test_a_period_has_a_kind_only_when_it_claims_exactly_one(periode: Periode, kind: Periodetype | None) -> None:
    assert periode.kind is kind


def test_a_validation_result_status_is_its_most_severe_hit() -> None:
    hit = RuleHit(
        rule_name="SYKMELDING_MED_BEHANDLINGSDAGER",
        message_for_sender="Sykmelding inneholder behandlingsdager.",
        message_for_user="Sykmeldingen inneholder behandlingsdager.",
        rule_status=RuleStatus.MANUAL_PROCESSING,
    )
    assert ValidationResult(status=RuleStatus.MANUAL_PROCESSING, rule_hits=[hit]).status is (
        RuleStatus.MANUAL_PROCESSING
    )
    with pytest.raises(ValidationError):
        ValidationResult(status=RuleStatus.OK, rule_hits=[hit])
    with pytest.raises(ValidationError):
        ValidationResult(status=RuleStatus.INVALID)


def test_only_an_avvist_kvittering_has_reasons() -> None:
    fields: dict[str, Any] = {
        "kvittering_id": "6f1c5f0e-1b1a-4d0e-9b8e-0a6f0a1f2b3c",
        "msg_id": "b2b8f0a4-5f5a-4c1e-8f63-3c3f0a0d1e2f",
        "mottatt_dato": datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    }
    grunn = Avvisningsgrunn(rule_name="PERIODER_MANGLER", message_for_sender="Det er ikke oppgitt perioder.")
    Kvittering(status=KvitteringStatus.OK, **fields)
    Kvittering(status=KvitteringStatus.AVVIST, avvisningsgrunner=[grunn], **fields)
    with pytest.raises(ValidationError):
        Kvittering(status=KvitteringStatus.AVVIST, **fields)
    with pytest.raises(ValidationError):
        Kvittering(status=KvitteringStatus.OK, avvisningsgrunner=[grunn], **fields)


@pytest.mark.parametrize("event", list(StatusEvent))
def test_only_a_sendt_status_names_an_employer(event: StatusEvent) -> None:
    fields: dict[str, Any] = {
        "event_id": "0d7e8c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
        "sykmelding_id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
        "timestamp": datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        "status_event": event,
    }
    with_employer = {**fields, "arbeidsgiver": DEMO_ARBEIDSGIVER}
    valid, invalid = (with_employer, fields) if event is StatusEvent.SENDT else (fields, with_employer)
    SykmeldingStatusEvent(**valid)
    with pytest.raises(ValidationError):
        SykmeldingStatusEvent(**invalid)


def test_a_timestamp_before_year_one_in_utc_is_a_validation_error_not_a_crash() -> None:
    # 00:00 on 1 January of year 1 at UTC+00:01 is a minute before the first instant Python can hold.
    with pytest.raises(ValidationError, match="timestamp out of range"):
        Kvittering(
            kvittering_id="5b1f0b0e-8f65-4c36-9a43-7ad0b4f1f0a1",
            msg_id="x",
            status=KvitteringStatus.OK,
            mottatt_dato=datetime(1, 1, 1, tzinfo=timezone(timedelta(minutes=1))),
        )
