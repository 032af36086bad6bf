"""The runner and the rule set: tree order, short-circuit, severity, versions, and the removed rules."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from sykmeldingsflyt.domain.identifiers import synthetic_fnr
from sykmeldingsflyt.domain.rules import RULESETS, Rule, RuleSet, RuleTree, ruleset_for
from sykmeldingsflyt.domain.rules.ruleset import SYKMELDING_2024
from sykmeldingsflyt.domain.sykmelding import MedisinskVurdering, Periode, ReceivedSykmelding
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.synthetic import make_sykmelding
from tests.unit.rules.builders import FOM, Z09, aktivitet_ikke_mulig, gradert, hits, med_perioder, run, sykmelding

DOMAIN_RULES = {
    # DOMAIN.md §2.3's tree 0, then §2.2 tree by tree, plus BEHANDLER_IKKE_I_HPR for a signer HPR does not know.
    "BEHANDLER_SUSPENDERT",
    "UGYLDIG_ORGNR_LENGDE", "UGYLDIG_REGELSETTVERSJON", "MANGLENDE_DYNAMISKE_SPOERSMAL_VERSJON2_UKE_39",
    "AVSENDER_FNR_ER_SAMME_SOM_PASIENT_FNR", "BEHANDLER_FNR_ER_SAMME_SOM_PASIENT_FNR",
    "PERIODER_MANGLER", "FRADATO_ETTER_TILDATO", "OVERLAPPENDE_PERIODER", "OPPHOLD_MELLOM_PERIODER",
    "IKKE_DEFINERT_PERIODE", "BEHANDLINGSDATO_ETTER_MOTTATTDATO", "AVVENTENDE_SYKMELDING_KOMBINERT",
    "MANGLENDE_INNSPILL_TIL_ARBEIDSGIVER", "AVVENTENDE_SYKMELDING_OVER_16_DAGER",
    "FOR_MANGE_BEHANDLINGSDAGER_PER_UKE", "GRADERT_SYKMELDING_OVER_99_PROSENT", "SYKMELDING_MED_BEHANDLINGSDAGER",
    "BEHANDLER_IKKE_I_HPR", "BEHANDLER_IKKE_GYLDIG_I_HPR", "BEHANDLER_MANGLER_AUTORISASJON_I_HPR",
    "BEHANDLER_IKKE_LE_KI_MT_TL_FT_I_HPR", "BEHANDLER_MT_FT_KI_OVER_12_UKER",
    "HOVEDDIAGNOSE_ELLER_FRAVAERSGRUNN_MANGLER", "UGYLDIG_KODEVERK_FOR_HOVEDDIAGNOSE",
    "UGYLDIG_KODEVERK_FOR_BIDIAGNOSE", "ICPC_2_Z_DIAGNOSE",
    "PASIENT_YNGRE_ENN_13",
    "FREMDATERT", "TILBAKEDATERT_MER_ENN_3_AR", "TOTAL_VARIGHET_OVER_ETT_AAR",
    "INNTIL_8_DAGER", "MINDRE_ENN_1_MAANED", "MINDRE_ENN_1_MAANED_MED_BEGRUNNELSE", "OVER_1_MND",
    "OVER_1_MND_MED_BEGRUNNELSE",
}  # fmt: skip


def test_the_rule_set_in_force_has_every_rule_of_domain_md_and_no_other() -> None:
    assert {rule.name for rule in SYKMELDING_2024.rules()} == DOMAIN_RULES


def test_trees_run_in_navs_order() -> None:
    assert [tree.name for tree in SYKMELDING_2024.trees] == [
        "LEGESUSPENSJON", "VALIDERING", "PERIODLOGIKK", "HPR", "ARBEIDSUFORHET", "PASIENTALDER", "DATO",
        "TILBAKEDATERING",
    ]  # fmt: skip


@pytest.mark.parametrize("seed", range(20))
def test_the_synthetic_valid_sykmelding_passes(seed: int) -> None:
    received = make_sykmelding(random.Random(seed), fom=FOM + timedelta(days=seed * 11))
    result = run(received)
    assert result.status is RuleStatus.OK
    assert result.rule_hits == []


def test_a_validation_hit_stops_every_later_tree() -> None:
    # Also wrong for the period logic (grade), the diagnosis (Z) and backdating (10 days, no reason).
    received = sykmelding(
        perioder=[gradert(FOM, FOM + timedelta(days=13), 100)],
        signatur_dato=sykmelding().sykmelding.signatur_dato + timedelta(days=10),
    ).model_copy(update={"legekontor_orgnr": "123"})
    assert hits(received) == ["UGYLDIG_ORGNR_LENGDE"]


def test_a_tree_reports_only_its_first_rule_that_holds() -> None:
    # Overlapping periods whose dates are also reversed: FRADATO_ETTER_TILDATO comes first.
    received = med_perioder(
        aktivitet_ikke_mulig(FOM + timedelta(days=3), FOM), aktivitet_ikke_mulig(FOM, FOM + timedelta(days=5))
    )
    assert hits(received) == ["FRADATO_ETTER_TILDATO"]


def test_manual_processing_in_one_tree_also_stops_the_later_trees() -> None:
    # As NAV: the run stops at the first tree that is not OK, even when it only asks for manual
    # processing. The Z diagnosis of the later incapacity tree is then left to the caseworker.
    received = sykmelding(
        perioder=[Periode(fom=FOM, tom=FOM + timedelta(days=6), behandlingsdager=1)],
        medisinsk_vurdering=MedisinskVurdering(hoved_diagnose=Z09, svangerskap=False, yrkesskade=False),
    )
    result = run(received)
    assert result.status is RuleStatus.MANUAL_PROCESSING
    assert [hit.rule_name for hit in result.rule_hits] == ["SYKMELDING_MED_BEHANDLINGSDAGER"]


@pytest.mark.parametrize("grad", [1, 19])
def test_a_grade_under_20_percent_is_not_rejected_any_more(grad: int) -> None:
    result = run(med_perioder(gradert(FOM, FOM + timedelta(days=13), grad)))
    assert result.status is RuleStatus.OK, result.rule_hits


@pytest.mark.parametrize("age", [70, 75, 90])
def test_a_patient_over_70_is_not_rejected_any_more(age: int) -> None:
    born = date(FOM.year - age, 3, 1)
    result = run(sykmelding(pasient_fnr=synthetic_fnr(born, random.Random(age))))
    assert result.status is RuleStatus.OK, result.rule_hits


def test_the_rule_set_is_picked_by_the_day_of_receipt() -> None:
    assert ruleset_for(date(2024, 1, 1)) is SYKMELDING_2024
    assert ruleset_for(date(2026, 11, 22)) is SYKMELDING_2024
    with pytest.raises(LookupError):
        ruleset_for(date(2023, 12, 31))
    assert RULESETS[-1] is SYKMELDING_2024


def test_a_newer_version_takes_over_on_its_first_day() -> None:
    newer = RuleSet(name="test", version="2027.1", valid_from=date(2027, 3, 1), trees=SYKMELDING_2024.trees)
    versions = (SYKMELDING_2024, newer)
    assert ruleset_for(date(2027, 2, 28), versions) is SYKMELDING_2024
    assert ruleset_for(date(2027, 3, 1), versions) is newer
    assert ruleset_for(date(2030, 1, 1), tuple(reversed(versions))) is newer


def test_validation_uses_the_version_in_force_on_the_norwegian_day_of_receipt() -> None:
    signed = datetime(2023, 12, 31, 21, 0, tzinfo=UTC)

    def received_at(mottatt: datetime) -> ReceivedSykmelding:
        return sykmelding(fom=date(2023, 12, 28), signatur_dato=signed, mottatt_dato=mottatt)

    # 23:30 UTC on 31 December 2023 is already 1 January 2024 in Oslo, and 22:30 UTC is not.
    assert run(received_at(datetime(2023, 12, 31, 23, 30, tzinfo=UTC))).status is RuleStatus.OK
    with pytest.raises(LookupError):
        run(received_at(datetime(2023, 12, 31, 22, 30, tzinfo=UTC)))


def test_a_rule_cannot_hit_with_ok() -> None:
    with pytest.raises(ValueError, match="OK"):
        Rule("X", RuleStatus.OK, "x", "x", None, predicate=lambda f: True)


def test_a_rule_set_cannot_name_a_rule_twice() -> None:
    tree = RuleTree("T", (Rule("X", RuleStatus.INVALID, "x", "x", None, predicate=lambda f: True),))
    with pytest.raises(ValueError, match="X"):
        RuleSet(name="t", version="1", valid_from=date(2024, 1, 1), trees=(tree, tree))
