"""Stop points and their relevance (docs/domain.md §5), the versioned rule sets, and the clock port."""

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sykmeldingsflyt.domain.clock import SystemClock, VirtualClock, norwegian_date
from sykmeldingsflyt.domain.dialogmote import DialogmoteStatusEndring
from sykmeldingsflyt.domain.identifiers import synthetic_fnr
from sykmeldingsflyt.domain.oppgave import Oppgave, Oppgavetype
from sykmeldingsflyt.domain.stoppunkter import (
    REGELVERK,
    REGELVERK_2007,
    REGELVERK_2011,
    OppgaveHendelse,
    Regelverk,
    Stoppunkt,
    StoppunktName,
    VarselHendelse,
    regelverk_for,
)
from sykmeldingsflyt.domain.tilfelle import KnownCase, PeriodeKind, Sykeperiode, build_tilfeller
from sykmeldingsflyt.domain.timeline import (
    Action,
    CaseFacts,
    CaseInputs,
    DialogmoteHendelse,
    DialogmoteStatus,
    actions_for,
    active_case,
    due,
    evaluate,
    next_due,
    plan_before_dialogmote,
)
from sykmeldingsflyt.domain.varsel import Mottaker, Varsel, Varseltype

START = date(2024, 1, 1)
ORGNR = "999999999"
PERSON = "person-ref-1"
AT = Mottaker.ARBEIDSTAKER
AG = Mottaker.ARBEIDSGIVER
S = StoppunktName
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def on(n: int) -> date:
    return START + timedelta(days=n)


def sick(
    fom: int, tom: int, kind: PeriodeKind = PeriodeKind.AKTIVITET_IKKE_MULIG, grad: int | None = None
) -> Sykeperiode:
    return Sykeperiode(f"s{fom}", on(fom), on(tom), kind, grad, ORGNR)


def case(*perioder: Sykeperiode, orgnr: str | None = ORGNR, **facts: Any) -> CaseFacts:
    """A case with `ORGNR` (fully sick days 0-400 unless periods are given) and the given facts."""
    tilfelle = build_tilfeller(perioder or [sick(0, 400)])[0]
    return CaseFacts(person_ref=PERSON, orgnr=orgnr, tilfelle=tilfelle, **facts)


def full_case_from(start: date) -> CaseFacts:
    periode = Sykeperiode("s", start, start + timedelta(days=400), PeriodeKind.AKTIVITET_IKKE_MULIG)
    return CaseFacts(PERSON, ORGNR, build_tilfeller([periode])[0])


def stoppunkt(name: StoppunktName, regelverk: Regelverk = REGELVERK_2011) -> Stoppunkt:
    return next(s for s in regelverk.stoppunkter if s.name is name)


def emits(facts: CaseFacts, name: StoppunktName, today: date | None = None) -> set[object]:
    """What stop point `name` emits on `today` (default: its own day): recipients and task types."""
    point = stoppunkt(name)
    day = today or point.date_for(facts.tilfelle.start)
    return {
        a.hendelse.mottaker if isinstance(a.hendelse, VarselHendelse) else a.hendelse.oppgavetype
        for a in due(point, facts, REGELVERK_2011, day)
    }


# The table in docs/domain.md §5, with "N weeks" = start + 7N days.
EXPECTED_2011 = {
    S.ARBEIDSGIVERPERIODE_SLUTT: (16, set()),
    S.OPPFOLGINGSPLAN_FRIST: (28, {AG}),
    S.AKTIVITETSKRAV_VARSEL: (42, {AT, AG}),
    S.DIALOGMOTE1_FRIST: (49, {AG}),
    S.AKTIVITETSKRAV_VURDERING: (56, {Oppgavetype.AKTIVITETSKRAV_VURDERING}),
    S.MOTEBEHOV_SVAR_APNER: (112, {AT, AG}),
    S.DIALOGMOTE_KANDIDAT: (119, {Oppgavetype.DIALOGMOTE_KANDIDAT}),
    S.DIALOGMOTE2_FRIST: (182, {Oppgavetype.DIALOGMOTE2_FRIST}),
    S.SNART_SLUTT_PA_SYKEPENGER: (273, {AT, Oppgavetype.SNART_SLUTT_PA_SYKEPENGER}),
    S.MAKSDATO: (364, {Oppgavetype.MAKSDATO}),
}


