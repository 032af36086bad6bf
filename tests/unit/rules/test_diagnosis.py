"""The incapacity tree beyond the hit/near-miss table."""

import pytest

from sykmeldingsflyt.domain.rules.diagnosis import DIAGNOSIS_TREE
from sykmeldingsflyt.domain.sykmelding import ICD10_SYSTEM, ICPC2_SYSTEM, AnnenFraversArsak, Diagnose
from sykmeldingsflyt.synthetic import L87
from tests.unit.rules.builders import M545, Z09, med_diagnoser, tree_hit

UKJENT_SYSTEM = Diagnose(system="2.16.578.1.12.4.1.1.9999", kode="L87", tekst="?")


def _hit(hoved: Diagnose | None, *bi: Diagnose, annen: AnnenFraversArsak | None = None) -> str | None:
    return tree_hit(DIAGNOSIS_TREE, med_diagnoser(hoved, *bi, annen_fravers_arsak=annen))


@pytest.mark.parametrize("kode", ["M545", "M54.5"])
def test_icd10_codes_are_accepted_with_or_without_the_dot(kode: str) -> None:
    assert _hit(Diagnose(system=ICD10_SYSTEM, kode=kode, tekst="Lumbago")) is None


def test_an_icd10_code_is_not_an_icpc2_code() -> None:
    assert _hit(Diagnose(system=ICPC2_SYSTEM, kode="M545", tekst="Lumbago")) == "UGYLDIG_KODEVERK_FOR_HOVEDDIAGNOSE"


def test_an_unknown_code_system_is_invalid_for_main_and_secondary_diagnoses() -> None:
    assert _hit(UKJENT_SYSTEM) == "UGYLDIG_KODEVERK_FOR_HOVEDDIAGNOSE"
    assert _hit(L87, UKJENT_SYSTEM) == "UGYLDIG_KODEVERK_FOR_BIDIAGNOSE"


def test_a_description_alone_is_a_reason_for_absence() -> None:
    assert _hit(None, annen=AnnenFraversArsak(beskrivelse="Donor")) is None
    assert _hit(None, annen=AnnenFraversArsak(beskrivelse="  ")) == "HOVEDDIAGNOSE_ELLER_FRAVAERSGRUNN_MANGLER"


def test_secondary_diagnoses_are_checked_without_a_main_diagnosis() -> None:
    annen = AnnenFraversArsak(beskrivelse="Smittefare")
    assert _hit(None, M545.model_copy(update={"kode": "X"}), annen=annen) == "UGYLDIG_KODEVERK_FOR_BIDIAGNOSE"


def test_a_z_diagnosis_as_secondary_diagnosis_is_allowed() -> None:
    assert _hit(L87, Z09) is None
