"""The oppfolgingstilfelle: merging periods into cases (docs/domain.md §5)."""

import itertools
import random
from datetime import date, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sykmeldingsflyt.domain.sykmelding import AktivitetIkkeMulig, Gradert, Periode
from sykmeldingsflyt.domain.tilfelle import (
    CASE_BREAK_DAYS,
    FERIE_KINDS,
    SICK_KINDS,
    KnownCase,
    Oppfolgingstilfelle,
    PeriodeKind,
    Sykeperiode,
    build_tilfeller,
    derive_tilfelle_id,
    keep_ids,
    sykeperioder,
)

AIM = PeriodeKind.AKTIVITET_IKKE_MULIG
BASE = date(2024, 1, 1)


def day(n: int) -> date:
    return BASE + timedelta(days=n)


def periode(
    fom: int, tom: int, kind: PeriodeKind = AIM, grad: int | None = None, sykmelding_id: str = "s"
) -> Sykeperiode:
    return Sykeperiode(sykmelding_id, day(fom), day(tom), kind, grad)


def spans(tilfeller: list[Oppfolgingstilfelle]) -> list[tuple[date, date]]:
    return [(t.start, t.end) for t in tilfeller]


# "Sixteen consecutive non-sick calendar days end it, fifteen do not." A gap is the number of
# non-sick days strictly between two sick days; "a gap longer than 16 days" in an issue means this
# same rule: a gap of 16 non-sick days splits the case, a gap of 15 does not.
def test_a_gap_of_fifteen_non_sick_days_keeps_one_case() -> None:
    # Sick days 0-9, non-sick 10-24 (15 days), sick again from 25.
    tilfeller = build_tilfeller([periode(0, 9, sykmelding_id="a"), periode(25, 30, sykmelding_id="b")])
    assert spans(tilfeller) == [(day(0), day(30))]
    assert tilfeller[0].sykmelding_ids == ("a", "b")


def test_a_gap_of_sixteen_non_sick_days_splits_the_case() -> None:
    # Sick days 0-9, non-sick 10-25 (16 days), sick again from 26.
    tilfeller = build_tilfeller([periode(0, 9, sykmelding_id="a"), periode(26, 30, sykmelding_id="b")])
    assert spans(tilfeller) == [(day(0), day(9)), (day(26), day(30))]
    assert [t.sykmelding_ids for t in tilfeller] == [("a",), ("b",)]


def test_last_joinable_day_is_the_sixteenth_day_after_the_end() -> None:
    first = build_tilfeller([periode(0, 9)])[0]
    assert first.last_joinable_day == day(9 + CASE_BREAK_DAYS) == day(25)
    assert len(build_tilfeller([periode(0, 9), periode(25, 25)])) == 1
    assert len(build_tilfeller([periode(0, 9), periode(26, 26)])) == 2


def test_weekends_are_ordinary_days() -> None:
    # 2024-01-05 is a Friday; the weekend after it is two of the fifteen gap days, nothing special.
    friday = date(2024, 1, 5)
    tilfeller = build_tilfeller(
        [
            Sykeperiode("a", date(2024, 1, 1), friday, AIM),
            Sykeperiode("b", friday + timedelta(days=16), friday + timedelta(days=20), AIM),
        ]
    )
    assert len(tilfeller) == 1


def test_graded_then_full() -> None:
    tilfelle = build_tilfeller([periode(0, 13, PeriodeKind.GRADERT, 50, "g"), periode(14, 30, sykmelding_id="f")])[0]
    assert (tilfelle.start, tilfelle.end) == (day(0), day(30))
    assert tilfelle.grad_on(day(13)) == 50
    assert not tilfelle.fully_sick_on(day(13))
    assert tilfelle.grad_on(day(14)) == 100
    assert tilfelle.fully_sick_on(day(14))


def test_full_wins_over_graded_and_the_highest_grade_wins_among_graded() -> None:
    tilfelle = build_tilfeller(
        [
            periode(0, 20, PeriodeKind.GRADERT, 40, "g40"),
            periode(5, 10, PeriodeKind.GRADERT, 60, "g60"),
            periode(8, 9, sykmelding_id="full"),
        ]
    )[0]
    assert tilfelle.grad_on(day(4)) == 40
    assert tilfelle.grad_on(day(5)) == 60
    assert tilfelle.grad_on(day(8)) == 100


