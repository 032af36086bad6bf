"""Møtebehov: the model's consistency rules and the MELD_BEHOV / SVAR_BEHOV check (docs/domain.md §4)."""

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from sykmeldingsflyt.domain.clock import OSLO
from sykmeldingsflyt.domain.identifiers import synthetic_fnr
from sykmeldingsflyt.domain.motebehov import (
    FORKLARING,
    Besvart,
    Innmeldertype,
    Motebehov,
    MotebehovAvvisning,
    MotebehovFraPart,
    MotebehovMottatt,
    Skjematype,
    decide,
    motebehovstatus,
)
from sykmeldingsflyt.domain.oppgave import Oppgavestatus, Oppgavetype
from sykmeldingsflyt.domain.tilfelle import (
    Oppfolgingstilfelle,
    PeriodeKind,
    Sykeperiode,
    build_tilfeller,
    derive_tilfelle_id,
)

START = date(2024, 1, 1)
ORGNR = "999999999"
NOW = datetime(2025, 6, 1, 8, tzinfo=UTC)
MOTEBEHOV_ID = "00000000-0000-4000-8000-000000000001"


def on(n: int) -> date:
    return START + timedelta(days=n)


def tilfeller(last_sick_day: int = 300, start: date = START) -> list[Oppfolgingstilfelle]:
    end = start + timedelta(days=last_sick_day)
    return build_tilfeller([Sykeperiode("s", start, end, PeriodeKind.AKTIVITET_IKKE_MULIG)])


def motebehov(day: date, **fields: Any) -> Motebehov:
    values: dict[str, Any] = {
        "id": MOTEBEHOV_ID,
        "skjematype": Skjematype.SVAR_BEHOV,
        "innmelder_type": Innmeldertype.ARBEIDSTAKER,
        "person_ref": "person-ref-1",
        "orgnr": ORGNR,
        "har_motebehov": True,
        "innsendt": datetime.combine(day, time(12), tzinfo=OSLO),
    }
    return Motebehov(**(values | fields))


@pytest.mark.parametrize(
    ("case_day", "avvisning"),
    [
        (111, MotebehovAvvisning.SVAR_BEHOV_FOR_TIDLIG),
        (112, None),
        (181, None),
        (182, MotebehovAvvisning.SVAR_BEHOV_FOR_SENT),
    ],
)
def test_svar_behov_window_edges(case_day: int, avvisning: MotebehovAvvisning | None) -> None:
    decision = decide(motebehov(on(case_day)), tilfeller(), NOW)
    assert decision.avvisning is avvisning
    assert decision.accepted is (avvisning is None)
    assert (decision.oppgave is not None) is decision.accepted


def test_the_submission_day_is_the_norwegian_calendar_day() -> None:
    # 22:30 UTC on case day 111 is 00:30 in Oslo on case day 112 (winter time, UTC+1).
    late_evening_utc = datetime.combine(on(111), time(23, 30), tzinfo=UTC)
    assert decide(motebehov(on(111), innsendt=late_evening_utc), tilfeller(), NOW).accepted


def test_svar_behov_in_a_case_under_the_2007_rules_was_never_asked_for() -> None:
    old = tilfeller(start=date(2010, 1, 1))
    decision = decide(motebehov(date(2010, 1, 1) + timedelta(days=120)), old, NOW)
    assert decision.avvisning is MotebehovAvvisning.SVAR_BEHOV_IKKE_ETTERSPURT


@pytest.mark.parametrize("case_day", [0, 5, 111, 182, 300, 316])
def test_meld_behov_any_time_while_the_case_is_active(case_day: int) -> None:
    decision = decide(motebehov(on(case_day), skjematype=Skjematype.MELD_BEHOV), tilfeller(), NOW)
    assert decision.accepted


@pytest.mark.parametrize("case_day", [-1, 317])
def test_meld_behov_outside_any_active_case_is_refused(case_day: int) -> None:
    # The case's last sick day is day 300; it can still grow until day 316.
    decision = decide(motebehov(on(case_day), skjematype=Skjematype.MELD_BEHOV), tilfeller(), NOW)
    assert decision.avvisning is MotebehovAvvisning.INGEN_AKTIVT_TILFELLE
    assert decision.oppgave is None