def test_the_2011_schedule_is_the_domain_table() -> None:
    assert {s.name: s.offset_days for s in REGELVERK_2011.stoppunkter} == {
        name: offset for name, (offset, _) in EXPECTED_2011.items()
    }


@pytest.mark.parametrize("name", list(EXPECTED_2011))
def test_each_stop_point_fires_on_its_day_and_not_the_day_before(name: StoppunktName) -> None:
    offset, expected = EXPECTED_2011[name]
    facts = case()
    assert emits(facts, name, on(offset - 1)) == set()
    assert emits(facts, name, on(offset)) == expected


def test_a_stop_point_stays_due_when_the_timer_fires_late() -> None:
    assert emits(case(), S.DIALOGMOTE_KANDIDAT, on(130)) == {Oppgavetype.DIALOGMOTE_KANDIDAT}


def test_no_stop_point_after_the_case_ended() -> None:
    facts = case(sick(0, 118))
    assert emits(facts, S.DIALOGMOTE_KANDIDAT) == set()
    assert {a.stoppunkt for a in actions_for(facts, REGELVERK_2011, on(118 + 16))} == {
        S.OPPFOLGINGSPLAN_FRIST,
        S.AKTIVITETSKRAV_VARSEL,
        S.DIALOGMOTE1_FRIST,
        S.AKTIVITETSKRAV_VURDERING,
        S.MOTEBEHOV_SVAR_APNER,
    }


def test_a_case_known_to_have_ended_emits_nothing_more_even_for_missed_stop_points() -> None:
    facts = case(sick(0, 118))
    assert actions_for(facts, REGELVERK_2011, on(118 + 17)) == []


def test_a_gap_day_inside_the_case_counts_as_running() -> None:
    # Not sick on days 110-124, but the case runs on: at day 119 it is still running.
    assert emits(case(sick(0, 109), sick(125, 200)), S.DIALOGMOTE_KANDIDAT) == {Oppgavetype.DIALOGMOTE_KANDIDAT}


def test_a_case_extended_late_over_day_119_becomes_a_candidate_then() -> None:
    known_on_119 = case(sick(0, 110))
    assert emits(known_on_119, S.DIALOGMOTE_KANDIDAT) == set()
    extended = case(sick(0, 110), sick(124, 200))
    assert emits(extended, S.DIALOGMOTE_KANDIDAT, on(124)) == {Oppgavetype.DIALOGMOTE_KANDIDAT}


# Relevance: oppfolgingsplan.


def test_no_plan_reminder_when_a_plan_arrived_in_the_case() -> None:
    assert emits(case(oppfolgingsplaner=(on(20),)), S.OPPFOLGINGSPLAN_FRIST) == set()


def test_a_plan_that_arrives_after_the_stop_point_silences_a_late_firing() -> None:
    facts = case(oppfolgingsplaner=(on(30),))
    assert emits(facts, S.OPPFOLGINGSPLAN_FRIST, on(28)) == {AG}
    assert emits(facts, S.OPPFOLGINGSPLAN_FRIST, on(31)) == set()


def test_a_plan_from_before_the_case_does_not_count() -> None:
    assert emits(case(oppfolgingsplaner=(on(-30),)), S.OPPFOLGINGSPLAN_FRIST) == {AG}


def test_no_plan_reminder_without_an_employer() -> None:
    assert emits(case(orgnr=None), S.OPPFOLGINGSPLAN_FRIST) == set()


# Relevance: the activity requirement.


