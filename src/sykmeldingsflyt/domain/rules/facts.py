"""What the rules read: the sykmelding, the register ports, and the values several rules derive from them."""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from operator import attrgetter

from sykmeldingsflyt.domain.clock import norwegian_date
from sykmeldingsflyt.domain.identifiers import fnr_birth_date
from sykmeldingsflyt.domain.registers import Diagnosekoder, HprBehandler, Person
from sykmeldingsflyt.domain.sykmelding import Periode, Periodetype, ReceivedSykmelding

# NAV's syketilfelle: sick days at most 16 days apart belong to one case; earlier days count back 40 weeks.
SYKETILFELLE_MAX_GAP_DAYS = 16
_EARLIER_DAYS_LOOKBACK = timedelta(weeks=40)


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What the registers said before the rules ran, the code lists, and what the store knows of the
    patient's earlier sick leave."""

    behandler: HprBehandler | None
    """The signer as HPR knows them (by HPR number when the sykmelding gives one, else by fnr)."""
    pasient: Person | None
    """The patient as the population register knows them."""
    diagnosekoder: Diagnosekoder
    earlier_perioder: tuple[Periode, ...] = ()
    """The periods of the patient's earlier accepted sykmeldinger with the same hoveddiagnose code.

    The caller selects them as NAV does: not INVALID, not cancelled (AVBRUTT), not flagged for an
    invalid backdating. The backdating rules read them to tell an extension (forlengelse) or a
    resend (ettersending) from a new case, and the HPR rules to find when the case started.
    """


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
    def earlier_sick_days(self) -> tuple[date, ...]:
        """Days before `first_fom` that earlier periods covered, latest first (avventende excluded)."""
        horizon = self.first_fom - _EARLIER_DAYS_LOOKBACK
        days: set[date] = set()
        for periode in self.context.earlier_perioder:
            if periode.kind is Periodetype.AVVENTENDE or periode.tom <= horizon:
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
