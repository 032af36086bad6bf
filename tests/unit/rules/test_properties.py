"""Properties of the period-logic and backdating rules, and of the whole run, over generated sykmeldinger."""

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from sykmeldingsflyt.domain.registers import HprBehandler
from sykmeldingsflyt.domain.rules.backdating import BACKDATING_TREE
from sykmeldingsflyt.domain.rules.facts import RuleInput
from sykmeldingsflyt.domain.rules.periodlogic import PERIODLOGIC_TREE
from sykmeldingsflyt.domain.sykmelding import (
    AktivitetIkkeMulig,
    Diagnose,
    Gradert,
    KontaktMedPasient,
    MedisinskVurdering,
    Periode,
)
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.synthetic import L87
from tests.support import registers as hpr
from tests.unit.rules.builders import (
    FOM,
    M545,
    Z09,
    aktivitet_ikke_mulig,
    at_nine,
    hver_for_seg,
    med_perioder,
    run,
    sykmelding,
    tree_hit,
)

SEVERITY = {None: 0, RuleStatus.MANUAL_PROCESSING: 1, RuleStatus.INVALID: 2}
DAYS = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))


@st.composite
def covering_perioder(draw: st.DrawFn) -> list[Periode]:
    """Periods that follow each other with at most a weekend between, in any order."""
    fom = draw(DAYS)
    perioder = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        tom = fom + timedelta(days=draw(st.integers(min_value=0, max_value=20)))
        perioder.append(aktivitet_ikke_mulig(fom, tom))
        skipped = [tom + timedelta(days=offset) for offset in range(1, draw(st.integers(0, 2)) + 1)]
        fom = tom + timedelta(days=1 + (0 if any(day.weekday() < 5 for day in skipped) else len(skipped)))
    return draw(st.permutations(perioder))


@given(covering_perioder())
def test_periods_covering_every_weekday_pass_the_period_logic(perioder: list[Periode]) -> None:
    assert tree_hit(PERIODLOGIC_TREE, med_perioder(*perioder)) is None


@given(DAYS, st.integers(min_value=0, max_value=20), st.integers(min_value=1, max_value=30))
def test_a_weekday_between_periods_is_always_a_gap(fom: date, length: int, gap: int) -> None:
    first = aktivitet_ikke_mulig(fom, fom + timedelta(days=length))
    next_fom = first.tom + timedelta(days=gap + 1)
    assume(any((first.tom + timedelta(days=offset)).weekday() < 5 for offset in range(1, gap + 1)))
    second = aktivitet_ikke_mulig(next_fom, next_fom + timedelta(days=length))
    assert tree_hit(PERIODLOGIC_TREE, med_perioder(second, first)) == "OPPHOLD_MELLOM_PERIODER"


@st.composite
def earlier_perioder(draw: st.DrawFn) -> tuple[Periode, ...]:
    """Nothing, or one earlier period ending somewhere in the three weeks before FOM."""
    if not draw(st.booleans()):
        return ()
    tom = FOM - timedelta(days=draw(st.integers(min_value=1, max_value=21)))
    fom = tom - timedelta(days=draw(st.integers(min_value=0, max_value=30)))
    kind = draw(st.sampled_from(["aktivitet", "reisetilskudd"]))
    if kind == "aktivitet":
        return (Periode(fom=fom, tom=tom, aktivitet_ikke_mulig=AktivitetIkkeMulig()),)
    return (Periode(fom=fom, tom=tom, reisetilskudd=True),)


@given(
    signed=st.lists(st.integers(min_value=0, max_value=120), min_size=2, max_size=2),
    length=st.integers(min_value=0, max_value=30),
    begrunnelse=st.sampled_from([None, "", "123", "Influensa", "Var på hytta", "Pasienten var innlagt på sykehus"]),
    hoveddiagnose=st.sampled_from([L87, M545]),
    earlier=earlier_perioder(),
)
def test_signing_later_never_makes_a_backdating_outcome_milder(
    signed: list[int], length: int, begrunnelse: str | None, hoveddiagnose: Diagnose, earlier: tuple[Periode, ...]
) -> None:
    context = hver_for_seg(*earlier)

    def severity(days_after_fom: int) -> int:
        received = sykmelding(
            tom=FOM + timedelta(days=length),
            signatur_dato=at_nine(FOM + timedelta(days=days_after_fom)),
            kontakt_med_pasient=KontaktMedPasient(begrunnelse_ikke_kontakt=begrunnelse),
            medisinsk_vurdering=MedisinskVurdering(hoved_diagnose=hoveddiagnose, svangerskap=False, yrkesskade=False),
        )
        rule = BACKDATING_TREE.first_hit(RuleInput(received, context))
        return SEVERITY[rule.status if rule else None]

    earlier_day, later_day = sorted(signed)
    assert severity(earlier_day) <= severity(later_day)


@st.composite
def any_periode(draw: st.DrawFn) -> Periode:
    fom = FOM + timedelta(days=draw(st.integers(min_value=-1500, max_value=400)))
    tom = fom + timedelta(days=draw(st.integers(min_value=-3, max_value=400)))
    return Periode(
        fom=fom,
        tom=tom,
        aktivitet_ikke_mulig=draw(st.none() | st.just(AktivitetIkkeMulig())),
        gradert=draw(st.none() | st.builds(Gradert, grad=st.integers(1, 100), reisetilskudd=st.booleans())),
        avventende_innspill_til_arbeidsgiver=draw(st.none() | st.sampled_from(["", " ", "Kortere dager"])),
        behandlingsdager=draw(st.none() | st.integers(min_value=0, max_value=10)),
        reisetilskudd=draw(st.booleans()),
    )


@given(
    st.lists(any_periode(), max_size=4),
    st.integers(min_value=-60, max_value=400),
    st.sampled_from([None, L87, M545, Z09]),
    st.sampled_from(hpr.BEHANDLERE),
    st.lists(any_periode(), max_size=3),
)
def test_any_sykmelding_gets_one_verdict_and_at_most_one_hit(
    perioder: list[Periode],
    signed_after_fom: int,
    hoveddiagnose: Diagnose | None,
    behandler: HprBehandler,
    earlier: list[Periode],
) -> None:
    received = sykmelding(
        perioder=perioder,
        signatur_dato=at_nine(FOM + timedelta(days=signed_after_fom)),
        medisinsk_vurdering=MedisinskVurdering(hoved_diagnose=hoveddiagnose, svangerskap=False, yrkesskade=False),
    ).model_copy(update={"avsender_hpr": behandler.hpr_nummer})
    result = run(received, hver_for_seg(*earlier))
    assert len(result.rule_hits) <= 1
    assert result.status is (result.rule_hits[0].rule_status if result.rule_hits else RuleStatus.OK)
