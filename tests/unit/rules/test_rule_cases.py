"""Every rule of the rule set in force: a sykmelding that hits it, and a near miss that does not."""

import random
from collections.abc import Callable
from datetime import timedelta

import pytest

from sykmeldingsflyt.domain.identifiers import synthetic_fnr
from sykmeldingsflyt.domain.rules.datemath import add_years
from sykmeldingsflyt.domain.rules.ruleset import SYKMELDING_2024
from sykmeldingsflyt.domain.sykmelding import (
    ICPC2_SYSTEM,
    AnnenFraverGrunn,
    AnnenFraversArsak,
    Diagnose,
    Periode,
    ReceivedSykmelding,
    SporsmalSvar,
)
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.synthetic import DEMO_BEHANDLER, L87
from tests.support import registers as hpr
from tests.unit.rules.builders import (
    FOM,
    M545,
    Z09,
    aktivitet_ikke_mulig,
    at_nine,
    gradert,
    hits,
    med_diagnoser,
    med_perioder,
    run,
    signert_av,
    sykmelding,
    tilbakedatert,
)

Case = Callable[[], ReceivedSykmelding]
ANNEN_PASIENT_FNR = "02897513741"


def _envelope(**update: object) -> Case:
    return lambda: sykmelding().model_copy(update=update)


def _uke_39(tom_days: int, *, answered: bool) -> Case:
    svar = {"6.5": {"6.5.1": SporsmalSvar(sporsmal="Hva er prognosen?", svar="God")}} if answered else None
    return lambda: sykmelding(tom=FOM + timedelta(days=tom_days), ruleset_version="2", utdypende_opplysninger=svar)


def _perioder(*perioder: Periode) -> Case:
    return lambda: med_perioder(*perioder)


def _avventende(days: int, innspill: str = "Kan jobbe med tilrettelegging") -> Periode:
    return Periode(fom=FOM, tom=FOM + timedelta(days=days), avventende_innspill_til_arbeidsgiver=innspill)


def _behandlingsdager(days: int, count: int) -> Periode:
    return Periode(fom=FOM, tom=FOM + timedelta(days=days), behandlingsdager=count)


def _behandlet_etter_mottatt(delay: timedelta) -> Case:
    signert = at_nine(FOM)
    mottatt = signert + timedelta(minutes=5)
    return lambda: sykmelding(signatur_dato=signert, mottatt_dato=mottatt, behandlet_tidspunkt=mottatt + delay)


def _pasient_born(days_after_13th_birthday_on_last_tom: int) -> Case:
    last_tom = FOM + timedelta(days=13)
    born = add_years(last_tom, -13) + timedelta(days=days_after_13th_birthday_on_last_tom)
    return lambda: sykmelding(pasient_fnr=synthetic_fnr(born, random.Random(7)))


def _signed_before_fom(days: int) -> Case:
    return lambda: sykmelding(signatur_dato=at_nine(FOM - timedelta(days=days)))


def _fom_years_back(extra_days: int) -> Case:
    mottatt = at_nine(FOM)
    fom = add_years(FOM, -3) - timedelta(days=extra_days)
    return lambda: sykmelding(fom=fom, signatur_dato=at_nine(fom), mottatt_dato=mottatt)


def _kiropraktor(days: int) -> Case:
    return lambda: signert_av(hpr.KIROPRAKTOR, days=days)