@pytest.mark.parametrize("kind", [PeriodeKind.BEHANDLINGSDAGER, PeriodeKind.REISETILSKUDD])
def test_days_covered_only_by_non_sick_kinds_are_non_sick(kind: PeriodeKind) -> None:
    tilfeller = build_tilfeller([periode(0, 9, sykmelding_id="a"), periode(10, 40, kind, sykmelding_id="b")])
    assert spans(tilfeller) == [(day(0), day(9))]
    # The non-sick sykmelding overlaps no case day, so it belongs to no case.
    assert tilfeller[0].sykmelding_ids == ("a",)
    assert not tilfeller[0].is_sick_on(day(10))


def test_a_non_sick_period_bridging_a_short_gap_belongs_to_the_case() -> None:
    tilfelle = build_tilfeller(
        [
            periode(0, 9, sykmelding_id="a"),
            periode(10, 15, PeriodeKind.BEHANDLINGSDAGER, sykmelding_id="b"),
            periode(20, 30, sykmelding_id="c"),
        ]
    )[0]
    assert tilfelle.sykmelding_ids == ("a", "b", "c")
    assert tilfelle.is_running_on(day(12))
    assert not tilfelle.is_sick_on(day(12))


@pytest.mark.parametrize("kind", [PeriodeKind.AVVENTENDE, PeriodeKind.EGENMELDING])
def test_avventende_and_egenmelding_are_ungraded_sick_days(kind: PeriodeKind) -> None:
    tilfelle = build_tilfeller([periode(0, 3, kind)])[0]
    assert tilfelle.grad_on(day(0)) == 100


def test_back_at_work_days_are_non_sick_even_under_a_sykmelding() -> None:
    tilfeller = build_tilfeller(
        [
            periode(0, 60, sykmelding_id="long"),
            periode(10, 40, PeriodeKind.ARBEID_GJENOPPTATT, sykmelding_id="w"),
        ]
    )
    # Back at work on days 10-40 (31 days): two cases, the same sykmelding in both.
    assert spans(tilfeller) == [(day(0), day(9)), (day(41), day(60))]
    assert [t.sykmelding_ids for t in tilfeller] == [("long",), ("long",)]
    assert tilfeller[0].grad_on(day(20)) is None


def test_back_at_work_for_a_few_days_leaves_a_running_case_that_is_not_sick_then() -> None:
    tilfelle = build_tilfeller([periode(0, 60), periode(10, 12, PeriodeKind.ARBEID_GJENOPPTATT)])[0]
    assert (tilfelle.start, tilfelle.end) == (day(0), day(60))
    assert tilfelle.is_running_on(day(11))
    assert not tilfelle.is_sick_on(day(11))


def test_a_case_that_ends_and_starts_again() -> None:
    tilfeller = build_tilfeller([periode(0, 30, sykmelding_id="a"), periode(100, 120, sykmelding_id="b")])
    first, second = tilfeller
    assert first.is_active_on(day(46)) and not first.is_active_on(day(47))
    assert not first.is_running_on(day(31))
    assert second.start == day(100)
    assert second.day_number(day(100)) == 0


def test_overlapping_sykmeldinger_merge_into_one_case() -> None:
    tilfeller = build_tilfeller(
        [
            periode(0, 20, sykmelding_id="a"),
            periode(10, 40, sykmelding_id="b"),
            periode(15, 16, sykmelding_id="c"),
        ]
    )
    assert spans(tilfeller) == [(day(0), day(40))]
    assert set(tilfeller[0].sykmelding_ids) == {"a", "b", "c"}


def test_no_periods_no_cases() -> None:
    assert build_tilfeller([]) == []
    assert build_tilfeller([periode(0, 5, PeriodeKind.REISETILSKUDD)]) == []


def test_leap_year_day_arithmetic() -> None:
    tilfelle = build_tilfeller([Sykeperiode("s", date(2028, 2, 1), date(2028, 12, 31), AIM)])[0]
    assert tilfelle.date_of_day(28) == date(2028, 2, 29)
    assert tilfelle.date_of_day(29) == date(2028, 3, 1)
    assert tilfelle.date_of_day(119) == date(2028, 5, 30)
    assert tilfelle.date_of_day(364) == date(2029, 1, 30)
    assert tilfelle.day_number(date(2028, 3, 1)) == 29
    assert tilfelle.day_number(tilfelle.date_of_day(181)) == 181


