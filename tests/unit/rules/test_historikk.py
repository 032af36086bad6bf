"""What each rule reads of the earlier sykmeldinger (DOMAIN.md §2.3), legesuspensjon, and NAV's tree order."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import pytest

from sykmeldingsflyt.domain.livslop import status_etter
from sykmeldingsflyt.domain.rules import RuleContext, som_tidligere
from sykmeldingsflyt.domain.rules.backdating import BACKDATING_TREE, merknader_ved_mottak
from sykmeldingsflyt.domain.rules.historikk import (
    TILBAKEDATERING_KREVER_FLERE_OPPLYSNINGER,
    UGYLDIG_TILBAKEDATERING,
    UNDER_BEHANDLING,
    TidligereSykmelding,
)
from sykmeldingsflyt.domain.rules.hpr import HPR_TREE
from sykmeldingsflyt.domain.status import StatusEvent
from sykmeldingsflyt.domain.sykmelding import Diagnose, Periode, ReceivedSykmelding, SykmeldingStatus
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.synthetic import L87
from tests.support import registers as hpr
from tests.unit.rules.builders import (
    CONTEXT,
    FOM,
    M545,
    aktivitet_ikke_mulig,
    gradert,
    hits,
    med_tidligere,
    run,
    signert_av,
    sykmelding,
    tidligere,
    tilbakedatert,
    tree_hit,
)

L88 = Diagnose(system=L87.system, kode="L88", tekst="Revmatoid artritt")
# Ended the Friday before FOM (a Monday): the weekend between is no working day.
FORRIGE = aktivitet_ikke_mulig(FOM - timedelta(days=14), FOM - timedelta(days=3))
ANDRE = gradert(FOM - timedelta(days=30), FOM - timedelta(days=15), 50)


def _backdating(context: RuleContext, days: int = 6) -> str | None:
    return tree_hit(BACKDATING_TREE, tilbakedatert(days), context)


@pytest.mark.parametrize(
    ("earlier", "hit"),
    [
        (tidligere(FORRIGE), None),
        (tidligere(FORRIGE, regelstatus=RuleStatus.MANUAL_PROCESSING), None),
        (tidligere(FORRIGE, status=SykmeldingStatus.SENDT), None),
        (tidligere(FORRIGE, status=SykmeldingStatus.BEKREFTET), None),
        (tidligere(FORRIGE, regelstatus=RuleStatus.INVALID), "INNTIL_8_DAGER"),
        (tidligere(FORRIGE, status=SykmeldingStatus.AVBRUTT), "INNTIL_8_DAGER"),
        (tidligere(FORRIGE, status=SykmeldingStatus.SLETTET), "INNTIL_8_DAGER"),
        (tidligere(FORRIGE, merknader=(UGYLDIG_TILBAKEDATERING,)), "INNTIL_8_DAGER"),
        (tidligere(FORRIGE, merknader=(TILBAKEDATERING_KREVER_FLERE_OPPLYSNINGER,)), "INNTIL_8_DAGER"),
        (tidligere(FORRIGE, merknader=(UNDER_BEHANDLING,)), "INNTIL_8_DAGER"),
        # Forlengelse compares the hoveddiagnose code, and needs exactly one period in the earlier one.
        (tidligere(FORRIGE, hoveddiagnose=L88), "INNTIL_8_DAGER"),
        (tidligere(FORRIGE, hoveddiagnose=None), "INNTIL_8_DAGER"),
        (tidligere(ANDRE, FORRIGE), "INNTIL_8_DAGER"),
        # Only aktivitet ikke mulig and gradert can be extended.
        (tidligere(Periode(fom=FORRIGE.fom, tom=FORRIGE.tom, reisetilskudd=True)), "INNTIL_8_DAGER"),
    ],
)
def test_which_earlier_sykmelding_a_forlengelse_may_extend(earlier: TidligereSykmelding, hit: str | None) -> None:
    assert _backdating(med_tidligere(earlier)) == hit


def test_a_forlengelse_may_start_inside_the_earlier_period_and_reach_past_it() -> None:
    inside = tidligere(gradert(FOM - timedelta(days=5), FOM + timedelta(days=2), 50))
    past_the_new_one = tidligere(aktivitet_ikke_mulig(FOM - timedelta(days=5), FOM + timedelta(days=30)))
    assert _backdating(med_tidligere(inside)) is None
    assert _backdating(med_tidligere(past_the_new_one)) == "INNTIL_8_DAGER"


@pytest.mark.parametrize(
    ("earlier", "hit"),
    [
        (tidligere, None),
        (lambda p: tidligere(ANDRE, p), None),  # any period of the earlier one
        (lambda p: tidligere(p, hoveddiagnose=L88), "OVER_1_MND"),
        (lambda p: tidligere(p, status=SykmeldingStatus.AVBRUTT), "OVER_1_MND"),
        (lambda p: tidligere(p, regelstatus=RuleStatus.INVALID), "OVER_1_MND"),
        (lambda p: tidligere(p, merknader=(UNDER_BEHANDLING,)), "OVER_1_MND"),
        (lambda p: tidligere(p.model_copy(update={"tom": p.tom + timedelta(days=1)})), "OVER_1_MND"),
        (lambda p: tidligere(gradert(p.fom, p.tom, 50)), "OVER_1_MND"),
    ],
)
def test_which_earlier_sykmelding_an_ettersending_may_resend(
    earlier: Callable[[Periode], TidligereSykmelding], hit: str | None
) -> None:
    received = tilbakedatert(60)
    context = med_tidligere(earlier(received.sykmelding.perioder[0]))
    assert tree_hit(BACKDATING_TREE, received, context) == hit


def _manuellterapeut_after(earlier: TidligereSykmelding) -> str | None:
    # 70 days of earlier sick leave right up to FOM, then 16 days: 85 days from the case start.
    return tree_hit(HPR_TREE, signert_av(hpr.MANUELLTERAPEUT, days=16), med_tidligere(earlier))


TI_UKER = aktivitet_ikke_mulig(FOM - timedelta(days=70), FOM - timedelta(days=1))


@pytest.mark.parametrize(
    ("earlier", "hit"),
    [
        (tidligere(TI_UKER), "BEHANDLER_MT_FT_KI_OVER_12_UKER"),
        # The syketilfelle counts every diagnosis, and a backdating still under manual processing.
        (tidligere(TI_UKER, hoveddiagnose=L88), "BEHANDLER_MT_FT_KI_OVER_12_UKER"),
        (tidligere(TI_UKER, hoveddiagnose=None), "BEHANDLER_MT_FT_KI_OVER_12_UKER"),
        (tidligere(TI_UKER, merknader=(UNDER_BEHANDLING,)), "BEHANDLER_MT_FT_KI_OVER_12_UKER"),
        (tidligere(TI_UKER, regelstatus=RuleStatus.INVALID), None),
        (tidligere(TI_UKER, status=SykmeldingStatus.AVBRUTT), None),
        (tidligere(TI_UKER, status=SykmeldingStatus.SLETTET), None),
        (tidligere(TI_UKER, merknader=(UGYLDIG_TILBAKEDATERING,)), None),
        (tidligere(TI_UKER, merknader=(TILBAKEDATERING_KREVER_FLERE_OPPLYSNINGER,)), None),
    ],
)
def test_which_earlier_sykmeldinger_belong_to_the_syketilfelle(earlier: TidligereSykmelding, hit: str | None) -> None:
    assert _manuellterapeut_after(earlier) == hit


@pytest.mark.parametrize(
    ("hoveddiagnose", "status", "hit"),
    [
        (L87, SykmeldingStatus.APEN, "MINDRE_ENN_1_MAANED_MED_BEGRUNNELSE"),
        (L88, SykmeldingStatus.APEN, "MINDRE_ENN_1_MAANED_MED_BEGRUNNELSE"),
        (L88, SykmeldingStatus.AVBRUTT, None),
    ],
)
def test_the_employer_period_counts_every_diagnosis(
    hoveddiagnose: Diagnose, status: SykmeldingStatus, hit: str | None
) -> None:
    # Wednesday to Friday before FOM, reisetilskudd (sick days, nothing to extend): 5 + 3 + 9 = 17 days
    # with the weekend, past the 16-day employer period; without them, 5 days inside it.
    earlier = Periode(fom=date(2026, 10, 21), tom=date(2026, 10, 30), reisetilskudd=True)
    received = tilbakedatert(9, "Influensa", tom=FOM + timedelta(days=4))
    context = med_tidligere(tidligere(earlier, hoveddiagnose=hoveddiagnose, status=status))
    assert tree_hit(BACKDATING_TREE, received, context) == hit


@pytest.mark.parametrize(
    ("received", "merknader"),
    [
        (tilbakedatert(0), ()),
        (tilbakedatert(20, "Influensa", tom=FOM + timedelta(days=20)), (UNDER_BEHANDLING,)),
        (tilbakedatert(31, "Pasienten var innlagt"), (UNDER_BEHANDLING,)),
        (tilbakedatert(31, "Kort"), ()),  # INVALID: no manual processing to wait for
    ],
)
def test_a_backdating_sent_to_manual_processing_is_under_behandling(
    received: ReceivedSykmelding, merknader: tuple[str, ...]
) -> None:
    result = run(received)
    assert merknader_ved_mottak(result) == merknader
    assert som_tidligere(received, result).merknader == merknader


def test_what_the_history_keeps_of_a_sykmelding() -> None:
    received = sykmelding(perioder=[gradert(FOM, FOM + timedelta(days=9), 40)])
    kept = som_tidligere(received, run(received), SykmeldingStatus.SENDT)
    assert kept.sykmelding_id == received.sykmelding.id
    assert [(p.fom, p.tom, p.kind, p.grad) for p in kept.perioder] == [(FOM, FOM + timedelta(days=9), "GRADERT", 40)]
    assert (kept.hoveddiagnose_system, kept.hoveddiagnose_kode) == (L87.system, L87.kode)
    assert (kept.regelstatus, kept.merknader, kept.status) == (RuleStatus.OK, (), SykmeldingStatus.SENDT)
    assert kept.signatur_dato == FOM


# Legesuspensjon: tree 0, before every other tree, as NAV's.


def test_a_suspended_signer_is_refused_before_validation() -> None:
    received = sykmelding().model_copy(update={"legekontor_orgnr": "123"})
    assert hits(received) == ["UGYLDIG_ORGNR_LENGDE"]
    result = run(received, replace(CONTEXT, behandler_suspendert=True))
    assert result.status is RuleStatus.INVALID
    [hit] = result.rule_hits
    assert hit.rule_name == "BEHANDLER_SUSPENDERT"
    assert hit.message_for_sender == (
        "Behandler er suspendert av NAV på konsultasjonstidspunkt. Pasienten har fått beskjed."
    )
    assert hit.message_for_user == "Den som sykmeldte deg har mistet retten til å skrive sykmeldinger."
    assert hit.legal_reference is None


async def test_the_bundled_folder_suspends_a_doctor_hpr_knows() -> None:
    assert await hpr.BUNDLED.er_suspendert(hpr.SUSPENDERT_LEGE.fnr, FOM)
    assert not await hpr.BUNDLED.er_suspendert(hpr.LEGE.fnr, FOM)
    assert tree_hit(HPR_TREE, signert_av(hpr.SUSPENDERT_LEGE)) is None


# The validation tree in NAV's order: orgnr length first.


@pytest.mark.parametrize(
    ("update", "first"),
    [
        ({"legekontor_orgnr": "123", "ruleset_version": "9"}, "UGYLDIG_ORGNR_LENGDE"),
        ({"ruleset_version": "9", "avsender_fnr": "SAME"}, "UGYLDIG_REGELSETTVERSJON"),
        ({"avsender_fnr": "SAME"}, "AVSENDER_FNR_ER_SAMME_SOM_PASIENT_FNR"),
    ],
)
def test_the_validation_tree_runs_in_navs_order(update: dict[str, str], first: str) -> None:
    received = sykmelding()
    if update.get("avsender_fnr") == "SAME":
        update = {**update, "avsender_fnr": received.pasient_fnr}
    assert hits(received.model_copy(update=update)) == [first]


def test_the_specialist_health_service_needs_no_history() -> None:
    icd10 = tilbakedatert(6).sykmelding.medisinsk_vurdering.model_copy(update={"hoved_diagnose": M545})
    received = tilbakedatert(6, medisinsk_vurdering=icd10)
    assert tree_hit(BACKDATING_TREE, received) is None


# The latest status mottak keeps from sykmelding.status: only moves the lifecycle allows.


@pytest.mark.parametrize(
    ("hendelser", "status"),
    [
        ([StatusEvent.AVBRUTT], SykmeldingStatus.AVBRUTT),
        ([StatusEvent.AVBRUTT, StatusEvent.GJENAPNET], SykmeldingStatus.APEN),
        ([StatusEvent.BEKREFTET, StatusEvent.AVBRUTT], SykmeldingStatus.AVBRUTT),
        ([StatusEvent.SLETTET, StatusEvent.GJENAPNET], SykmeldingStatus.SLETTET),
        ([StatusEvent.GJENAPNET], SykmeldingStatus.APEN),
        ([StatusEvent.AVBRUTT, StatusEvent.BEKREFTET], SykmeldingStatus.AVBRUTT),
    ],
)
def test_the_latest_status_follows_the_lifecycle(hendelser: list[StatusEvent], status: SykmeldingStatus) -> None:
    latest = SykmeldingStatus.APEN
    for hendelse in hendelser:
        latest = status_etter(latest, hendelse)
    assert latest is status
