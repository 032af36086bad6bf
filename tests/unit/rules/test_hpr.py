"""HPR rules beyond the hit/near-miss table: who may sick-list how long, and how the signer is found."""

from dataclasses import replace
from datetime import timedelta

import pytest

from sykmeldingsflyt.domain.registers import HprBehandler
from sykmeldingsflyt.domain.rules import RuleContext
from sykmeldingsflyt.domain.rules.hpr import HPR_TREE
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from tests.support import registers as hpr
from tests.unit.rules.builders import CONTEXT, FOM, aktivitet_ikke_mulig, hver_for_seg, signert_av, tree_hit


def _hit(received: ReceivedSykmelding, context: RuleContext = CONTEXT) -> str | None:
    return tree_hit(HPR_TREE, received, context)


@pytest.mark.parametrize("behandler", [hpr.LEGE, hpr.TANNLEGE])
def test_doctors_and_dentists_may_sick_list_for_long(behandler: HprBehandler) -> None:
    assert _hit(signert_av(behandler, days=200)) is None


@pytest.mark.parametrize("behandler", [hpr.MANUELLTERAPEUT, hpr.FYSIOTERAPEUT, hpr.KIROPRAKTOR])
def test_mt_ft_and_ki_may_sick_list_for_12_weeks(behandler: HprBehandler) -> None:
    assert _hit(signert_av(behandler, days=85)) is None
    assert _hit(signert_av(behandler, days=86)) == "BEHANDLER_MT_FT_KI_OVER_12_UKER"


def test_12_weeks_count_from_the_start_of_the_case() -> None:
    # Ten weeks (70 days) of earlier sick leave right up to FOM: from the case start to the last tom is
    # 83 days with a 14-day sykmelding, 85 days with a 16-day one.
    earlier = aktivitet_ikke_mulig(FOM - timedelta(days=70), FOM - timedelta(days=1))
    context = hver_for_seg(earlier)
    assert _hit(signert_av(hpr.MANUELLTERAPEUT, days=14), context) is None
    assert _hit(signert_av(hpr.MANUELLTERAPEUT, days=16), context) == "BEHANDLER_MT_FT_KI_OVER_12_UKER"


@pytest.mark.parametrize(("non_sick_days", "hit"), [(15, "BEHANDLER_MT_FT_KI_OVER_12_UKER"), (16, None)])
def test_sixteen_non_sick_days_start_a_new_case(non_sick_days: int, hit: str | None) -> None:
    tom = FOM - timedelta(days=non_sick_days + 1)
    context = hver_for_seg(aktivitet_ikke_mulig(tom - timedelta(days=80), tom))
    assert _hit(signert_av(hpr.MANUELLTERAPEUT, days=14), context) == hit


def test_a_chiropractors_competence_must_be_valid_on_the_signature_day() -> None:
    godkjenning = hpr.KIROPRAKTOR.godkjenninger[0]
    expired = replace(hpr.SYKMELDING_KOMPETANSE, gyldig_til=FOM - timedelta(days=1))
    kiropraktor = replace(hpr.KIROPRAKTOR, godkjenninger=(replace(godkjenning, tilleggskompetanse=(expired,)),))
    context = replace(CONTEXT, behandler=kiropraktor)
    assert _hit(signert_av(kiropraktor), context) == "BEHANDLER_IKKE_LE_KI_MT_TL_FT_I_HPR"
    assert _hit(signert_av(hpr.KIROPRAKTOR)) is None


def test_the_signer_is_found_by_fnr_when_the_envelope_has_no_hpr_number() -> None:
    received = signert_av(hpr.INAKTIV_LEGE).model_copy(
        update={"avsender_hpr": None, "avsender_fnr": hpr.INAKTIV_LEGE.fnr}
    )
    assert _hit(received) == "BEHANDLER_IKKE_GYLDIG_I_HPR"
