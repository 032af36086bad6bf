"""`sykmeldingsflyt simulate`: synthetic cases played for 52 weeks through the timeline's domain.

No Kafka and no database: each sykmelding, plan or meeting status, and each timer that falls due,
does what the tidslinje service does for it (rebuild the person's cases with `CaseInputs`, `evaluate`
them on the virtual clock's day, emit the actions not emitted before, re-arm the timer), with the
storage replaced by memory. What it measures is therefore the domain's cost, the floor under the
service's; the service adds a database transaction and the broker per change.

The shapes follow docs/domain.md §6: 76 % of cases end within 8 weeks and 92 % within 26, about 32 % last
6 weeks or more and 14.5 % 17 weeks or more, 4.5 % use up their sick pay; 22 % are graded; plans
and dialogue meetings come to some of the longer cases. Some people are sick-listed from two jobs
(one case, two employers' views), and some søknader report holiday at the end of a sykmelding.
"""

import bisect
import heapq
import random
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sykmeldingsflyt.domain.clock import VirtualClock
from sykmeldingsflyt.domain.stoppunkter import REGELVERK_2011, StoppunktName
from sykmeldingsflyt.domain.tilfelle import Kilde, KnownCase, PeriodeKind, Sykeperiode
from sykmeldingsflyt.domain.timeline import (
    CaseFacts,
    CaseInputs,
    DialogmoteHendelse,
    DialogmoteStatus,
    active_case,
    evaluate,
    plan_before_dialogmote,
)
from sykmeldingsflyt.domain.varsel import Varsel

FIRST_DAY = date(2025, 1, 6)
"""Day 0 of the simulation, a Monday; cases start in its first week."""
START_SPREAD_DAYS = 7
WEEKS = 52
ORGNR = "311000101"
ORGNR_2 = "311000128"

# Case length in days (first to last sick day) as a cumulative distribution: (length, share up to it).
_LENGTHS = ((1, 0.0), (16, 0.45), (42, 0.68), (56, 0.76), (119, 0.855), (182, 0.92), (364, 0.955), (420, 1.0))
GRADED_SHARE = 0.22
PLAN_SHARE = 0.55
"""Of cases lasting 3 weeks or more."""
DIALOGMOTE_SHARE = 0.20
"""Of cases still running at the dialogmote-2 candidate day: some 29,000 meetings in 150,000 assessed."""
GAP_SHARE = 0.05
"""Of sykmeldinger after the first: a few non-sick days before it, too few to end the case."""
SECOND_EMPLOYER_SHARE = 0.08
"""Of people: sick-listed from a second job for the same days, so one case has two employers."""
HOLIDAY_SHARE = 0.05
"""Of sykmeldinger: the søknad after it reports its last days (up to five) as holiday."""


@dataclass(frozen=True, slots=True)
class Event:
    day: int
    case: int
    sykmelding: Sykeperiode | None = None
    """A piece: a sykmelding period, or a søknad's holiday."""
    plan: date | None = None
    dialogmote: DialogmoteHendelse | None = None
    motedato: date | None = None


@dataclass(frozen=True, slots=True)
class SyntheticCase:
    person_ref: str
    start: int
    length: int
    events: tuple[Event, ...]


def _length(rng: random.Random) -> int:
    draw = rng.random()
    index = bisect.bisect_left([share for _, share in _LENGTHS], draw)
    (low, low_share), (high, high_share) = _LENGTHS[max(index - 1, 0)], _LENGTHS[max(index, 1)]
    position = (draw - low_share) / (high_share - low_share)
    return max(1, round(low + position * (high - low)))


def _day(number: int) -> date:
    return FIRST_DAY + timedelta(days=number)