def test_a_gap_across_february_29_counts_the_leap_day() -> None:
    # Sick until 2028-02-20; Feb 21..Mar 7 is 16 days only because Feb 29 exists.
    before = Sykeperiode("a", date(2028, 2, 1), date(2028, 2, 20), AIM)
    assert len(build_tilfeller([before, Sykeperiode("b", date(2028, 3, 7), date(2028, 3, 9), AIM)])) == 1
    assert len(build_tilfeller([before, Sykeperiode("b", date(2028, 3, 8), date(2028, 3, 9), AIM)])) == 2


def test_grad_outside_the_case_is_none() -> None:
    tilfelle = build_tilfeller([periode(5, 10)])[0]
    assert tilfelle.grad_on(day(4)) is None
    assert tilfelle.grad_on(day(11)) is None


@pytest.mark.parametrize(
    ("kind", "grad"),
    [(PeriodeKind.GRADERT, None), (PeriodeKind.GRADERT, 100), (PeriodeKind.GRADERT, 0), (AIM, 50)],
)
def test_grad_only_on_gradert_and_within_1_to_99(kind: PeriodeKind, grad: int | None) -> None:
    with pytest.raises(ValueError, match="grad"):
        Sykeperiode("s", BASE, BASE, kind, grad)


def test_fom_after_tom_is_refused() -> None:
    with pytest.raises(ValueError, match="after"):
        Sykeperiode("s", day(1), day(0), AIM)


def test_tilfelle_id_is_deterministic_and_per_person() -> None:
    assert derive_tilfelle_id("p1", BASE) == derive_tilfelle_id("p1", BASE)
    assert derive_tilfelle_id("p1", BASE) != derive_tilfelle_id("p2", BASE)
    assert derive_tilfelle_id("p1", BASE) != derive_tilfelle_id("p1", day(1))


# Properties, checked against a day-by-day model of docs/domain.md §5.

# Holiday and leave follow their own rule (a table below); the model knows sick and back-at-work days.
_kinds = st.sampled_from([kind for kind in PeriodeKind if kind not in FERIE_KINDS])


@st.composite
def perioder(draw: st.DrawFn) -> Sykeperiode:
    kind = draw(_kinds)
    fom = draw(st.integers(0, 200))
    length = draw(st.integers(0, 40))
    grad = draw(st.integers(1, 99)) if kind is PeriodeKind.GRADERT else None
    return periode(fom, fom + length, kind, grad, draw(st.sampled_from("abcdef")))


def model_sick_days(periods: list[Sykeperiode]) -> list[date]:
    def days(p: Sykeperiode) -> set[date]:
        return {p.fom + timedelta(days=i) for i in range((p.tom - p.fom).days + 1)}

    sick = set().union(*(days(p) for p in periods if p.kind in SICK_KINDS))
    at_work = set().union(*(days(p) for p in periods if p.kind is PeriodeKind.ARBEID_GJENOPPTATT))
    return sorted(sick - at_work)


def model_spans(periods: list[Sykeperiode]) -> list[tuple[date, date]]:
    result: list[tuple[date, date]] = []
    for sick_day in model_sick_days(periods):
        if result and (sick_day - result[-1][1]).days <= CASE_BREAK_DAYS:
            result[-1] = (result[-1][0], sick_day)
        else:
            result.append((sick_day, sick_day))
    return result


@given(st.lists(perioder(), max_size=12))
def test_cases_match_the_day_by_day_model(periods: list[Sykeperiode]) -> None:
    assert spans(build_tilfeller(periods)) == model_spans(periods)


@given(st.lists(perioder(), max_size=12), st.randoms())
def test_independent_of_input_order_and_duplicates(periods: list[Sykeperiode], rnd: random.Random) -> None:
    shuffled = [*periods, *periods[:3]]
    rnd.shuffle(shuffled)
    assert build_tilfeller(shuffled) == build_tilfeller(periods)


@given(st.lists(perioder(), max_size=12))
def test_every_sick_day_lies_in_exactly_one_case_and_is_sick_there(periods: list[Sykeperiode]) -> None:
    tilfeller = build_tilfeller(periods)
    for sick_day in model_sick_days(periods):
        holding = [t for t in tilfeller if t.is_running_on(sick_day)]
        assert len(holding) == 1
        assert holding[0].is_sick_on(sick_day)


