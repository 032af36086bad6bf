"""What a case's stop points emit, and when: pure decisions over CaseFacts and a day.

A stop point emits only while it is still relevant, judged on what is known on `today`: dated facts
(plans, meetings, exceptions) after `today` are ignored, so a replay with a virtual clock decides as
the live service did; the tilfelle is taken as the caller built it. A stop point whose day has passed
stays due for as long as it is relevant and the case has not ended, so a timer that fires late, or
facts that arrive late (a sykmelding that extends the case over day 119), still produce the action;
every action has a stable id, so evaluating again never duplicates what a party sees.
The service calls `evaluate` whenever facts change or a timer fires: it gives the actions due now
(`actions_for`) and the day to arm the next timer for (`next_due`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property
from uuid import NAMESPACE_URL, UUID, uuid5

from sykmeldingsflyt.domain.oppgave import Oppgave
from sykmeldingsflyt.domain.stoppunkter import (
    Hendelse,
    Regelverk,
    Relevance,
    Stoppunkt,
    StoppunktName,
    VarselHendelse,
    regelverk_for,
)
from sykmeldingsflyt.domain.tilfelle import (
    KnownCase,
    Oppfolgingstilfelle,
    Sykeperiode,
    build_tilfeller,
    derive_tilfelle_id,
    keep_ids,
)
from sykmeldingsflyt.domain.varsel import Mottaker, Varsel, Varseltype

ACTION_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sykmeldingsflyt:tidslinje-action")


class DialogmoteStatus(StrEnum):
    INNKALT = "INNKALT"
    NYTT_TID_STED = "NYTT_TID_STED"
    AVLYST = "AVLYST"
    FERDIGSTILT = "FERDIGSTILT"
    LUKKET = "LUKKET"


_CALLED_OR_HELD = frozenset({DialogmoteStatus.INNKALT, DialogmoteStatus.NYTT_TID_STED, DialogmoteStatus.FERDIGSTILT})


@dataclass(frozen=True, slots=True)
class DialogmoteHendelse:
    """One status event of one NAV dialogue meeting, in the order NAV sent them."""

    mote_id: str
    status: DialogmoteStatus
    dato: date
    """The Norwegian day of the status change: what the timeline decides on."""
    motetid: datetime | None = None
    """When the meeting is (or was) held, for the parties to read; None for an event stored before it was kept."""


@dataclass(frozen=True)  # no slots: cached_property keeps the derived id in the instance dict
class CaseFacts:
    """Everything a relevance decision needs about one case. Grade and back-at-work days come from
    the tilfelle's periods; the dates below are when each fact became known."""

    person_ref: str
    """An opaque person reference, never the fnr: it goes into every varsel and task."""
    orgnr: str | None
    """The employer whose view of the person's case this is; None for a case without an employer."""
    tilfelle: Oppfolgingstilfelle
    """The person's case, across all its employers."""
    oppfolgingsplaner: tuple[date, ...] = ()
    """Days a follow-up plan was received from this employer."""
    dialogmote1_avholdt: tuple[date, ...] = ()
    """Days the employer reported dialogmote 1 held."""
    dialogmoter: tuple[DialogmoteHendelse, ...] = ()
    aktivitetskrav_unntak: tuple[date, ...] = ()
    """Days an exception from the activity requirement was recorded."""
    announced_id: UUID | None = None
    """The id the case was first announced under, kept when its start moves (tilfelle.keep_ids)."""

    @cached_property
    def tilfelle_id(self) -> UUID:
        return self.announced_id or derive_tilfelle_id(self.person_ref, self.tilfelle.start)


@dataclass(frozen=True, slots=True)
class Action:
    """One thing to emit: a varsel or a task, with the id it keeps however often it is computed."""

    tilfelle_id: UUID
    person_ref: str
    orgnr: str | None
    regelverk_version: str
    stoppunkt: StoppunktName
    stoppunkt_dato: date
    hendelse: Hendelse

    @property
    def key(self) -> tuple[UUID, str, StoppunktName, str]:
        """What identifies the action: case, rule set version, stop point, and recipient or task type
        (the last keeps the two varsler of one stop point apart). A varsel to an employer names the
        employer: each employer of the case gets its own, while a task or a varsel to the employee is
        the same action from every employer's view of the case, and so is emitted once."""
        if not isinstance(self.hendelse, VarselHendelse):
            return (self.tilfelle_id, self.regelverk_version, self.stoppunkt, self.hendelse.oppgavetype)
        target = self.hendelse.mottaker.value
        if self.hendelse.mottaker is Mottaker.ARBEIDSGIVER:
            target = f"{target}:{self.orgnr}"
        return (self.tilfelle_id, self.regelverk_version, self.stoppunkt, target)

    @property
    def id(self) -> UUID:
        """uuid5 of `key`, computed on demand: most evaluations of a case only meet actions that fired
        long ago, and a caller that remembers keys need not hash them again."""
        return uuid5(ACTION_NAMESPACE, "|".join(map(str, self.key)))

    def to_message(self, now: datetime) -> Varsel | Oppgave:
        if isinstance(self.hendelse, VarselHendelse):
            return Varsel(
                id=str(self.id),
                type=self.hendelse.varseltype,
                mottaker=self.hendelse.mottaker,
                tilfelle_id=str(self.tilfelle_id),
                person_ref=self.person_ref,
                orgnr=self.orgnr,
                stoppunkt_dato=self.stoppunkt_dato,
                opprettet=now,
            )
        return Oppgave(
            id=str(self.id),
            type=self.hendelse.oppgavetype,
            referanse=f"{self.regelverk_version}/{self.stoppunkt}",
            tilfelle_id=str(self.tilfelle_id),
            person_ref=self.person_ref,
            opprettet=now,
        )


