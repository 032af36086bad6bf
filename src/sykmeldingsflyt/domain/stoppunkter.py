"""The stop points of a case as versioned configuration: the law changes, so the schedule is data.

The rule sets are Python data rather than YAML on purpose: mypy checks every entry against the
enums the timeline understands, a typo fails at import rather than at day 119 of somebody's case,
and loading needs no file I/O in the pure domain layer. A reviewer reads the whole schedule below.

Offsets follow tilfelle.py: a stop point at offset N fires on `case start + N days`, and "N weeks"
is exactly `7 * N` days (4 weeks = start + 28, 17 weeks = start + 119, as docs/domain.md §5 and NAV's
services compute them). A case follows the rule set in force on its start date (`regelverk_for`);
a running case never switches rule sets, so the ids of actions it already fired stay stable.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from sykmeldingsflyt.domain.oppgave import Oppgavetype
from sykmeldingsflyt.domain.varsel import Mottaker, Varseltype


def weeks(count: int) -> int:
    return 7 * count


class StoppunktName(StrEnum):
    ARBEIDSGIVERPERIODE_SLUTT = "ARBEIDSGIVERPERIODE_SLUTT"
    OPPFOLGINGSPLAN_FRIST = "OPPFOLGINGSPLAN_FRIST"
    AKTIVITETSKRAV_VARSEL = "AKTIVITETSKRAV_VARSEL"
    DIALOGMOTE1_FRIST = "DIALOGMOTE1_FRIST"
    AKTIVITETSKRAV_VURDERING = "AKTIVITETSKRAV_VURDERING"
    MOTEBEHOV_SVAR_APNER = "MOTEBEHOV_SVAR_APNER"
    DIALOGMOTE_KANDIDAT = "DIALOGMOTE_KANDIDAT"
    DIALOGMOTE2_FRIST = "DIALOGMOTE2_FRIST"
    SNART_SLUTT_PA_SYKEPENGER = "SNART_SLUTT_PA_SYKEPENGER"
    MAKSDATO = "MAKSDATO"


class Ansvarlig(StrEnum):
    """Who owes the duty at a stop point."""

    ARBEIDSGIVER = "ARBEIDSGIVER"
    NAV = "NAV"


class Relevance(StrEnum):
    """The condition under which a stop point still emits anything; timeline.py implements each.
    Every condition also requires the case to be running on the stop point's day."""

    CASE_RUNNING = "CASE_RUNNING"
    NO_OPPFOLGINGSPLAN = "NO_OPPFOLGINGSPLAN"
    """No follow-up plan received in the case."""
    AKTIVITETSKRAV_APPLIES = "AKTIVITETSKRAV_APPLIES"
    """Fully sick on the day (not graded, not back at work) and no exception recorded."""
    NO_DIALOGMOTE1 = "NO_DIALOGMOTE1"
    """Fully sick on the day and the employer has not reported dialogmote 1 held."""
    NO_DIALOGMOTE2_CALLED = "NO_DIALOGMOTE2_CALLED"
    """No dialogmote in the case that is called (INNKALT, NYTT_TID_STED) or held (FERDIGSTILT)."""
    NO_DIALOGMOTE2_HELD = "NO_DIALOGMOTE2_HELD"
    """No dialogmote FERDIGSTILT in the case."""


@dataclass(frozen=True, slots=True)
class VarselHendelse:
    mottaker: Mottaker
    varseltype: Varseltype


@dataclass(frozen=True, slots=True)
class OppgaveHendelse:
    oppgavetype: Oppgavetype


Hendelse = VarselHendelse | OppgaveHendelse


@dataclass(frozen=True, slots=True)
class Stoppunkt:
    name: StoppunktName
    offset_days: int
    ansvarlig: Ansvarlig | None
    hendelser: tuple[Hendelse, ...]
    relevance: Relevance
    requires_arbeidsgiver: bool
    """Without an employer the stop point emits nothing (NAV's own track applies instead)."""
    hjemmel: str | None
    description: str
    # Asked for on every evaluation of every case: made once, not per call.
    _offset: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_offset", timedelta(days=self.offset_days))

    def date_for(self, case_start: date) -> date:
        return case_start + self._offset


@dataclass(frozen=True, slots=True)
class Regelverk:
    version: str
    valid_from: date
    """The first case start date this rule set applies to."""
    legal_references: tuple[str, ...]
    stoppunkter: tuple[Stoppunkt, ...]
    svar_behov_days: tuple[int, int] | None
    """First and last case day, inclusive, on which a SVAR_BEHOV answer is accepted; None where NAV
    does not ask the question."""

    def __post_init__(self) -> None:
        names = [s.name for s in self.stoppunkter]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.version}: a stop point name appears twice")
        offsets = [s.offset_days for s in self.stoppunkter]
        if offsets != sorted(offsets):
            raise ValueError(f"{self.version}: stop points must be listed in day order")