def test_no_activity_requirement_task_when_graded_on_the_day() -> None:
    facts = case(sick(0, 49), sick(50, 200, PeriodeKind.GRADERT, 50))
    assert emits(facts, S.AKTIVITETSKRAV_VURDERING) == set()


def test_no_activity_requirement_task_when_back_at_work_on_the_day() -> None:
    facts = case(sick(0, 200), sick(50, 60, PeriodeKind.ARBEID_GJENOPPTATT))
    assert facts.tilfelle.is_running_on(on(56))
    assert emits(facts, S.AKTIVITETSKRAV_VURDERING) == set()


def test_no_activity_requirement_task_when_an_exception_was_recorded() -> None:
    assert emits(case(aktivitetskrav_unntak=(on(40),)), S.AKTIVITETSKRAV_VURDERING) == set()
    assert emits(case(aktivitetskrav_unntak=(on(40),)), S.AKTIVITETSKRAV_VARSEL) == set()


def test_graded_before_but_fully_sick_on_the_day_gets_the_task() -> None:
    facts = case(sick(0, 49, PeriodeKind.GRADERT, 50), sick(50, 200))
    assert emits(facts, S.AKTIVITETSKRAV_VURDERING) == {Oppgavetype.AKTIVITETSKRAV_VURDERING}


def test_activity_requirement_without_an_employer_notifies_only_the_employee() -> None:
    facts = case(orgnr=None)
    assert emits(facts, S.AKTIVITETSKRAV_VARSEL) == {AT}
    assert emits(facts, S.AKTIVITETSKRAV_VURDERING) == {Oppgavetype.AKTIVITETSKRAV_VURDERING}


# Relevance: dialogmote 1.


def test_no_dialogmote1_reminder_when_held_or_when_graded() -> None:
    assert emits(case(dialogmote1_avholdt=(on(45),)), S.DIALOGMOTE1_FRIST) == set()
    assert emits(case(sick(0, 200, PeriodeKind.GRADERT, 40)), S.DIALOGMOTE1_FRIST) == set()


# Relevance: dialogmote 2.


def mote(status: DialogmoteStatus, n: int, mote_id: str = "m1") -> DialogmoteHendelse:
    return DialogmoteHendelse(mote_id, status, on(n))


def test_no_candidate_task_when_dialogmote2_was_held_within_the_case() -> None:
    facts = case(dialogmoter=(mote(DialogmoteStatus.INNKALT, 90), mote(DialogmoteStatus.FERDIGSTILT, 100)))
    assert emits(facts, S.DIALOGMOTE_KANDIDAT) == set()
    assert emits(facts, S.DIALOGMOTE2_FRIST) == set()


def test_a_meeting_held_in_an_earlier_case_does_not_count() -> None:
    facts = case(dialogmoter=(mote(DialogmoteStatus.FERDIGSTILT, -40),))
    assert emits(facts, S.DIALOGMOTE_KANDIDAT) == {Oppgavetype.DIALOGMOTE_KANDIDAT}


def test_a_called_but_not_held_meeting_still_leaves_the_deadline_task() -> None:
    facts = case(dialogmoter=(mote(DialogmoteStatus.INNKALT, 150), mote(DialogmoteStatus.NYTT_TID_STED, 170)))
    assert emits(facts, S.DIALOGMOTE2_FRIST) == {Oppgavetype.DIALOGMOTE2_FRIST}


def test_no_candidate_or_deadline_task_without_an_employer() -> None:
    facts = case(orgnr=None)
    assert emits(facts, S.DIALOGMOTE_KANDIDAT) == set()
    assert emits(facts, S.DIALOGMOTE2_FRIST) == set()
    assert emits(facts, S.MOTEBEHOV_SVAR_APNER) == set()


def test_no_svar_behov_question_when_a_meeting_is_already_called() -> None:
    assert emits(case(dialogmoter=(mote(DialogmoteStatus.INNKALT, 100),)), S.MOTEBEHOV_SVAR_APNER) == set()