CASES: dict[str, tuple[Case, Case]] = {
    "UGYLDIG_REGELSETTVERSJON": (_envelope(ruleset_version="4"), _envelope(ruleset_version=None)),
    "MANGLENDE_DYNAMISKE_SPOERSMAL_VERSJON2_UKE_39": (
        _uke_39(274, answered=False),
        _uke_39(274, answered=True),
    ),
    "UGYLDIG_ORGNR_LENGDE": (_envelope(legekontor_orgnr="31000001"), _envelope(legekontor_orgnr=None)),
    "AVSENDER_FNR_ER_SAMME_SOM_PASIENT_FNR": (
        _envelope(pasient_fnr=DEMO_BEHANDLER.fnr),
        _envelope(pasient_fnr=ANNEN_PASIENT_FNR),
    ),
    "BEHANDLER_FNR_ER_SAMME_SOM_PASIENT_FNR": (
        # The signer is someone else, but the treating doctor named in the sykmelding is the patient.
        _envelope(pasient_fnr=DEMO_BEHANDLER.fnr, avsender_fnr=hpr.TANNLEGE.fnr),
        _envelope(pasient_fnr=ANNEN_PASIENT_FNR, avsender_fnr=hpr.TANNLEGE.fnr),
    ),
    "PERIODER_MANGLER": (_perioder(), _perioder(aktivitet_ikke_mulig(FOM, FOM))),
    "FRADATO_ETTER_TILDATO": (
        _perioder(aktivitet_ikke_mulig(FOM + timedelta(days=1), FOM)),
        _perioder(aktivitet_ikke_mulig(FOM + timedelta(days=1), FOM + timedelta(days=1))),
    ),
    "OVERLAPPENDE_PERIODER": (
        _perioder(
            aktivitet_ikke_mulig(FOM, FOM + timedelta(days=6)),
            gradert(FOM + timedelta(days=6), FOM + timedelta(days=13), 50),
        ),
        _perioder(
            aktivitet_ikke_mulig(FOM, FOM + timedelta(days=6)),
            gradert(FOM + timedelta(days=7), FOM + timedelta(days=13), 50),
        ),
    ),
    "OPPHOLD_MELLOM_PERIODER": (
        # Thursday, then Monday: the Friday between is a working day.
        _perioder(
            aktivitet_ikke_mulig(FOM, FOM + timedelta(days=3)),
            gradert(FOM + timedelta(days=7), FOM + timedelta(days=13), 50),
        ),
        # Friday, then Monday: only the weekend between.
        _perioder(
            aktivitet_ikke_mulig(FOM, FOM + timedelta(days=4)),
            gradert(FOM + timedelta(days=7), FOM + timedelta(days=13), 50),
        ),
    ),
    "IKKE_DEFINERT_PERIODE": (
        _perioder(Periode(fom=FOM, tom=FOM + timedelta(days=6))),
        _perioder(Periode(fom=FOM, tom=FOM + timedelta(days=6), reisetilskudd=True)),
    ),
    "BEHANDLINGSDATO_ETTER_MOTTATTDATO": (
        _behandlet_etter_mottatt(timedelta(days=1, minutes=1)),
        _behandlet_etter_mottatt(timedelta(days=1)),
    ),
    "AVVENTENDE_SYKMELDING_KOMBINERT": (
        _perioder(_avventende(6), aktivitet_ikke_mulig(FOM + timedelta(days=7), FOM + timedelta(days=13))),
        _perioder(_avventende(6)),
    ),
    "MANGLENDE_INNSPILL_TIL_ARBEIDSGIVER": (
        _perioder(_avventende(6, "  ")),
        _perioder(_avventende(6, "Kortere dager")),
    ),
    "AVVENTENDE_SYKMELDING_OVER_16_DAGER": (_perioder(_avventende(17)), _perioder(_avventende(16))),
    "FOR_MANGE_BEHANDLINGSDAGER_PER_UKE": (
        # fom to tom spans one whole week, so two behandlingsdager are allowed.
        _perioder(_behandlingsdager(13, 3)),
        _perioder(_behandlingsdager(13, 2)),
    ),
    "GRADERT_SYKMELDING_OVER_99_PROSENT": (
        _perioder(gradert(FOM, FOM + timedelta(days=13), 100)),
        _perioder(gradert(FOM, FOM + timedelta(days=13), 99)),
    ),
    "SYKMELDING_MED_BEHANDLINGSDAGER": (
        _perioder(_behandlingsdager(6, 1)),
        _perioder(aktivitet_ikke_mulig(FOM, FOM + timedelta(days=6))),
    ),
    "BEHANDLER_IKKE_I_HPR": (_envelope(avsender_hpr="9999999"), _envelope(avsender_hpr=None)),
    "BEHANDLER_IKKE_GYLDIG_I_HPR": (lambda: signert_av(hpr.INAKTIV_LEGE), lambda: signert_av(hpr.LEGE)),
    "BEHANDLER_MANGLER_AUTORISASJON_I_HPR": (
        lambda: signert_av(hpr.LEGE_UTEN_AUTORISASJON),
        lambda: signert_av(hpr.LEGE),
    ),
    "BEHANDLER_IKKE_LE_KI_MT_TL_FT_I_HPR": (
        lambda: signert_av(hpr.FYSIOTERAPEUT_UTEN_TILLEGGSKOMPETANSE),
        lambda: signert_av(hpr.FYSIOTERAPEUT),
    ),
    # tom - fom of 85 days is over 84; 84 is not.
    "BEHANDLER_MT_FT_KI_OVER_12_UKER": (_kiropraktor(86), _kiropraktor(85)),
    "HOVEDDIAGNOSE_ELLER_FRAVAERSGRUNN_MANGLER": (
        lambda: med_diagnoser(None),
        lambda: med_diagnoser(None, annen_fravers_arsak=AnnenFraversArsak(grunn=[AnnenFraverGrunn.SMITTEFARE])),
    ),
    "UGYLDIG_KODEVERK_FOR_HOVEDDIAGNOSE": (
        lambda: med_diagnoser(Diagnose(system=ICPC2_SYSTEM, kode="L88X", tekst="?")),
        lambda: med_diagnoser(L87),
    ),
    # Only ICPC-2's Z chapter is social problems; ICD-10's Z codes are diagnoses like any other.
    "ICPC_2_Z_DIAGNOSE": (lambda: med_diagnoser(Z09), lambda: med_diagnoser(M545.model_copy(update={"kode": "Z000"}))),
    "UGYLDIG_KODEVERK_FOR_BIDIAGNOSE": (
        lambda: med_diagnoser(L87, M545.model_copy(update={"kode": "M54.9X"})),
        lambda: med_diagnoser(L87, M545.model_copy(update={"kode": "M54.5"})),
    ),
    "PASIENT_YNGRE_ENN_13": (_pasient_born(1), _pasient_born(0)),
    "FREMDATERT": (_signed_before_fom(31), _signed_before_fom(30)),
    "TILBAKEDATERT_MER_ENN_3_AR": (_fom_years_back(1), _fom_years_back(0)),
    "TOTAL_VARIGHET_OVER_ETT_AAR": (
        _perioder(aktivitet_ikke_mulig(FOM, FOM + timedelta(days=366))),
        _perioder(aktivitet_ikke_mulig(FOM, FOM + timedelta(days=365))),
    ),
    "INNTIL_8_DAGER": (lambda: tilbakedatert(5), lambda: tilbakedatert(4)),
    # A justified backdating inside the employer period passes outright.
    "MINDRE_ENN_1_MAANED": (lambda: tilbakedatert(9), lambda: tilbakedatert(9, "Influensa")),
    "MINDRE_ENN_1_MAANED_MED_BEGRUNNELSE": (
        lambda: tilbakedatert(9, "Influensa", tom=FOM + timedelta(days=16)),
        lambda: tilbakedatert(9, "Influensa", tom=FOM + timedelta(days=15)),
    ),
    # FOM + 1 month is 2 December, 30 days on; signed on 3 December is over one month.
    "OVER_1_MND": (lambda: tilbakedatert(31, "Lang reise"), lambda: tilbakedatert(30, "Lang reise")),
    "OVER_1_MND_MED_BEGRUNNELSE": (
        lambda: tilbakedatert(31, "Pasienten var innlagt"),
        lambda: tilbakedatert(30, "Pasienten var innlagt"),
    ),
}