def test_no_cases_at_all() -> None:
    assert decide(motebehov(on(120)), [], NOW).avvisning is MotebehovAvvisning.INGEN_AKTIVT_TILFELLE


def test_the_active_case_among_several_is_the_one_used() -> None:
    periods = [
        Sykeperiode("a", on(0), on(30), PeriodeKind.AKTIVITET_IKKE_MULIG),
        Sykeperiode("b", on(100), on(400), PeriodeKind.AKTIVITET_IKKE_MULIG),
    ]
    decision = decide(motebehov(on(100 + 112)), build_tilfeller(periods), NOW)
    assert decision.oppgave is not None
    assert decision.oppgave.tilfelle_id == str(derive_tilfelle_id("person-ref-1", on(100)))


def test_a_yes_creates_a_nav_task_with_a_stable_id_and_no_free_text() -> None:
    submitted = motebehov(on(120), begrunnelse="free text that may be medical")
    first = decide(submitted, tilfeller(), NOW).oppgave
    again = decide(submitted, tilfeller(), NOW + timedelta(hours=1)).oppgave
    assert first is not None and again is not None
    assert first.id == again.id
    assert first.type is Oppgavetype.MOTEBEHOV_SVAR
    assert first.status is Oppgavestatus.MOTTATT
    assert first.referanse == MOTEBEHOV_ID
    assert first.tilfelle_id == str(derive_tilfelle_id("person-ref-1", START))
    assert "free text" not in str(first.to_wire())


def test_a_no_is_accepted_without_a_task() -> None:
    decision = decide(motebehov(on(120), har_motebehov=False, begrunnelse="not needed"), tilfeller(), NOW)
    assert decision.accepted
    assert decision.oppgave is None


def test_wire_names_are_navs() -> None:
    wire = motebehov(on(120), onsker_tolk=True, tolk_sprak="ukrainsk").to_wire()
    assert {"harMotebehov", "innmelderType", "onskerSykmelderDeltar", "onskerTolk", "tolkSprak"} <= set(wire)
    assert Motebehov.model_validate(wire) == motebehov(on(120), onsker_tolk=True, tolk_sprak="ukrainsk")


@pytest.mark.parametrize(
    "fields",
    [
        {"skjematype": Skjematype.MELD_BEHOV, "har_motebehov": False},
        {"har_motebehov": False, "onsker_tolk": True, "tolk_sprak": "arabisk"},
        {"har_motebehov": False, "onsker_sykmelder_deltar": True},
        {"onsker_sykmelder_deltar_begrunnelse": "why"},
        {"onsker_tolk": True},
        {"tolk_sprak": "arabisk"},
        {"orgnr": "12345678"},
        {"person_ref": ""},
        {"innsendt": datetime(2024, 5, 1, 12)},  # naive: no Norwegian date
        {"unexpected": 1},
    ],
)
def test_inconsistent_motebehov_is_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        motebehov(on(120), **fields)


def test_a_sykmelder_wish_may_carry_its_reason() -> None:
    submitted = motebehov(on(120), onsker_sykmelder_deltar=True, onsker_sykmelder_deltar_begrunnelse="why")
    assert submitted.onsker_sykmelder_deltar_begrunnelse == "why"


def test_an_employer_never_sent_a_sykmelding_is_told_so() -> None:
    decision = decide(motebehov(on(120), innmelder_type=Innmeldertype.ARBEIDSGIVER), [], NOW)
    assert decision.avvisning is MotebehovAvvisning.IKKE_SENDT_TIL_ARBEIDSGIVER


def test_the_task_names_the_case_by_the_id_it_was_announced_under() -> None:
    announced = UUID("00000000-0000-4000-8000-0000000000aa")
    decision = decide(motebehov(on(120)), tilfeller(), NOW, case_ids={START: announced})
    assert decision.oppgave is not None and decision.oppgave.tilfelle_id == str(announced)


