"""The sykepengesøknad: its checks, the days it gives the case, and the employer's view of it."""

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from pydantic import ValidationError

from sykmeldingsflyt.domain.identifiers import synthetic_fnr
from sykmeldingsflyt.domain.sykepengesoknad import (
    Fravarstype,
    Soknadstype,
    Sykepengesoknad,
    Sykmeldingstype,
    arbeidsgiver_soknad,
)
from sykmeldingsflyt.domain.tilfelle import PeriodeKind, build_tilfeller, soknad_biter
from tests.timeline_strategies import soknader

FOM = date(2024, 3, 4)
ORGNR = "311000101"
FNR = synthetic_fnr(date(1980, 5, 17), random.Random(3))
SENDT = datetime(2024, 4, 8, 9, tzinfo=UTC)


def day(n: int) -> date:
    return FOM + timedelta(days=n)


def soknad(**changes: Any) -> Sykepengesoknad:
    fields: dict[str, Any] = {
        "id": "6f1c2c3e-1d5b-4f38-9a50-1b0b4f7f2a11",
        "type": "ARBEIDSTAKERE",
        "fnr": FNR,
        "sykmeldingId": "0b5f3c8e-4e43-4d43-8c61-2d0f2b0c7a22",
        "arbeidsgiver": {"orgnummer": ORGNR, "navn": "Bakeriet AS"},
        "fom": day(0),
        "tom": day(20),
        "sendtNav": SENDT,
        "soknadsperioder": [
            {"fom": day(0), "tom": day(20), "sykmeldingsgrad": 100, "sykmeldingstype": "AKTIVITET_IKKE_MULIG"}
        ],
        "meldingTilNav": "Bare til NAV",
    }
    return Sykepengesoknad.model_validate({**fields, **changes})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"fom": day(21)}, "fom is after tom"),
        ({"korrigerer": "6f1c2c3e-1d5b-4f38-9a50-1b0b4f7f2a11"}, "korrigerer names the søknad itself"),
        ({"arbeidsgiver": None}, "arbeidsgiver is required for ARBEIDSTAKERE"),
        ({"type": "ARBEIDSLEDIG"}, "arbeidsgiver is required for ARBEIDSTAKERE"),
        ({"sendtNav": None}, "sendtNav or sendtArbeidsgiver"),
        ({"arbeidGjenopptatt": day(21)}, "arbeidGjenopptatt lies outside"),
        ({"fravar": [{"fom": day(15), "tom": day(25), "type": "FERIE"}]}, "outside fom..tom"),
        ({"behandlingsdager": [day(-1)]}, "behandlingsdag lies outside"),
        ({"soknadsperioder": []}, "soknadsperioder"),
        ({"fnr": "12345678901"}, "fnr"),
    ],
)
def test_a_malformed_soknad_is_refused_naming_the_rule(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        soknad(**changes)
    assert field in str(refused.value)
    assert FNR not in str(refused.value)


def test_the_soknad_gives_its_days_to_the_case() -> None:
    parsed = soknad(
        tom=day(30),
        soknadsperioder=[
            {"fom": day(0), "tom": day(9), "sykmeldingsgrad": 100, "sykmeldingstype": "AKTIVITET_IKKE_MULIG"},
            {"fom": day(10), "tom": day(30), "sykmeldingsgrad": 50, "faktiskGrad": 70, "sykmeldingstype": "GRADERT"},
        ],
        fravar=[
            {"fom": day(12), "tom": day(14), "type": "FERIE"},
            {"fom": day(15), "tom": day(16), "type": "UTLANDSOPPHOLD"},
        ],
        arbeidGjenopptatt=day(25),
    )
    [tilfelle] = build_tilfeller(soknad_biter(parsed.perioder(), ORGNR, parsed.sendt))
    assert (tilfelle.start, tilfelle.end) == (day(0), day(24))
    assert tilfelle.grad_on(day(5)) == 100
    assert tilfelle.grad_on(day(11)) == 30  # worked 70 % where 50 % was prescribed: away 30 %
    assert tilfelle.grad_on(day(13)) is None  # holiday is not a sick day
    assert tilfelle.grad_on(day(16)) == 30  # a stay abroad changes no day
    assert tilfelle.arbeidsgivere == (ORGNR,)


def test_behandlingsdager_are_sick_days_and_the_rest_of_the_period_work_days() -> None:
    parsed = soknad(
        type="BEHANDLINGSDAGER",
        arbeidsgiver=None,
        soknadsperioder=[{"fom": day(0), "tom": day(20), "sykmeldingsgrad": 0, "sykmeldingstype": "BEHANDLINGSDAGER"}],
        behandlingsdager=[day(2), day(9)],
    )
    kinds = {(p.fom, p.kind) for p in parsed.perioder()}
    assert (day(2), PeriodeKind.BEHANDLINGSDAG) in kinds
    [tilfelle] = build_tilfeller(soknad_biter(parsed.perioder(), None, parsed.sendt))
    assert (tilfelle.start, tilfelle.end, tilfelle.sykedager) == (day(2), day(9), 2)


def test_the_employer_sees_no_fnr_and_nothing_said_to_nav_alone() -> None:
    view = arbeidsgiver_soknad(
        soknad(sendtArbeidsgiver=SENDT, fravar=[{"fom": day(3), "tom": day(4), "type": "PERMISJON"}])
    )
    assert view is not None
    wire = repr(view.to_wire())
    assert FNR not in wire and "Bare til NAV" not in wire
    assert view.fravar[0].type is Fravarstype.PERMISJON
    assert view.soknadsperioder[0].sykmeldingstype is Sykmeldingstype.AKTIVITET_IKKE_MULIG


@given(soknader())
def test_the_employer_view_holds_only_named_fields(parsed: Sykepengesoknad) -> None:
    view = arbeidsgiver_soknad(parsed)
    assert (view is None) == (parsed.type is not Soknadstype.ARBEIDSTAKERE or parsed.sendt_arbeidsgiver is None)
    if view is not None:
        assert set(view.to_wire()) == set(parsed.to_wire()) - {"fnr", "meldingTilNav", "sendtNav"}


def test_a_soknad_not_sent_to_the_employer_has_no_employer_view() -> None:
    assert arbeidsgiver_soknad(soknad()) is None
    assert arbeidsgiver_soknad(soknad(sendtArbeidsgiver=SENDT)) is not None


def test_no_canary_the_employer_may_not_see_reaches_its_view_or_its_contract() -> None:
    """The søknad carries no diagnosis; what the employer may not see is the fnr, what was said to NAV alone
    and a stay abroad. Canaries in each are absent from every byte of the view, and the employer's Avro
    contract has no field that could carry them."""
    canary = "KANARI-soknad"
    planted = soknad(
        sendtArbeidsgiver=SENDT,
        meldingTilNav=f"{canary}-melding-til-nav",
        fravar=[
            {"fom": day(3), "tom": day(4), "type": "FERIE"},
            {"fom": day(6), "tom": day(9), "type": "UTLANDSOPPHOLD"},
        ],
    )
    view = arbeidsgiver_soknad(planted)
    assert view is not None
    wire = view.model_dump_json(by_alias=True)
    assert canary not in wire and FNR not in wire and "UTLANDSOPPHOLD" not in wire
    assert [f.type for f in view.fravar] == [Fravarstype.FERIE]
    schema = json.loads((Path(__file__).parents[2] / "schemas" / "arbeidsgiver_soknad.avsc").read_text())
    assert {f["name"] for f in schema["fields"]} == set(view.to_wire())
    assert not {"fnr", "meldingTilNav", "sendtNav"} & {f["name"] for f in schema["fields"]}