def _known_in_case(days: Iterable[date], facts: CaseFacts, today: date) -> bool:
    return any(facts.tilfelle.start <= day <= today for day in days)


def _latest_mote_statuses(facts: CaseFacts, today: date) -> set[DialogmoteStatus]:
    """The current status of each meeting in the case as known on `today`."""
    latest: dict[str, DialogmoteStatus] = {}
    for hendelse in sorted(facts.dialogmoter, key=lambda h: h.dato):
        if facts.tilfelle.start <= hendelse.dato <= today:
            latest[hendelse.mote_id] = hendelse.status
    return set(latest.values())


def _case_running(facts: CaseFacts, day: date, today: date) -> bool:
    return True  # due() checks that for every stop point


def _no_oppfolgingsplan(facts: CaseFacts, day: date, today: date) -> bool:
    return not _known_in_case(facts.oppfolgingsplaner, facts, today)


def _aktivitetskrav_applies(facts: CaseFacts, day: date, today: date) -> bool:
    return facts.tilfelle.fully_sick_on(day) and not _known_in_case(facts.aktivitetskrav_unntak, facts, today)


def _no_dialogmote1(facts: CaseFacts, day: date, today: date) -> bool:
    return facts.tilfelle.fully_sick_on(day) and not _known_in_case(facts.dialogmote1_avholdt, facts, today)


def _no_dialogmote2_called(facts: CaseFacts, day: date, today: date) -> bool:
    return _CALLED_OR_HELD.isdisjoint(_latest_mote_statuses(facts, today))


def _no_dialogmote2_held(facts: CaseFacts, day: date, today: date) -> bool:
    return DialogmoteStatus.FERDIGSTILT not in _latest_mote_statuses(facts, today)


_CONDITIONS: dict[Relevance, Callable[[CaseFacts, date, date], bool]] = {
    Relevance.CASE_RUNNING: _case_running,
    Relevance.NO_OPPFOLGINGSPLAN: _no_oppfolgingsplan,
    Relevance.AKTIVITETSKRAV_APPLIES: _aktivitetskrav_applies,
    Relevance.NO_DIALOGMOTE1: _no_dialogmote1,
    Relevance.NO_DIALOGMOTE2_CALLED: _no_dialogmote2_called,
    Relevance.NO_DIALOGMOTE2_HELD: _no_dialogmote2_held,
}


def _emitted(stoppunkt: Stoppunkt, facts: CaseFacts, today: date) -> tuple[date, list[Hendelse]] | None:
    """The stop point's day and what it emits on `today`; None when it emits nothing (see `due`)."""
    day = stoppunkt.date_for(facts.tilfelle.start)
    has_arbeidsgiver = facts.orgnr is not None
    if (
        today < day
        or not facts.tilfelle.is_running_on(day)
        or today > facts.tilfelle.last_joinable_day
        or (stoppunkt.requires_arbeidsgiver and not has_arbeidsgiver)
        or not _CONDITIONS[stoppunkt.relevance](facts, day, today)
    ):
        return None
    hendelser = [h for h in stoppunkt.hendelser if has_arbeidsgiver or not _to_arbeidsgiver(h)]
    return (day, hendelser) if hendelser else None


def due(stoppunkt: Stoppunkt, facts: CaseFacts, regelverk: Regelverk, today: date) -> list[Action]:
    """What `stoppunkt` emits on `today`: nothing before its day, nothing once it is irrelevant.

    Relevant means: the case is running on the stop point's day and has not ended by `today`, there
    is an employer if the stop point needs one, and its condition holds. A varsel to an employer is
    dropped when there is none.
    """
    emitted = _emitted(stoppunkt, facts, today)
    if emitted is None:
        return []
    day, hendelser = emitted
    tilfelle_id = facts.tilfelle_id
    return [
        Action(
            tilfelle_id=tilfelle_id,
            person_ref=facts.person_ref,
            orgnr=facts.orgnr,
            regelverk_version=regelverk.version,
            stoppunkt=stoppunkt.name,
            stoppunkt_dato=day,
            hendelse=hendelse,
        )
        for hendelse in hendelser
    ]