@given(st.lists(perioder(), max_size=12))
def test_cases_are_separated_by_at_least_sixteen_non_sick_days(periods: list[Sykeperiode]) -> None:
    tilfeller = build_tilfeller(periods)
    for earlier, later in itertools.pairwise(tilfeller):
        assert (later.start - earlier.end).days - 1 >= CASE_BREAK_DAYS
    for tilfelle in tilfeller:
        assert tilfelle.is_sick_on(tilfelle.start)
        assert tilfelle.is_sick_on(tilfelle.end)


# A sykmelding's periods as the case counts them.


def test_sykmelding_periods_map_to_case_periods() -> None:
    fom = day(0)
    perioder = [
        Periode(fom=fom, tom=day(6), aktivitet_ikke_mulig=AktivitetIkkeMulig()),
        Periode(fom=day(7), tom=day(13), gradert=Gradert(grad=40, reisetilskudd=False)),
        Periode(fom=day(14), tom=day(20), behandlingsdager=2),
        Periode(fom=day(21), tom=day(27), gradert=Gradert(grad=100, reisetilskudd=False)),
        Periode(fom=day(28), tom=day(30)),  # no kind: the rules reject it
        Periode(fom=day(40), tom=day(35), aktivitet_ikke_mulig=AktivitetIkkeMulig()),  # fom after tom
    ]
    assert sykeperioder("s", perioder) == [
        periode(0, 6),
        periode(7, 13, PeriodeKind.GRADERT, 40),
        periode(14, 20, PeriodeKind.BEHANDLINGSDAGER),
        periode(21, 27),
    ]


# Case ids are kept once announced.


def known(tilfelle: Oppfolgingstilfelle, case_id: UUID) -> KnownCase:
    return KnownCase(case_id, tilfelle.start, tilfelle.end)


def test_a_new_case_gets_its_derived_id() -> None:
    tilfeller = build_tilfeller([periode(0, 20)])
    assert keep_ids("p", tilfeller, []) == [derive_tilfelle_id("p", day(0))]


def test_a_backdated_sykmelding_moves_the_start_but_not_the_id() -> None:
    [first] = build_tilfeller([periode(10, 30, sykmelding_id="a")])
    first_id = keep_ids("p", [first], [])[0]
    moved = build_tilfeller([periode(10, 30, sykmelding_id="a"), periode(0, 9, sykmelding_id="b")])
    assert moved[0].start == day(0)
    assert keep_ids("p", moved, [known(first, first_id)]) == [first_id]


def test_merged_cases_go_on_under_the_older_id() -> None:
    a, b = build_tilfeller([periode(0, 9, sykmelding_id="a"), periode(30, 40, sykmelding_id="b")])
    ids = keep_ids("p", [a, b], [])
    merged = build_tilfeller([periode(0, 9), periode(10, 29, sykmelding_id="c"), periode(30, 40)])
    assert keep_ids("p", merged, [known(b, ids[1]), known(a, ids[0])]) == [ids[0]]


def test_a_split_case_keeps_its_id_for_the_earlier_half_and_never_reuses_it() -> None:
    # The case starts on day 30 (id derived from day 30), then a backdated sykmelding moves it to day 0.
    [whole] = build_tilfeller([periode(0, 29, sykmelding_id="a"), periode(30, 60, sykmelding_id="b")])
    announced = derive_tilfelle_id("p", day(30))
    # The bridging sykmelding is withdrawn (days 10-29): the case splits, the later half starts on day 30.
    halves = build_tilfeller([periode(0, 9, sykmelding_id="a"), periode(30, 60, sykmelding_id="b")])
    ids = keep_ids("p", halves, [known(whole, announced)])
    assert ids[0] == announced
    assert ids[1] != announced and len(set(ids)) == 2


def test_a_withdrawn_case_leaves_its_id_unused() -> None:
    a, b = build_tilfeller([periode(0, 9, sykmelding_id="a"), periode(30, 40, sykmelding_id="b")])
    ids = keep_ids("p", [a, b], [])
    assert keep_ids("p", [b], [known(a, ids[0]), known(b, ids[1])]) == [ids[1]]
