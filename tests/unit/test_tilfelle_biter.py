"""One case per person from its pieces (DOMAIN.md §5.1, NAV's isoppfolgingstilfelle): priority per
day, holiday and leave, several employers, duration, death. Each row is a rule in NAV's words."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from sykmeldingsflyt.domain.tilfelle import (
    Kilde,
    PeriodeKind,
    Sykeperiode,
    SykmeldingTilstand,
    build_tilfeller,
    sykmelding_biter,
)

BASE = date(2024, 1, 1)
A, B = "311000101", "322000202"
K = PeriodeKind


def day(n: int) -> date:
    return BASE + timedelta(days=n)


def at(n: int) -> datetime:
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=n)


def bit(
    fom: int,
    tom: int,
    kind: PeriodeKind = K.AKTIVITET_IKKE_MULIG,
    *,
    orgnr: str | None = A,
    kilde: Kilde = Kilde.SYKMELDING,
    grad: int | None = None,
    made: int = 0,
    doc: str = "s",
) -> Sykeperiode:
    return Sykeperiode(doc, day(fom), day(tom), kind, grad, orgnr, kilde, at(made))


def soknad(fom: int, tom: int, kind: PeriodeKind, orgnr: str | None = A, made: int = 100) -> Sykeperiode:
    return bit(fom, tom, kind, orgnr=orgnr, kilde=Kilde.SYKEPENGESOKNAD, made=made, doc="soknad")


@dataclass(frozen=True)
class Row:
    rule: str
    pieces: tuple[Sykeperiode, ...]
    spans: tuple[tuple[int, int], ...]
    sykedager: tuple[int, ...] = ()


ROWS = [
    Row("a sykmelding still NY starts a case", (bit(0, 20, orgnr=None, kilde=Kilde.SYKMELDING_NY),), ((0, 20),)),
    Row(
        "SENT outranks NY: a sent sykmelding's behandlingsdager make NY sick days work days",
        (
            bit(0, 40, orgnr=None, kilde=Kilde.SYKMELDING_NY, doc="ny"),
            bit(10, 30, K.BEHANDLINGSDAGER, made=1, doc="sendt"),
        ),
        ((0, 9), (31, 40)),
    ),
    Row(
        "a søknad outranks a sykmelding: work resumed ends the sick days under it",
        (bit(0, 40), soknad(10, 40, K.ARBEID_GJENOPPTATT)),
        ((0, 9),),
    ),
    Row(
        "FERIE straight after sick days counts as sick and bridges a gap",
        (bit(0, 9), soknad(10, 29, K.FERIE), bit(30, 40, made=2, doc="s2")),
        ((0, 40),),
        (41,),
    ),
    Row(
        "FERIE after a work day counts toward the sixteen non-sick days",
        (bit(0, 9), soknad(11, 29, K.FERIE), bit(30, 40, made=2, doc="s2")),
        ((0, 9), (30, 40)),
        (10, 11),
    ),
    Row(
        "PERMISJON after a work day, with fewer than sixteen non-sick days, keeps the case",
        (bit(0, 9), soknad(11, 20, K.PERMISJON), bit(25, 30, made=2, doc="s2")),
        ((0, 30),),
        (16,),
    ),
    Row(
        "FERIE before any sick day counts for nothing",
        (soknad(0, 5, K.FERIE), bit(6, 10)),
        ((6, 10),),
        (5,),
    ),
    Row(
        "with two employers a day is a work day only if it is one for both",
        (bit(0, 40, orgnr=A), bit(0, 40, orgnr=B, doc="b"), soknad(10, 40, K.ARBEID_GJENOPPTATT, orgnr=A)),
        ((0, 40),),
    ),
    Row(
        "with two employers back at work at both, the days are work days",
        (
            bit(0, 40, orgnr=A),
            bit(0, 40, orgnr=B, doc="b"),
            soknad(10, 40, K.ARBEID_GJENOPPTATT, orgnr=A),
            soknad(10, 40, K.ARBEID_GJENOPPTATT, orgnr=B),
        ),
        ((0, 9),),
    ),
    Row(
        "sick at one employer while working at another is a sick day",
        (bit(0, 20, orgnr=A), bit(30, 60, orgnr=B, doc="b")),
        ((0, 60),),
    ),
    Row(
        "a piece without an employer takes part in each employer's decision",
        (bit(0, 30, orgnr=None, kilde=Kilde.SYKMELDING_NY), soknad(5, 30, K.ARBEID_GJENOPPTATT, orgnr=A)),
        ((0, 4),),
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.rule for row in ROWS])
def test_case_rules(row: Row) -> None:
    tilfeller = build_tilfeller(row.pieces)
    assert [((t.start - BASE).days, (t.end - BASE).days) for t in tilfeller] == list(row.spans)
    if row.sykedager:
        assert [t.sykedager for t in tilfeller] == list(row.sykedager)


def test_the_newest_wins_a_tie() -> None:
    older, newer = bit(0, 20, made=0, doc="old"), bit(10, 20, K.GRADERT, grad=50, made=5, doc="new")
    tilfelle = build_tilfeller([older, newer])[0]
    assert tilfelle.grad_on(day(5)) == 100
    assert tilfelle.grad_on(day(15)) == 50


def test_the_case_lists_its_employers_and_each_employer_sees_the_same_case() -> None:
    [tilfelle] = build_tilfeller([bit(0, 20, orgnr=A), bit(10, 40, orgnr=B, doc="b")])
    assert tilfelle.arbeidsgivere == (A, B)
    view = tilfelle.for_arbeidsgiver(B)
    assert view is not None
    assert (view.start, view.end, view.sykedager) == (tilfelle.start, tilfelle.end, tilfelle.sykedager)
    assert view.sykmelding_ids == ("b",)
    assert tilfelle.for_arbeidsgiver("399000303") is None


def test_duration_in_whole_weeks_leaves_out_non_sick_days() -> None:
    # Sick 0-9 and 15-29 with five work days between: on day 29, (29 - 5) // 7 = 3 weeks.
    tilfelle = build_tilfeller([bit(0, 9), bit(15, 29, doc="s2")])[0]
    assert tilfelle.varighet_uker(day(29)) == 3
    assert tilfelle.varighet_uker(day(13)) == (13 - 4) // 7
    assert tilfelle.varighet_uker(day(400)) == 3
    assert build_tilfeller([bit(0, 29)])[0].varighet_uker(day(29)) == 4


def test_death_ends_the_case() -> None:
    [tilfelle] = build_tilfeller([bit(0, 60), bit(70, 90, doc="later")], dodsdato=day(20))
    assert (tilfelle.start, tilfelle.end, tilfelle.sykedager) == (day(0), day(20), 21)
    assert tilfelle.last_joinable_day == day(20)
    assert not tilfelle.is_active_on(day(21))


def test_employee_at_the_end_only_when_an_employer_decided_the_last_sick_day() -> None:
    assert build_tilfeller([bit(0, 20)])[0].arbeidstaker_ved_slutt
    assert not build_tilfeller([bit(0, 20, orgnr=None)])[0].arbeidstaker_ved_slutt


@pytest.mark.parametrize(
    ("tilstand", "kilde", "orgnr"),
    [
        (SykmeldingTilstand.NY, Kilde.SYKMELDING_NY, None),
        (SykmeldingTilstand.SENDT, Kilde.SYKMELDING, A),
        (SykmeldingTilstand.BEKREFTET, Kilde.SYKMELDING, None),
    ],
)
def test_a_sykmelding_counts_in_every_status(tilstand: SykmeldingTilstand, kilde: Kilde, orgnr: str | None) -> None:
    periode = Sykeperiode("s", day(5), day(20), K.AKTIVITET_IKKE_MULIG)
    biter = sykmelding_biter([periode], tilstand, A, at(0), egenmeldinger=[(day(2), day(4))])
    assert {(b.kilde, b.orgnr) for b in biter} == {(kilde, orgnr)}
    assert (build_tilfeller(biter)[0].start, build_tilfeller(biter)[0].end) == (day(2), day(20))


def test_an_avbrutt_sykmelding_removes_its_days() -> None:
    periode = Sykeperiode("s", day(5), day(20), K.AKTIVITET_IKKE_MULIG)
    assert sykmelding_biter([periode], SykmeldingTilstand.AVBRUTT, A, at(0)) == []