def synthetic_case(rng: random.Random, number: int) -> SyntheticCase:
    """One case: a chain of sykmeldinger, each arriving on its first day, and what else befalls it."""
    person_ref = f"sim-{number:08d}"
    start, length = rng.randrange(START_SPREAD_DAYS), _length(rng)
    end = start + length - 1
    grad = rng.choice((20, 40, 50, 60, 80)) if rng.random() < GRADED_SHARE else None
    # Graded from the first sykmelding, or, in a longer case, after two or four weeks fully sick.
    graded_from = start + (rng.choice((0, 14, 28)) if length >= 84 else 0)
    events: list[Event] = []
    employers = (ORGNR, ORGNR_2) if rng.random() < SECOND_EMPLOYER_SHARE else (ORGNR,)
    fom = start
    while fom <= end:
        tom = min(end, fom + rng.choice((6, 13, 13, 20, 27)))
        kind, sykmeldingsgrad = (
            (PeriodeKind.GRADERT, grad) if grad and fom >= graded_from else (PeriodeKind.AKTIVITET_IKKE_MULIG, None)
        )
        for orgnr in employers:
            periode = Sykeperiode(f"{person_ref}-{orgnr}-{fom}", _day(fom), _day(tom), kind, sykmeldingsgrad, orgnr)
            events.append(Event(day=fom, case=number, sykmelding=periode))
        if rng.random() < HOLIDAY_SHARE:
            ferie = Sykeperiode(
                f"{person_ref}-soknad-{fom}",
                _day(max(fom, tom - 4)),
                _day(tom),
                PeriodeKind.FERIE,
                orgnr=ORGNR,
                kilde=Kilde.SYKEPENGESOKNAD,
            )
            events.append(Event(day=tom + 1, case=number, sykmelding=ferie))
        fom = tom + 1 + (rng.randint(1, 10) if rng.random() < GAP_SHARE else 0)
    if length >= 21 and rng.random() < PLAN_SHARE:
        plan_day = start + rng.randint(14, 35)
        events.append(Event(day=plan_day, case=number, plan=_day(plan_day)))
    if length > 119 and rng.random() < DIALOGMOTE_SHARE:
        called, held = start + rng.randint(100, 160), rng.randint(14, 28)
        mote = f"{person_ref}-dialogmote"
        for day, status in ((called, DialogmoteStatus.INNKALT), (called + held, DialogmoteStatus.FERDIGSTILT)):
            hendelse = DialogmoteHendelse(mote, status, _day(day))
            events.append(Event(day=day, case=number, dialogmote=hendelse, motedato=_day(called + held)))
    return SyntheticCase(person_ref, start, length, tuple(events))


def synthetic_cases(count: int, seed: int = 2026) -> list[SyntheticCase]:
    rng = random.Random(seed)
    return [synthetic_case(rng, number) for number in range(count)]


def horizon_days() -> int:
    """Every case gets its full 52 weeks, and the 16 days after in which it could still grow."""
    return START_SPREAD_DAYS + 7 * WEEKS + 16


@dataclass
class _CaseState:
    person_ref: str
    perioder: list[Sykeperiode] = field(default_factory=list)
    known: tuple[KnownCase, ...] = ()
    plans: list[date] = field(default_factory=list)
    moter: list[DialogmoteHendelse] = field(default_factory=list)
    fired: set[Hashable] = field(default_factory=set)
    """Action keys and varsel ids: what the service's fired-actions table holds, by cheaper keys."""
    armed: date | None = None


@dataclass
class Report:
    cases: int
    days: int
    events: int = 0
    timers: int = 0
    seconds: float = 0.0
    reached: Counter[StoppunktName] = field(default_factory=Counter)
    varsler: Counter[str] = field(default_factory=Counter)
    oppgaver: Counter[str] = field(default_factory=Counter)

    def lines(self) -> Iterator[str]:
        yield f"{self.cases} synthetic cases, {self.days} days on a virtual clock, through the domain only (no Kafka)"
        yield "stop points reached (the case still running on the day):"
        for stoppunkt in REGELVERK_2011.stoppunkter:
            yield f"  {stoppunkt.name:<28} {self.reached[stoppunkt.name]:>9}"
        yield "varsler emitted:"
        yield from (f"  {name:<28} {count:>9}" for name, count in sorted(self.varsler.items()))
        yield "NAV tasks ordered:"
        yield from (f"  {name:<28} {count:>9}" for name, count in sorted(self.oppgaver.items()))
        rate = self.seconds or float("inf")
        yield (
            f"{self.events} events and {self.timers} timers in {self.seconds:.2f} s: "
            f"{self.events / rate:,.0f} events/s, {self.timers / rate:,.0f} timers/s, "
            f"{(self.events + self.timers) / rate:,.0f} together"
        )