@pytest.mark.parametrize("ending", [DialogmoteStatus.AVLYST, DialogmoteStatus.LUKKET])
def test_a_cancelled_or_closed_meeting_leaves_the_question_open(ending: DialogmoteStatus) -> None:
    facts = case(dialogmoter=(mote(DialogmoteStatus.INNKALT, 100), mote(ending, 105)))
    assert emits(facts, S.MOTEBEHOV_SVAR_APNER) == {AT, AG}


def test_same_day_statuses_keep_the_order_nav_sent_them() -> None:
    facts = case(dialogmoter=(mote(DialogmoteStatus.INNKALT, 100), mote(DialogmoteStatus.AVLYST, 100)))
    assert emits(facts, S.MOTEBEHOV_SVAR_APNER) == {AT, AG}


def test_each_meeting_is_judged_by_its_own_latest_status() -> None:
    facts = case(
        dialogmoter=(
            mote(DialogmoteStatus.INNKALT, 90, "a"),
            mote(DialogmoteStatus.INNKALT, 95, "b"),
            mote(DialogmoteStatus.AVLYST, 100, "a"),
        )
    )
    assert emits(facts, S.MOTEBEHOV_SVAR_APNER) == set()


# Stable ids.


def test_action_ids_are_stable_and_distinct() -> None:
    facts = case()
    first = actions_for(facts, REGELVERK_2011, on(400))
    again = actions_for(case(), REGELVERK_2011, on(401))
    assert [a.id for a in first] == [a.id for a in again]
    assert len({a.id for a in first}) == len(first) == 12
    # Another employer's view of the same case: the same tasks and varsler to the employee (emitted
    # once), its own varsler to the employer.
    other_view = actions_for(case(orgnr="888888888"), REGELVERK_2011, on(400))
    to_employer = {a.id for a in first if isinstance(a.hendelse, VarselHendelse) and a.hendelse.mottaker is AG}
    assert to_employer
    assert {a.id for a in first} & {a.id for a in other_view} == {a.id for a in first} - to_employer


def test_action_ids_depend_on_the_rule_set_version() -> None:
    point = stoppunkt(S.MAKSDATO)
    renamed = replace(REGELVERK_2011, version="2099-01")
    assert due(point, case(), REGELVERK_2011, on(364))[0].id != due(point, case(), renamed, on(364))[0].id


def test_actions_become_messages_without_medical_data() -> None:
    facts = case(sick(0, 400, PeriodeKind.GRADERT, 30))
    [varsel, oppgave] = due(stoppunkt(S.SNART_SLUTT_PA_SYKEPENGER), facts, REGELVERK_2011, on(273))
    message = varsel.to_message(NOW)
    assert isinstance(message, Varsel)
    assert (message.id, message.mottaker, message.type) == (
        str(varsel.id),
        AT,
        Varseltype.SNART_SLUTT_PA_SYKEPENGER,
    )
    assert message.tilfelle_id == str(facts.tilfelle_id)
    task = oppgave.to_message(NOW)
    assert isinstance(task, Oppgave)
    assert (task.id, task.referanse) == (str(oppgave.id), "2011-07/SNART_SLUTT_PA_SYKEPENGER")
    for wire in (message.to_wire(), task.to_wire()):
        assert not {"grad", "diagnose", "begrunnelse", "fnr"} & set(wire)
        assert "30" not in {str(v) for v in wire.values()}


# next_due: when the durable timer wakes.


def test_next_due_walks_the_schedule_skipping_the_silent_day_16() -> None:
    facts = case()
    wakeups: list[date] = []
    after = START
    while (wake := next_due(facts, REGELVERK_2011, after)) is not None:
        wakeups.append(wake)
        after = wake
    assert [(d - START).days for d in wakeups] == [28, 42, 49, 56, 112, 119, 182, 273, 364]


def test_next_due_skips_what_is_already_irrelevant_and_stops_with_the_case() -> None:
    assert next_due(case(oppfolgingsplaner=(on(10),)), REGELVERK_2011, on(16)) == on(42)
    assert next_due(case(sick(0, 50)), REGELVERK_2011, on(49)) is None


