"""Period logic beyond the hit/near-miss table: NAV's edge cases and our interpretations of them."""

from datetime import timedelta

import pytest

from sykmeldingsflyt.domain.rules.periodlogic import PERIODLOGIC_TREE
from sykmeldingsflyt.domain.sykmelding import AktivitetIkkeMulig, Gradert, Periode
from tests.unit.rules.builders import FOM, aktivitet_ikke_mulig, med_perioder, tree_hit

WEEK = timedelta(days=7)


def _hit(*perioder: Periode) -> str | None:
    return tree_hit(PERIODLOGIC_TREE, med_perioder(*perioder))


def test_a_period_of_two_kinds_is_not_defined() -> None:
    both = Periode(
        fom=FOM,
        tom=FOM + WEEK,
        aktivitet_ikke_mulig=AktivitetIkkeMulig(),
        gradert=Gradert(grad=50, reisetilskudd=False),
    )
    assert _hit(both) == "IKKE_DEFINERT_PERIODE"


@pytest.mark.parametrize(
    "periode",
    [
        Periode(fom=FOM, tom=FOM + WEEK, avventende_innspill_til_arbeidsgiver=""),
        Periode(fom=FOM, tom=FOM + WEEK, behandlingsdager=0),
    ],
    ids=["empty innspill", "zero behandlingsdager"],
)
def test_an_empty_kind_is_no_kind(periode: Periode) -> None:
    assert _hit(periode) == "IKKE_DEFINERT_PERIODE"


def test_an_exact_duplicate_period_overlaps() -> None:
    periode = aktivitet_ikke_mulig(FOM, FOM + WEEK)
    assert _hit(periode, periode) == "OVERLAPPENDE_PERIODER"


def test_a_period_inside_another_overlaps_whatever_the_order() -> None:
    outer = aktivitet_ikke_mulig(FOM, FOM + 3 * WEEK)
    inner = aktivitet_ikke_mulig(FOM + WEEK, FOM + 2 * WEEK)
    assert _hit(inner, outer) == _hit(outer, inner) == "OVERLAPPENDE_PERIODER"


def test_periods_given_out_of_order_are_read_in_date_order() -> None:
    first, second = (
        aktivitet_ikke_mulig(FOM, FOM + WEEK),
        aktivitet_ikke_mulig(FOM + WEEK + timedelta(days=1), FOM + 2 * WEEK),
    )
    assert _hit(second, first) is None


@pytest.mark.parametrize(("gap_days", "hit"), [(0, None), (1, "OPPHOLD_MELLOM_PERIODER")])
def test_a_single_weekday_between_periods_is_a_gap(gap_days: int, hit: str | None) -> None:
    # Monday to Wednesday, then from Thursday (no gap) or Friday (Thursday uncovered).
    first = aktivitet_ikke_mulig(FOM, FOM + timedelta(days=2))
    second = aktivitet_ikke_mulig(FOM + timedelta(days=3 + gap_days), FOM + WEEK)
    assert _hit(first, second) == hit


def test_behandlingsdager_count_started_weeks() -> None:
    # 15 days span two whole weeks: three behandlingsdager are allowed, four are not.
    def periode(count: int) -> Periode:
        return Periode(fom=FOM, tom=FOM + 2 * WEEK, behandlingsdager=count)

    assert _hit(periode(3)) == "SYKMELDING_MED_BEHANDLINGSDAGER"
    assert _hit(periode(4)) == "FOR_MANGE_BEHANDLINGSDAGER_PER_UKE"
