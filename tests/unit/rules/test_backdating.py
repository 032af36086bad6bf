"""Backdating beyond the hit/near-miss table: thresholds, words, and the exceptions NAV makes."""

from datetime import date, timedelta

import pytest

from sykmeldingsflyt.domain.rules.backdating import BACKDATING_TREE
from sykmeldingsflyt.domain.sykmelding import MedisinskVurdering, Periode, ReceivedSykmelding
from tests.unit.rules.builders import FOM, M545, aktivitet_ikke_mulig, gradert, hver_for_seg, tilbakedatert, tree_hit


def _hit(received: ReceivedSykmelding, *earlier: Periode) -> str | None:
    return tree_hit(BACKDATING_TREE, received, hver_for_seg(*earlier))


@pytest.mark.parametrize(
    ("days", "hit"),
    [(0, None), (4, None), (5, "INNTIL_8_DAGER"), (8, "INNTIL_8_DAGER"), (9, "MINDRE_ENN_1_MAANED"),
     (30, "MINDRE_ENN_1_MAANED"), (31, "OVER_1_MND"), (400, "OVER_1_MND")],
)  # fmt: skip
def test_without_justification(days: int, hit: str | None) -> None:
    assert _hit(tilbakedatert(days)) == hit


@pytest.mark.parametrize("days", [5, 8])
def test_one_word_justifies_up_to_8_days(days: int) -> None:
    assert _hit(tilbakedatert(days, "Influensa")) is None


@pytest.mark.parametrize(
    ("begrunnelse", "hit"),
    [
        ("123 456 789", "OVER_1_MND"),
        ("Se journal 2", "OVER_1_MND"),
        ("Pasienten var innlagt", "OVER_1_MND_MED_BEGRUNNELSE"),
        ("a1 b2 c3", "OVER_1_MND_MED_BEGRUNNELSE"),
        # Only ASCII letters make a word, and only spaces part words (NAV's count).
        ("æ ø å æøå", "OVER_1_MND"),
        ("æøå ål øy år", "OVER_1_MND_MED_BEGRUNNELSE"),
        ("Pasienten\tvar\ninnlagt", "OVER_1_MND"),
        ("Pasienten  var  innlagt", "OVER_1_MND_MED_BEGRUNNELSE"),
    ],
)
def test_a_word_is_a_token_with_a_letter(begrunnelse: str, hit: str) -> None:
    assert _hit(tilbakedatert(45, begrunnelse)) == hit


@pytest.mark.parametrize(("signed", "hit"), [(date(2026, 2, 28), None), (date(2026, 3, 1), "OVER_1_MND")])
def test_one_month_ends_where_javas_plus_months_ends(signed: date, hit: str | None) -> None:
    # 31 January + 1 month is 28 February.
    fom = date(2026, 1, 31)
    received = tilbakedatert((signed - fom).days, "Kort", fom=fom)
    assert _hit(received) == hit


def test_an_extension_of_an_earlier_sykmelding_needs_no_justification_up_to_8_days() -> None:
    # The earlier one ended on the Friday before FOM, a Monday.
    earlier = aktivitet_ikke_mulig(FOM - timedelta(days=14), FOM - timedelta(days=3))
    assert _hit(tilbakedatert(8), earlier) is None
    assert _hit(tilbakedatert(9), earlier) == "MINDRE_ENN_1_MAANED"


def test_an_earlier_period_that_ended_before_a_working_day_is_no_extension() -> None:
    earlier = aktivitet_ikke_mulig(FOM - timedelta(days=14), FOM - timedelta(days=4))
    assert _hit(tilbakedatert(6), earlier) == "INNTIL_8_DAGER"


def test_an_extension_starting_inside_the_earlier_period_counts() -> None:
    earlier = gradert(FOM - timedelta(days=5), FOM + timedelta(days=2), 50)
    assert _hit(tilbakedatert(6), earlier) is None


def test_a_justified_extension_up_to_a_month_passes_outside_the_employer_period() -> None:
    long = {"tom": FOM + timedelta(days=20)}
    earlier = aktivitet_ikke_mulig(FOM - timedelta(days=10), FOM - timedelta(days=1))
    assert _hit(tilbakedatert(20, "Influensa", **long)) == "MINDRE_ENN_1_MAANED_MED_BEGRUNNELSE"
    assert _hit(tilbakedatert(20, "Influensa", **long), earlier) is None


@pytest.mark.parametrize(
    ("earlier_fom", "earlier_tom", "hit"),
    [
        # Wednesday to Friday before FOM: the weekend between counts, 5 + 3 + 9 = 17 days.
        (date(2026, 10, 21), date(2026, 10, 30), "MINDRE_ENN_1_MAANED_MED_BEGRUNNELSE"),
        # Tuesday to Thursday: the Friday between is a working day, so 5 + 10 = 15 days.
        (date(2026, 10, 20), date(2026, 10, 29), None),
    ],
)
def test_the_employer_period_counts_the_earlier_sick_days_of_the_case(
    earlier_fom: date, earlier_tom: date, hit: str | None
) -> None:
    # Reisetilskudd days are sick days for the employer period but no sykmelding to extend.
    earlier = Periode(fom=earlier_fom, tom=earlier_tom, reisetilskudd=True)
    received = tilbakedatert(9, "Influensa", tom=FOM + timedelta(days=4))
    assert _hit(received, earlier) == hit


def test_the_specialist_health_service_is_not_checked() -> None:
    icd10 = MedisinskVurdering(hoved_diagnose=M545, svangerskap=False, yrkesskade=False)
    assert _hit(tilbakedatert(90, medisinsk_vurdering=icd10)) is None


def test_a_resend_of_an_earlier_sykmelding_is_not_checked() -> None:
    received = tilbakedatert(60)
    assert _hit(received, *received.sykmelding.perioder) is None
    other_grade = gradert(FOM, received.sykmelding.perioder[0].tom, 50)
    assert _hit(received, other_grade) == "OVER_1_MND"


def test_avventende_days_are_not_sick_days_of_the_case() -> None:
    received = tilbakedatert(9, "Influensa", tom=FOM + timedelta(days=4))
    fom, tom = FOM - timedelta(days=12), FOM - timedelta(days=1)
    avventende = Periode(fom=fom, tom=tom, avventende_innspill_til_arbeidsgiver="Kortere dager")
    assert _hit(received, avventende) is None
    assert _hit(received, Periode(fom=fom, tom=tom, reisetilskudd=True)) == "MINDRE_ENN_1_MAANED_MED_BEGRUNNELSE"