def _varsel_to_both(varseltype: Varseltype) -> tuple[Hendelse, ...]:
    return tuple(VarselHendelse(mottaker, varseltype) for mottaker in Mottaker)


# The schedule since 1 July 2011 (docs/domain.md §5). SVAR_BEHOV, the day-119 candidate list, the
# 6-week notice and the 39-week review are NAV's current practice under the same statutes.
_ARBEIDSGIVERPERIODE_SLUTT = Stoppunkt(
    name=StoppunktName.ARBEIDSGIVERPERIODE_SLUTT,
    offset_days=16,
    ansvarlig=None,
    hendelser=(),
    relevance=Relevance.CASE_RUNNING,
    requires_arbeidsgiver=True,
    hjemmel="ftrl § 8-19",
    description="End of the employer period; NAV pays sick pay from here. Nothing to emit.",
)
_OPPFOLGINGSPLAN_FRIST = Stoppunkt(
    name=StoppunktName.OPPFOLGINGSPLAN_FRIST,
    offset_days=weeks(4),
    ansvarlig=Ansvarlig.ARBEIDSGIVER,
    hendelser=(VarselHendelse(Mottaker.ARBEIDSGIVER, Varseltype.OPPFOLGINGSPLAN_MANGLER),),
    relevance=Relevance.NO_OPPFOLGINGSPLAN,
    requires_arbeidsgiver=True,
    hjemmel="aml § 4-6 (3)",
    description="Follow-up plan due: remind the employer if none has been received.",
)
_AKTIVITETSKRAV_VARSEL = Stoppunkt(
    name=StoppunktName.AKTIVITETSKRAV_VARSEL,
    offset_days=weeks(6),
    ansvarlig=Ansvarlig.NAV,
    hendelser=_varsel_to_both(Varseltype.AKTIVITETSKRAV_INFORMASJON),
    relevance=Relevance.AKTIVITETSKRAV_APPLIES,
    requires_arbeidsgiver=False,
    hjemmel="ftrl § 8-8 (2)",
    description="Notice on the activity requirement to the employee and, if any, the employer.",
)
_DIALOGMOTE1_FRIST = Stoppunkt(
    name=StoppunktName.DIALOGMOTE1_FRIST,
    offset_days=weeks(7),
    ansvarlig=Ansvarlig.ARBEIDSGIVER,
    hendelser=(VarselHendelse(Mottaker.ARBEIDSGIVER, Varseltype.DIALOGMOTE1_PAMINNELSE),),
    relevance=Relevance.NO_DIALOGMOTE1,
    requires_arbeidsgiver=True,
    hjemmel="aml § 4-6 (4)",
    description="Dialogmote 1 due for a fully sick-listed employee: remind the employer.",
)
_AKTIVITETSKRAV_VURDERING = Stoppunkt(
    name=StoppunktName.AKTIVITETSKRAV_VURDERING,
    offset_days=weeks(8),
    ansvarlig=Ansvarlig.NAV,
    hendelser=(OppgaveHendelse(Oppgavetype.AKTIVITETSKRAV_VURDERING),),
    relevance=Relevance.AKTIVITETSKRAV_APPLIES,
    requires_arbeidsgiver=False,
    hjemmel="ftrl § 8-8 (2)",
    description="Activity requirement assessment while still fully sick with no exception.",
)
_MOTEBEHOV_SVAR_APNER = Stoppunkt(
    name=StoppunktName.MOTEBEHOV_SVAR_APNER,
    offset_days=weeks(16),
    ansvarlig=Ansvarlig.NAV,
    hendelser=_varsel_to_both(Varseltype.SVAR_MOTEBEHOV),
    relevance=Relevance.NO_DIALOGMOTE2_CALLED,
    requires_arbeidsgiver=True,
    hjemmel="ftrl § 8-7 a (2)",
    description="Ask both parties whether they need dialogmote 2 (the SVAR_BEHOV window opens).",
)
_DIALOGMOTE_KANDIDAT = Stoppunkt(
    name=StoppunktName.DIALOGMOTE_KANDIDAT,
    offset_days=weeks(17),
    ansvarlig=Ansvarlig.NAV,
    hendelser=(OppgaveHendelse(Oppgavetype.DIALOGMOTE_KANDIDAT),),
    relevance=Relevance.NO_DIALOGMOTE2_HELD,
    requires_arbeidsgiver=True,
    hjemmel="ftrl § 8-7 a (2)",
    description="Dialogmote-2 candidate: still running, an employee, no dialogmote 2 held.",
)
_DIALOGMOTE2_FRIST = Stoppunkt(
    name=StoppunktName.DIALOGMOTE2_FRIST,
    offset_days=weeks(26),
    ansvarlig=Ansvarlig.NAV,
    hendelser=(OppgaveHendelse(Oppgavetype.DIALOGMOTE2_FRIST),),
    relevance=Relevance.NO_DIALOGMOTE2_HELD,
    requires_arbeidsgiver=True,
    hjemmel="ftrl § 8-7 a (2)",
    description="Dialogmote 2 deadline passed without a meeting held.",
)
_SNART_SLUTT_PA_SYKEPENGER = Stoppunkt(
    name=StoppunktName.SNART_SLUTT_PA_SYKEPENGER,
    offset_days=weeks(39),
    ansvarlig=Ansvarlig.NAV,
    hendelser=(
        VarselHendelse(Mottaker.ARBEIDSTAKER, Varseltype.SNART_SLUTT_PA_SYKEPENGER),
        OppgaveHendelse(Oppgavetype.SNART_SLUTT_PA_SYKEPENGER),
    ),
    relevance=Relevance.CASE_RUNNING,
    requires_arbeidsgiver=False,
    hjemmel="ftrl § 8-12",
    description="Review: sick pay ends soon.",
)
_MAKSDATO = Stoppunkt(
    name=StoppunktName.MAKSDATO,
    offset_days=weeks(52),
    ansvarlig=Ansvarlig.NAV,
    hendelser=(OppgaveHendelse(Oppgavetype.MAKSDATO),),
    relevance=Relevance.CASE_RUNNING,
    requires_arbeidsgiver=False,
    hjemmel="ftrl § 8-12",
    # The true maksdato counts 248 sick-pay days (Spleis computes it); 52 calendar weeks is the
    # date for a case sick without a break, which is the only case still running here.
    description="Maksdato: sick pay ends; most move on to AAP.",
)

