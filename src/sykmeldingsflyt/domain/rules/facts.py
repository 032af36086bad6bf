"""What the rules read: the sykmelding, the register ports, and the values several rules derive from them."""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from operator import attrgetter

from sykmeldingsflyt.domain.clock import norwegian_date
from sykmeldingsflyt.domain.identifiers import fnr_birth_date
from sykmeldingsflyt.domain.registers import Diagnosekoder, HprBehandler, Person
from sykmeldingsflyt.domain.rules.historikk import TidligereSykmelding, med_samme_hoveddiagnose
from sykmeldingsflyt.domain.sykmelding import Periode, Periodetype, ReceivedSykmelding

# NAV's syketilfelle: sick days at most 16 days apart belong to one case; earlier days count back 40 weeks.
SYKETILFELLE_MAX_GAP_DAYS = 16
_EARLIER_DAYS_LOOKBACK = timedelta(weeks=40)


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What the registers said before the rules ran (the caller asks them: the rules do no I/O), the
    code lists, and the patient's earlier sykmeldinger."""

    behandler: HprBehandler | None
    """The signer as HPR knows them (by HPR number when the sykmelding gives one, else by fnr)."""
    pasient: Person | None
    """The patient as the population register knows them."""
    diagnosekoder: Diagnosekoder
    tidligere: tuple[TidligereSykmelding, ...] = ()
    """Every earlier sykmelding of the patient intake knows, whatever its outcome and status: each rule
    picks the ones NAV's rule reads (see `historikk`)."""
    behandler_suspendert: bool = False
    """Whether NAV's suspension register (btsys) has the signer suspended on the signature day. An I/O
    the caller makes before the rules, as NAV does, so that the rules stay pure."""


class RuleInput:
    """One sykmelding's facts, each computed at most once per validation and shared by every rule.

    `first_fom` and `last_tom` need a period: only trees after the period-logic tree read them, and
    PERIODER_MANGLER has stopped the run before those for a sykmelding without periods.
    """

    def __init__(self, received: ReceivedSykmelding, context: RuleContext) -> None:
        self.received = received
        self.sykmelding = received.sykmelding
        self.context = context
        self.perioder: tuple[Periode, ...] = tuple(sorted(self.sykmelding.perioder, key=attrgetter("fom")))
        self.signatur_dag = norwegian_date(self.sykmelding.signatur_dato)
        # "Today" for the rules that look back from now, so that a rerun gives the same verdict.
        self.mottatt_dag = norwegian_date(received.mottatt_dato)

    @cached_property
    def first_fom(self) -> date:
        return self.perioder[0].fom

    @cached_property
    def last_tom(self) -> date:
        return max(periode.tom for periode in self.perioder)

    @cached_property
    def pasient_fodselsdato(self) -> date:
        # As NAV: the register's birth date, else the one the fnr encodes.
        pasient = self.context.pasient
        return pasient.fodselsdato if pasient else fnr_birth_date(self.received.pasient_fnr)

    @property
    def behandler(self) -> HprBehandler | None:
        return self.context.behandler

    @cached_property
    def tidligere_med_samme_hoveddiagnose(self) -> tuple[TidligereSykmelding, ...]:
        """The earlier sykmeldinger this one may extend or resend."""
        hoved = self.sykmelding.medisinsk_vurdering.hoved_diagnose
        return med_samme_hoveddiagnose(self.context.tidligere, hoved.kode if hoved else None)

    @cached_property
    def earlier_sick_days(self) -> tuple[date, ...]:
        """Days before `first_fom` that the syketilfelle's earlier sykmeldinger covered, latest first.

        As NAV's `filterDates`: every diagnosis; sykmeldinger that start before `first_fom` and end
        within 40 weeks before it; their periods except avventende. NAV also keeps the days from
        `first_fom` on, which its employer-period count then counts twice; we stop the day before.
        """
        horizon = self.first_fom - _EARLIER_DAYS_LOOKBACK
        days: set[date] = set()
        for tidligere in self.context.tidligere:
            if not tidligere.teller_for_syketilfellet or not tidligere.perioder:
                continue
            if tidligere.siste_tom <= horizon or tidligere.forste_fom >= self.first_fom:
                continue
            for periode in tidligere.perioder:
                if periode.kind is Periodetype.AVVENTENDE:
                    continue
                day, last = periode.fom, min(periode.tom, self.first_fom - timedelta(days=1))
                while day <= last:
                    days.add(day)
                    day += timedelta(days=1)
        return tuple(sorted(days, reverse=True))

    @cached_property
    def syketilfelle_startdato(self) -> date:
        """The first day of the case this sykmelding belongs to, walking back over earlier sick days."""
        start = self.first_fom
        for day in self.earlier_sick_days:
            if (start - day).days > SYKETILFELLE_MAX_GAP_DAYS:
                break
            start = day
        return start