FROM_GATHERED_FACTS = {"BEHANDLER_SUSPENDERT"}
"""Rules that read what intake asked a register before the rules (tests/unit/rules/test_historikk.py)."""


def test_every_rule_in_force_has_a_case() -> None:
    in_force = (rule.name for rule in SYKMELDING_2024.rules() if rule.name not in FROM_GATHERED_FACTS)
    assert sorted(CASES) == sorted(in_force)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hit(name: str) -> None:
    result = run(CASES[name][0]())
    assert [hit.rule_name for hit in result.rule_hits] == [name]
    rule = next(rule for rule in SYKMELDING_2024.rules() if rule.name == name)
    assert result.status is rule.status is result.rule_hits[0].rule_status


@pytest.mark.parametrize("name", sorted(CASES))
def test_near_miss_passes(name: str) -> None:
    near_miss = CASES[name][1]()
    # The near miss of a manual-processing rule on behandlingsdager still has behandlingsdager.
    expected = ["SYKMELDING_MED_BEHANDLINGSDAGER"] if name == "FOR_MANGE_BEHANDLINGSDAGER_PER_UKE" else []
    assert hits(near_miss) == expected


def test_messages_and_legal_references_are_filled_in() -> None:
    for rule in SYKMELDING_2024.rules():
        assert rule.message_for_sender.strip() and rule.message_for_user.strip(), rule.name
        assert rule.status is not RuleStatus.OK
        assert rule.hit.rule_name == rule.name