def test_the_wire_form_names_the_person_by_fnr_and_is_pseudonymised_at_once() -> None:
    fnr = synthetic_fnr(date(1980, 5, 17), random.Random(1))
    fields = {name: value for name, value in motebehov(on(120)).to_wire().items() if name != "personRef"}
    wire = MotebehovFraPart.model_validate({**fields, "arbeidstakerFnr": fnr})
    pseudonymised = wire.pseudonymised("person-ref-1")
    assert pseudonymised == motebehov(on(120))
    assert fnr not in str(pseudonymised.to_wire())
    with pytest.raises(ValidationError):
        MotebehovFraPart.model_validate({**wire.to_wire(), "arbeidstakerFnr": "12345678901"})


def test_every_refusal_is_explained() -> None:
    assert set(FORKLARING) == set(MotebehovAvvisning)


def _besvart(skjematype: Skjematype, dag: int, *, ja: bool = True, behandlet: bool = False) -> Besvart:
    innsendt = datetime.combine(START + timedelta(days=dag), time(9), tzinfo=OSLO)
    mottatt = MotebehovMottatt(
        id=MOTEBEHOV_ID,
        skjematype=skjematype,
        innmelder_type=Innmeldertype.ARBEIDSTAKER,
        orgnr=ORGNR,
        har_motebehov=ja,
        innsendt=innsendt,
        person_ref="person",
        tilfelle_id="00000000-0000-4000-8000-0000000000aa",
        tilfelle_start=START,
    )
    return Besvart(mottatt, innsendt + timedelta(days=1) if behandlet else None)


_ASKED = START + timedelta(days=112)
_SVAR, _MELD = Skjematype.SVAR_BEHOV, Skjematype.MELD_BEHOV


@pytest.mark.parametrize(
    ("dag", "aktivt", "asked", "besvart", "expected"),
    [
        (20, False, None, [], (False, None, False)),
        (20, True, None, [], (True, _MELD, False)),
        (20, True, None, [_besvart(_MELD, 10)], (True, _MELD, True)),
        (20, True, None, [_besvart(_MELD, 10, behandlet=True)], (True, _MELD, False)),
        (111, True, _ASKED, [], (True, _MELD, False)),
        (112, True, _ASKED, [], (True, _SVAR, False)),
        (181, True, _ASKED, [_besvart(_SVAR, 115, ja=False)], (True, _SVAR, True)),
        (150, True, _ASKED, [_besvart(_SVAR, 115, behandlet=True)], (True, _SVAR, True)),
        (150, True, _ASKED, [_besvart(_MELD, 50, behandlet=True)], (True, _SVAR, False)),
        (150, True, _ASKED, [_besvart(_MELD, 50)], (True, _SVAR, True)),
        (182, True, _ASKED, [_besvart(_SVAR, 115)], (True, _MELD, True)),
        (182, True, _ASKED, [_besvart(_SVAR, 115, behandlet=True)], (True, _MELD, False)),
        # NAV asked a later case: an answer in this earlier one is not shown in it.
        (300, True, START + timedelta(days=250), [_besvart(_MELD, 50)], (True, _SVAR, False)),
    ],
    ids=[
        "no-active-case",
        "meld-open",
        "meld-answered",
        "meld-handled",
        "day-111",
        "svar-opens-day-112",
        "svar-no-shown-to-day-181",
        "svar-handled-still-shown",
        "handled-meld-before-window",
        "open-meld-shown-in-window",
        "day-182-meld-again",
        "day-182-handled",
        "earlier-case",
    ],
)
def test_the_status_follows_syfomotebehov(
    dag: int, aktivt: bool, asked: date | None, besvart: list[Besvart], expected: tuple[bool, Any, bool]
) -> None:
    status = motebehovstatus(START + timedelta(days=dag), aktivt=aktivt, sporsmal_apnet=asked, besvart=besvart)
    assert (status.vis_motebehov, status.skjematype, status.besvart is not None) == expected