_LEGAL_REFERENCES = (
    "ftrl § 8-7 a (dialogmote 2)",
    "ftrl § 8-8 (activity requirement)",
    "ftrl § 8-12 (maksdato)",
    "ftrl § 8-19 (employer period)",
    "ftrl § 25-2 (plan to NAV before dialogmote 2)",
    "aml § 4-6 (follow-up plan, dialogmote 1)",
)

REGELVERK_2011 = Regelverk(
    version="2011-07",
    valid_from=date(2011, 7, 1),
    legal_references=_LEGAL_REFERENCES,
    stoppunkter=(
        _ARBEIDSGIVERPERIODE_SLUTT,
        _OPPFOLGINGSPLAN_FRIST,
        _AKTIVITETSKRAV_VARSEL,
        _DIALOGMOTE1_FRIST,
        _AKTIVITETSKRAV_VURDERING,
        _MOTEBEHOV_SVAR_APNER,
        _DIALOGMOTE_KANDIDAT,
        _DIALOGMOTE2_FRIST,
        _SNART_SLUTT_PA_SYKEPENGER,
        _MAKSDATO,
    ),
    # From the question at 16 weeks up to the day before the dialogmote 2 deadline.
    svar_behov_days=(_MOTEBEHOV_SVAR_APNER.offset_days, _DIALOGMOTE2_FRIST.offset_days - 1),
)

# The rules from 1 March 2007 until the 2011 amendment: the plan at 6 weeks and dialogmote 1 at 12
# weeks; the rest is the statutory core only (NAV's later notice and candidate practice is not
# projected backwards).
REGELVERK_2007 = Regelverk(
    version="2007-03",
    valid_from=date(2007, 3, 1),
    legal_references=_LEGAL_REFERENCES,
    stoppunkter=(
        _ARBEIDSGIVERPERIODE_SLUTT,
        replace(_OPPFOLGINGSPLAN_FRIST, offset_days=weeks(6)),
        _AKTIVITETSKRAV_VURDERING,
        replace(_DIALOGMOTE1_FRIST, offset_days=weeks(12)),
        _DIALOGMOTE2_FRIST,
        _MAKSDATO,
    ),
    svar_behov_days=None,
)

REGELVERK: tuple[Regelverk, ...] = (REGELVERK_2007, REGELVERK_2011)
"""Every rule set, oldest first."""


def regelverk_for(case_start: date) -> Regelverk:
    """The rule set in force on the case start date."""
    for regelverk in reversed(REGELVERK):
        if regelverk.valid_from <= case_start:
            return regelverk
    raise LookupError(f"no rule set covers a case starting {case_start}")