@given(st.integers(0, 400), st.integers(0, 450))
def test_next_due_agrees_with_actions_for(case_end: int, after: int) -> None:
    facts = case(sick(0, case_end))
    wake = next_due(facts, REGELVERK_2011, on(after))
    last_day = facts.tilfelle.last_joinable_day
    fired_by = {a.stoppunkt_dato for a in actions_for(facts, REGELVERK_2011, last_day)}
    assert wake == min((d for d in fired_by if d > on(after)), default=None)


# Versioned rule sets.


def test_regelverk_for_picks_the_rule_set_in_force_on_the_case_start() -> None:
    assert regelverk_for(date(2011, 6, 30)) is REGELVERK_2007
    assert regelverk_for(date(2011, 7, 1)) is REGELVERK_2011
    assert regelverk_for(date(2028, 2, 1)) is REGELVERK_2011
    assert REGELVERK[-1] is REGELVERK_2011
    with pytest.raises(LookupError):
        regelverk_for(date(2007, 2, 28))


def test_the_2007_rules_put_the_plan_at_6_weeks_and_dialogmote1_at_12() -> None:
    start = date(2010, 3, 1)
    facts = full_case_from(start)
    regelverk = regelverk_for(start)

    def fired(n: int) -> set[StoppunktName]:
        return {a.stoppunkt for a in actions_for(facts, regelverk, start + timedelta(days=n))}

    assert S.OPPFOLGINGSPLAN_FRIST not in fired(41)
    assert S.OPPFOLGINGSPLAN_FRIST in fired(42)
    assert S.DIALOGMOTE1_FRIST not in fired(83)
    assert S.DIALOGMOTE1_FRIST in fired(84)
    assert fired(400) == {
        S.OPPFOLGINGSPLAN_FRIST,
        S.AKTIVITETSKRAV_VURDERING,
        S.DIALOGMOTE1_FRIST,
        S.DIALOGMOTE2_FRIST,
        S.MAKSDATO,
    }
    assert all(a.regelverk_version == "2007-03" for a in actions_for(facts, regelverk, start + timedelta(days=400)))


def test_a_rule_set_refuses_duplicate_or_unordered_stop_points() -> None:
    points = REGELVERK_2011.stoppunkter
    with pytest.raises(ValueError, match="twice"):
        replace(REGELVERK_2011, stoppunkter=(*points, points[0]))
    with pytest.raises(ValueError, match="order"):
        replace(REGELVERK_2011, stoppunkter=tuple(reversed(points)))


def test_stop_points_in_a_leap_year() -> None:
    start = date(2028, 2, 1)
    facts = full_case_from(start)
    dates = {a.stoppunkt: a.stoppunkt_dato for a in actions_for(facts, regelverk_for(start), date(2029, 3, 1))}
    assert dates[S.OPPFOLGINGSPLAN_FRIST] == date(2028, 2, 29)
    assert dates[S.DIALOGMOTE_KANDIDAT] == date(2028, 5, 30)
    assert dates[S.MAKSDATO] == date(2029, 1, 30)


def test_action_is_a_value() -> None:
    [action] = due(stoppunkt(S.MAKSDATO), case(), REGELVERK_2011, on(364))
    assert isinstance(action, Action)
    assert action.hendelse == OppgaveHendelse(Oppgavetype.MAKSDATO)


# The clock port.


def test_the_norwegian_date_is_the_legal_day() -> None:
    assert norwegian_date(datetime(2024, 5, 11, 22, 30, tzinfo=UTC)) == date(2024, 5, 12)
    assert norwegian_date(datetime(2024, 1, 11, 22, 30, tzinfo=UTC)) == date(2024, 1, 11)
    with pytest.raises(ValueError, match="naive"):
        norwegian_date(datetime(2024, 1, 1))


