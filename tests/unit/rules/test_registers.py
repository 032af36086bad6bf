"""The bundled code lists, and the bundled register folder's doctors and persons the rule tests use."""

import json
from datetime import date
from importlib.resources import files

import pytest

from sykmeldingsflyt.domain.identifiers import fnr_birth_date, is_valid_fnr
from sykmeldingsflyt.domain.registers import (
    Aareg,
    Diagnosekoder,
    Fastlegeregister,
    Folkeregister,
    Helsepersonellregister,
    Legesuspensjon,
    NaermesteLederRegister,
)
from sykmeldingsflyt.domain.sykmelding import ICD10_SYSTEM, ICPC2_SYSTEM
from sykmeldingsflyt.registers import bundled_diagnosekoder
from sykmeldingsflyt.registers.diagnosekoder import VERSION
from sykmeldingsflyt.synthetic import DEMO_BEHANDLER
from tests.support.registers import BEHANDLERE, BUNDLED, LEGE, UKJENT_PASIENT_FNR, UKJENTE_FNR, now

KODER = bundled_diagnosekoder()


def test_the_adapters_implement_the_ports() -> None:
    ports: tuple[
        Diagnosekoder,
        Helsepersonellregister,
        Legesuspensjon,
        Folkeregister,
        Fastlegeregister,
        Aareg,
        NaermesteLederRegister,
    ] = (KODER, BUNDLED, BUNDLED, BUNDLED, BUNDLED, BUNDLED, BUNDLED)
    assert all(ports)


def _bundled_codes(name: str) -> list[str]:
    text = (files("sykmeldingsflyt.registers") / "data" / name).read_text(encoding="utf-8")
    return [entry["code"] for entry in json.loads(text)]


def test_the_code_lists_are_navs_2026_edition() -> None:
    assert KODER.version == VERSION == "@navikt/diagnosekoder 1.2026.0"
    icpc2, icd10 = _bundled_codes("ICPC2.json"), _bundled_codes("ICD10.json")
    assert (len(set(icpc2)), len(set(icd10))) == (708, 19634)
    assert all(map(KODER.is_icpc2, icpc2)) and all(map(KODER.is_icd10, icd10))
    assert sum(kode.startswith("Z") for kode in icpc2) == 27


def test_known_codes() -> None:
    assert KODER.is_icpc2("L87") and KODER.text(ICPC2_SYSTEM, "L87") == "Bursitt/tendinitt/synovitt IKA"
    assert KODER.is_icd10("M545") and KODER.is_icd10("M54.5")
    assert KODER.text(ICD10_SYSTEM, "M54.5") == "Lumbago"


@pytest.mark.parametrize(
    ("system", "kode"), [(ICPC2_SYSTEM, "M545"), (ICD10_SYSTEM, "L87"), (ICD10_SYSTEM, "M54"), ("1.2.3", "L87")]
)
def test_unknown_codes(system: str, kode: str) -> None:
    # M54 is a category, not a leaf: the lists hold leaf codes only.
    assert KODER.text(system, kode) is None


def test_the_lists_are_read_once() -> None:
    assert bundled_diagnosekoder() is KODER


def test_the_bundled_doctor_is_the_demo_doctor() -> None:
    assert (LEGE.hpr_nummer, LEGE.fnr) == (DEMO_BEHANDLER.hpr, DEMO_BEHANDLER.fnr)


def test_the_bundled_hpr_finds_by_number_and_by_fnr() -> None:
    for behandler in BEHANDLERE:
        assert now(BUNDLED.behandler_med_hpr_nummer(behandler.hpr_nummer)) == behandler
        assert now(BUNDLED.behandler(behandler.fnr)) == behandler
    assert now(BUNDLED.behandler_med_hpr_nummer("9999999")) is None


def test_every_bundled_fnr_is_synthetic_and_distinct() -> None:
    fnrs = [behandler.fnr for behandler in BEHANDLERE] + sorted(UKJENTE_FNR)
    assert len(set(fnrs)) == len(fnrs)
    assert all(is_valid_fnr(fnr) and int(fnr[2:4]) > 80 for fnr in fnrs)


def test_the_bundled_population_knows_every_synthetic_person_but_the_unknown() -> None:
    person = now(BUNDLED.person(DEMO_BEHANDLER.fnr))
    assert person is not None and person.fodselsdato == fnr_birth_date(DEMO_BEHANDLER.fnr) == date(1972, 5, 17)
    assert all(now(BUNDLED.person(fnr)) is None for fnr in UKJENTE_FNR)
    assert now(BUNDLED.person(UKJENT_PASIENT_FNR)) is None
    assert DEMO_BEHANDLER.fnr not in repr(person)


@pytest.mark.parametrize(
    "fnr", ["17457233132", "17857233116", "1785723311", "abc"], ids=["NAV synthetic", "check digit", "short", "letters"]
)
def test_the_bundled_population_knows_no_other_number(fnr: str) -> None:
    assert now(BUNDLED.person(fnr)) is None