def _to_arbeidsgiver(hendelse: Hendelse) -> bool:
    return isinstance(hendelse, VarselHendelse) and hendelse.mottaker is Mottaker.ARBEIDSGIVER


def actions_for(facts: CaseFacts, regelverk: Regelverk, today: date) -> list[Action]:
    """Every action due and relevant on `today`, in stop point order. Pass the rule set
    `regelverk_for(facts.tilfelle.start)` unless deliberately replaying another."""
    actions: list[Action] = []
    for stoppunkt in regelverk.stoppunkter:
        if stoppunkt.date_for(facts.tilfelle.start) > today:
            break  # a rule set lists its stop points in day order: the rest are ahead too
        actions += due(stoppunkt, facts, regelverk, today)
    return actions


def next_due(facts: CaseFacts, regelverk: Regelverk, after: date) -> date | None:
    """The first day after `after` on which a stop point would emit, given the facts known now;
    None when nothing more will unless the facts change (then ask again)."""
    for stoppunkt in regelverk.stoppunkter:
        day = stoppunkt.date_for(facts.tilfelle.start)
        # Only whether it would emit: building the actions (and their ids) is for the day itself.
        if day > after and _emitted(stoppunkt, facts, day) is not None:
            return day
    return None


@dataclass(frozen=True, slots=True)
class Evaluation:
    actions: list[Action]
    """Every action due and relevant today; the caller emits those it has not emitted before."""
    next_due: date | None
    """The day to look again unless the facts change first."""


def evaluate(facts: CaseFacts, today: date) -> Evaluation:
    """What a case emits on `today` and when to wake up next, under the rule set of its start."""
    regelverk = regelverk_for(facts.tilfelle.start)
    return Evaluation(actions_for(facts, regelverk, today), next_due(facts, regelverk, today))


@dataclass(frozen=True, slots=True)
class CaseInputs:
    """Everything known about one person, as the service stores it: the cases and their facts
    follow from it."""

    person_ref: str
    perioder: tuple[Sykeperiode, ...]
    """Every piece, of every employer."""
    known: tuple[KnownCase, ...] = ()
    oppfolgingsplaner: tuple[tuple[str, date], ...] = ()
    """(orgnr, day received) of each follow-up plan."""
    dialogmoter: tuple[DialogmoteHendelse, ...] = ()
    dodsdato: date | None = None

    def tilfeller(self) -> list[tuple[UUID, Oppfolgingstilfelle]]:
        """The person's cases oldest first, each under the id it was first announced with."""
        tilfeller = build_tilfeller(self.perioder, self.dodsdato)
        return list(zip(keep_ids(self.person_ref, tilfeller, self.known), tilfeller, strict=True))

    def cases(self) -> list[CaseFacts]:
        """Each case oldest first, once per employer involved (each employer's view), or once
        without an employer when none is."""
        return [facts for tilfelle_id, tilfelle in self.tilfeller() for facts in self.views(tilfelle_id, tilfelle)]

    def views(self, tilfelle_id: UUID, tilfelle: Oppfolgingstilfelle) -> list[CaseFacts]:
        return [
            CaseFacts(
                person_ref=self.person_ref,
                orgnr=orgnr,
                tilfelle=tilfelle,
                oppfolgingsplaner=tuple(day for org, day in self.oppfolgingsplaner if org == orgnr),
                dialogmoter=self.dialogmoter,
                announced_id=tilfelle_id,
            )
            for orgnr in tilfelle.arbeidsgivere or (None,)
        ]


def active_case(cases: Iterable[CaseFacts], day: date, orgnr: str | None = None) -> CaseFacts | None:
    """The case active on `day` in `orgnr`'s view (any view when None); cases are at least 16
    non-sick days apart, so there is at most one."""
    return next(
        (f for f in cases if f.tilfelle.is_active_on(day) and (orgnr is None or f.orgnr == orgnr)),
        None,
    )


PLAN_BEFORE_DIALOGMOTE = timedelta(weeks=1)


def plan_before_dialogmote(facts: CaseFacts, mote_id: str, motedato: date, now: datetime) -> Varsel | None:
    """On INNKALT: remind the employer that NAV needs the updated plan at least a week before the
    meeting (ftrl § 25-2). One per meeting and date, so a redelivered call reminds once; None for a
    case without an employer."""
    if facts.orgnr is None:
        return None
    varseltype = Varseltype.OPPFOLGINGSPLAN_FOR_DIALOGMOTE
    return Varsel(
        id=str(uuid5(ACTION_NAMESPACE, f"{facts.tilfelle_id}|{mote_id}|{motedato.isoformat()}|{varseltype}")),
        type=varseltype,
        mottaker=Mottaker.ARBEIDSGIVER,
        tilfelle_id=str(facts.tilfelle_id),
        person_ref=facts.person_ref,
        orgnr=facts.orgnr,
        stoppunkt_dato=motedato - PLAN_BEFORE_DIALOGMOTE,
        opprettet=now,
    )