def test_virtual_clock_advances_whole_days_across_dst() -> None:
    clock = VirtualClock.on(date(2024, 3, 30))
    clock.advance(1)
    assert clock.today() == date(2024, 3, 31)
    clock.advance(210)
    assert clock.today() == date(2024, 10, 27)
    assert clock.now().tzinfo is UTC
    clock.set(datetime(2028, 2, 29, 23, 30, tzinfo=UTC))
    assert clock.today() == date(2028, 3, 1)
    with pytest.raises(ValueError, match="tz-aware"):
        clock.set(datetime(2024, 1, 1))


def test_system_clock_is_utc() -> None:
    clock = SystemClock()
    assert clock.now().tzinfo is UTC
    assert abs((clock.today() - norwegian_date(clock.now())).days) <= 1


# evaluate, CaseInputs and the plan reminder before a dialogue meeting.


def test_evaluate_is_actions_due_now_and_the_next_wakeup() -> None:
    facts = case()
    evaluation = evaluate(facts, on(42))
    assert evaluation.actions == actions_for(facts, REGELVERK_2011, on(42))
    assert evaluation.next_due == on(49)


def test_case_inputs_keep_the_announced_id_of_a_case_whose_start_moved() -> None:
    [facts] = CaseInputs(PERSON, (sick(10, 200),)).cases()
    known = (KnownCase(facts.tilfelle_id, on(10), on(200)),)
    [moved] = CaseInputs(PERSON, (sick(10, 200), sick(0, 9)), known=known).cases()
    assert (moved.tilfelle.start, moved.tilfelle_id) == (on(0), facts.tilfelle_id)

    def fired(case_facts: CaseFacts) -> dict[tuple[StoppunktName, object], object]:
        return {(a.stoppunkt, a.hendelse): a.id for a in actions_for(case_facts, REGELVERK_2011, on(60))}

    # What fired before the start moved keeps its ids, so it is not emitted again.
    assert fired(facts).items() <= fired(moved).items()


def test_active_case_is_the_one_that_can_still_grow_on_the_day() -> None:
    cases = CaseInputs(PERSON, (sick(0, 9), sick(40, 60))).cases()
    assert active_case(cases, on(25)) is cases[0]
    assert active_case(cases, on(30)) is None
    assert active_case(cases, on(76)) is cases[1]


def test_a_called_meeting_reminds_the_employer_of_the_plan_a_week_before() -> None:
    facts = case()
    varsel = plan_before_dialogmote(facts, "m1", on(150), NOW)
    assert varsel is not None
    assert (varsel.type, varsel.mottaker, varsel.stoppunkt_dato) == (
        Varseltype.OPPFOLGINGSPLAN_FOR_DIALOGMOTE,
        AG,
        on(143),
    )
    assert plan_before_dialogmote(facts, "m1", on(150), NOW + timedelta(days=1)) == varsel.model_copy(
        update={"opprettet": NOW + timedelta(days=1)}
    )
    moved = plan_before_dialogmote(facts, "m1", on(160), NOW)
    assert moved is not None and moved.id != varsel.id
    assert plan_before_dialogmote(case(orgnr=None), "m1", on(150), NOW) is None


def test_a_dialogmote_status_counts_on_its_norwegian_day_and_keeps_the_meetings_time() -> None:
    event = DialogmoteStatusEndring(
        dialogmote_uuid="00000000-0000-4000-8000-0000000000d1",
        status_endring_type=DialogmoteStatus.INNKALT,
        status_endring_tidspunkt=datetime(2024, 5, 11, 22, 30, tzinfo=UTC),
        dialogmote_tidspunkt=datetime(2024, 6, 1, 9, tzinfo=UTC),
        person_ident=synthetic_fnr(date(1980, 5, 17), random.Random(1)),
        virksomhetsnummer=ORGNR,
    )
    assert event.hendelse() == DialogmoteHendelse(
        event.dialogmote_uuid, DialogmoteStatus.INNKALT, date(2024, 5, 12), motetid=event.dialogmote_tidspunkt
    )