class Simulation:
    """The cases' inputs in memory, the clock virtual, the timers a heap of (due day, case)."""

    def __init__(self, cases: list[SyntheticCase]) -> None:
        self.cases = cases
        self.states = [_CaseState(case.person_ref) for case in cases]
        self.clock = VirtualClock.on(FIRST_DAY)
        self.report = Report(cases=len(cases), days=horizon_days())

    def run(self, day_played: Callable[[], object] = lambda: None) -> Report:
        """Play every day; `day_played` is called after each (a progress bar)."""
        by_day: dict[int, list[Event]] = {}
        for case in self.cases:
            for event in case.events:
                by_day.setdefault(event.day, []).append(event)
        timers: list[tuple[date, int]] = []
        started = time.perf_counter()
        for number in range(self.report.days):
            if number:
                self.clock.advance(1)
            today = self.clock.today()
            for event in by_day.get(number, ()):
                self._apply(event, timers)
                self.report.events += 1
            while timers and timers[0][0] <= today:
                due, index = heapq.heappop(timers)
                if self.states[index].armed == due:  # else re-armed since: a stale entry
                    self._recompute(index, timers)
                    self.report.timers += 1
            day_played()
        self.report.seconds = time.perf_counter() - started
        self._count_reached()
        return self.report

    def _apply(self, event: Event, timers: list[tuple[date, int]]) -> None:
        state = self.states[event.case]
        if event.sykmelding is not None:
            state.perioder.append(event.sykmelding)
        if event.plan is not None:
            state.plans.append(event.plan)
        if event.dialogmote is not None:
            state.moter.append(event.dialogmote)
        cases = self._recompute(event.case, timers)
        mote = event.dialogmote
        if mote is None or mote.status is not DialogmoteStatus.INNKALT or event.motedato is None:
            return
        facts = active_case(cases, mote.dato)
        varsel = (
            None if facts is None else plan_before_dialogmote(facts, mote.mote_id, event.motedato, self.clock.now())
        )
        if varsel is not None and varsel.id not in state.fired:
            state.fired.add(varsel.id)
            self.report.varsler[varsel.type.value] += 1

    def _recompute(self, index: int, timers: list[tuple[date, int]]) -> list[CaseFacts]:
        state = self.states[index]
        inputs = CaseInputs(
            state.person_ref,
            tuple(state.perioder),
            state.known,
            tuple((ORGNR, plan) for plan in state.plans),
            tuple(state.moter),
        )
        tilfeller = inputs.tilfeller()
        cases = [facts for tilfelle_id, tilfelle in tilfeller for facts in inputs.views(tilfelle_id, tilfelle)]
        today, now = self.clock.today(), self.clock.now()
        armed: date | None = None
        for facts in cases:
            evaluation = evaluate(facts, today)
            for action in evaluation.actions:
                if action.key in state.fired:
                    continue
                state.fired.add(action.key)
                message = action.to_message(now)
                counter = self.report.varsler if isinstance(message, Varsel) else self.report.oppgaver
                counter[message.type.value] += 1
            if evaluation.next_due is not None and (armed is None or evaluation.next_due < armed):
                armed = evaluation.next_due
        state.known = tuple(KnownCase(tilfelle_id, t.start, t.end) for tilfelle_id, t in tilfeller)
        if armed is not None and armed != state.armed:
            heapq.heappush(timers, (armed, index))
        state.armed = armed
        return cases

    def _count_reached(self) -> None:
        last = _day(self.report.days - 1)
        for state in self.states:
            for known in state.known:
                for stoppunkt in REGELVERK_2011.stoppunkter:
                    day = stoppunkt.date_for(known.start)
                    if day <= min(known.end, last):
                        self.report.reached[stoppunkt.name] += 1
