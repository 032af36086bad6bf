"""Møtebehov: an employee or employer asking for a dialogue meeting with NAV (docs/domain.md §4).

MELD_BEHOV may come at any time while the case is active. SVAR_BEHOV answers NAV's question about
dialogmote 2 and is accepted only inside the window of the case's rule set: today case day 112 to
case day 181 inclusive (day N = start + N days, see tilfelle.py; the window lives in stoppunkter.py).
The day that counts is the Norwegian calendar day the party submitted it, not the day the service
got round to it, so consumer lag never turns a timely answer into a late one.

A party's system names the person by fnr (`MotebehovFraPart`, the wire form); everything after the
first step works on `Motebehov`, which names them by pseudonym only.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Self
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import Field, model_validator

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.clock import norwegian_date
from sykmeldingsflyt.domain.identifiers import Fnr, Orgnr, Uuid
from sykmeldingsflyt.domain.oppgave import Oppgave, Oppgavetype
from sykmeldingsflyt.domain.stoppunkter import StoppunktName, regelverk_for
from sykmeldingsflyt.domain.sykmelding import UtcTimestamp
from sykmeldingsflyt.domain.tilfelle import Oppfolgingstilfelle, derive_tilfelle_id

OPPGAVE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sykmeldingsflyt:motebehov-oppgave")


class Skjematype(StrEnum):
    MELD_BEHOV = "MELD_BEHOV"
    SVAR_BEHOV = "SVAR_BEHOV"


class Innmeldertype(StrEnum):
    ARBEIDSTAKER = "ARBEIDSTAKER"
    ARBEIDSGIVER = "ARBEIDSGIVER"


class _Skjema(DomainModel):
    """What the party fills in; the subclasses say how the sick-listed person is named."""

    id: Uuid
    skjematype: Skjematype
    innmelder_type: Innmeldertype
    orgnr: Orgnr
    """The employer whose case the need concerns (for ARBEIDSGIVER: the employer asking)."""
    har_motebehov: bool
    begrunnelse: str | None = None
    onsker_sykmelder_deltar: bool = False
    onsker_sykmelder_deltar_begrunnelse: str | None = None
    onsker_tolk: bool = False
    tolk_sprak: str | None = None
    innsendt: UtcTimestamp

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.skjematype is Skjematype.MELD_BEHOV and not self.har_motebehov:
            raise ValueError("MELD_BEHOV reports a need: har_motebehov must be true")
        if not self.har_motebehov and (self.onsker_sykmelder_deltar or self.onsker_tolk):
            raise ValueError("no meeting wanted, so no wishes about who attends it")
        if self.onsker_sykmelder_deltar_begrunnelse is not None and not self.onsker_sykmelder_deltar:
            raise ValueError("onsker_sykmelder_deltar_begrunnelse without onsker_sykmelder_deltar")
        if self.onsker_tolk != bool(self.tolk_sprak):
            raise ValueError("tolk_sprak is given exactly when onsker_tolk is true")
        return self


class Motebehov(_Skjema):
    person_ref: str = Field(min_length=1)
    """An opaque reference to the sick-listed person, never the fnr."""


class MotebehovFraPart(_Skjema):
    """A møtebehov as the party's system sends it on motebehov.fra-part."""

    arbeidstaker_fnr: Fnr
    """The sick-listed person. Personal data: pseudonymise it at once, never store or log it."""

    def pseudonymised(self, person_ref: str) -> Motebehov:
        return Motebehov.model_validate({**self.model_dump(exclude={"arbeidstaker_fnr"}), "person_ref": person_ref})


def oppgave_id(motebehov_id: str) -> str:
    """The id of NAV's task for a yes: derived from the møtebehov, so NAV can handle it by the møtebehov."""
    return str(uuid5(OPPGAVE_NAMESPACE, motebehov_id))


class MotebehovAvvisning(StrEnum):
    """Why a møtebehov was refused."""

    INGEN_AKTIVT_TILFELLE = "INGEN_AKTIVT_TILFELLE"
    IKKE_SENDT_TIL_ARBEIDSGIVER = "IKKE_SENDT_TIL_ARBEIDSGIVER"
    """The employer asking has never been sent a sykmelding of this person."""
    SVAR_BEHOV_FOR_TIDLIG = "SVAR_BEHOV_FOR_TIDLIG"
    SVAR_BEHOV_FOR_SENT = "SVAR_BEHOV_FOR_SENT"
    SVAR_BEHOV_IKKE_ETTERSPURT = "SVAR_BEHOV_IKKE_ETTERSPURT"
    """The case's rule set has no SVAR_BEHOV question (a case older than NAV's practice)."""


FORKLARING: dict[MotebehovAvvisning, str] = {
    MotebehovAvvisning.INGEN_AKTIVT_TILFELLE: (
        "The person has no sick-leave case with this employer that was active on the day it was submitted."
    ),
    MotebehovAvvisning.IKKE_SENDT_TIL_ARBEIDSGIVER: "The employee has not sent this employer a sykmelding.",
    MotebehovAvvisning.SVAR_BEHOV_FOR_TIDLIG: (
        "SVAR_BEHOV answers NAV's question about dialogmote 2, asked from week 16 of the case; it came earlier. "
        "Use MELD_BEHOV to ask for a meeting at any time."
    ),
    MotebehovAvvisning.SVAR_BEHOV_FOR_SENT: (
        "SVAR_BEHOV is accepted until the day before the dialogmote 2 deadline at week 26; it came later. "
        "Use MELD_BEHOV to ask for a meeting at any time."
    ),
    MotebehovAvvisning.SVAR_BEHOV_IKKE_ETTERSPURT: (
        "NAV did not ask this case about dialogmote 2. Use MELD_BEHOV to ask for a meeting."
    ),
}
"""Each refusal explained to the party's system, in words that name no person."""


@dataclass(frozen=True, slots=True)
class MotebehovDecision:
    avvisning: MotebehovAvvisning | None
    oppgave: Oppgave | None
    """A NAV task when the answer is yes, else None."""
    mottatt: "MotebehovMottatt | None" = None
    """The accepted møtebehov with its case, for NAV and the parties' doors; None when refused."""

    @property
    def accepted(self) -> bool:
        return self.avvisning is None


def _refuse(avvisning: MotebehovAvvisning) -> MotebehovDecision:
    return MotebehovDecision(avvisning=avvisning, oppgave=None)


def _outside_svar_behov_window(tilfelle: Oppfolgingstilfelle, day: date) -> MotebehovAvvisning | None:
    window = regelverk_for(tilfelle.start).svar_behov_days
    if window is None:
        return MotebehovAvvisning.SVAR_BEHOV_IKKE_ETTERSPURT
    first, last = window
    if tilfelle.day_number(day) < first:
        return MotebehovAvvisning.SVAR_BEHOV_FOR_TIDLIG
    if tilfelle.day_number(day) > last:
        return MotebehovAvvisning.SVAR_BEHOV_FOR_SENT
    return None


def decide(
    motebehov: Motebehov,
    tilfeller: Iterable[Oppfolgingstilfelle],
    now: datetime,
    case_ids: Mapping[date, UUID] | None = None,
) -> MotebehovDecision:
    """Accept or refuse `motebehov` given the person's cases with its employer (`motebehov.orgnr`).

    `case_ids` are the ids the cases were first announced under, by case start (a backdated
    sykmelding can move a start, and a case keeps its first id); a case not in it gets its derived id.
    The task, if any, has an id derived from the møtebehov id, so a redelivered møtebehov yields
    the same task; `now` is only its creation time.
    """
    known = list(tilfeller)
    if not known and motebehov.innmelder_type is Innmeldertype.ARBEIDSGIVER:
        return _refuse(MotebehovAvvisning.IKKE_SENDT_TIL_ARBEIDSGIVER)
    day = norwegian_date(motebehov.innsendt)
    # Cases are at least 16 non-sick days apart, so at most one is active on any day.
    tilfelle = next((t for t in known if t.is_active_on(day)), None)
    if tilfelle is None:
        return _refuse(MotebehovAvvisning.INGEN_AKTIVT_TILFELLE)
    if motebehov.skjematype is Skjematype.SVAR_BEHOV:
        avvisning = _outside_svar_behov_window(tilfelle, day)
        if avvisning is not None:
            return _refuse(avvisning)
    tilfelle_id = (case_ids or {}).get(tilfelle.start) or derive_tilfelle_id(motebehov.person_ref, tilfelle.start)
    mottatt = MotebehovMottatt.model_validate(
        {**motebehov.model_dump(), "tilfelle_id": str(tilfelle_id), "tilfelle_start": tilfelle.start}
    )
    if not motebehov.har_motebehov:
        return MotebehovDecision(avvisning=None, oppgave=None, mottatt=mottatt)
    oppgave = Oppgave(
        id=oppgave_id(motebehov.id),
        type=Oppgavetype.MOTEBEHOV_SVAR,
        referanse=motebehov.id,
        tilfelle_id=str(tilfelle_id),
        person_ref=motebehov.person_ref,
        opprettet=now,
    )
    return MotebehovDecision(avvisning=None, oppgave=oppgave, mottatt=mottatt)


class MotebehovMottatt(Motebehov):
    """An accepted møtebehov, for NAV and the parties' doors (nav.motebehov): the case it was judged in."""

    tilfelle_id: Uuid
    tilfelle_start: date


@dataclass(frozen=True, slots=True)
class Besvart:
    """An accepted møtebehov and when NAV handled it (its task BEHANDLET); None while it is not."""

    motebehov: MotebehovMottatt
    behandlet: datetime | None

    @property
    def ubehandlet(self) -> bool:
        """A yes NAV has not handled: only a yes gives NAV a task to handle (syfomotebehov's isUbehandlet)."""
        return self.motebehov.har_motebehov and self.behandlet is None


@dataclass(frozen=True, slots=True)
class Motebehovstatus:
    """Which question a party has open in a case with one employer, and the answer it gave, as
    syfomotebehov's MotebehovStatus: no question outside an active case."""

    vis_motebehov: bool
    skjematype: Skjematype | None
    besvart: Besvart | None


SVAR_BEHOV_VARSEL_DAG = next(
    s.offset_days for s in regelverk_for(date.max).stoppunkter if s.name is StoppunktName.MOTEBEHOV_SVAR_APNER
)
"""The case day the SVAR_MOTEBEHOV varsel is sent on: the day NAV's question opens."""


def motebehovstatus(
    today: date, *, aktivt: bool, sporsmal_apnet: date | None, besvart: Sequence[Besvart]
) -> Motebehovstatus:
    """The status in one case of one party with one employer (docs/domain.md §4, syfomotebehov's rules).

    `aktivt`: the case with the employer runs today. `sporsmal_apnet`: the day NAV asked this case about
    dialogmøte 2 (its SVAR_MOTEBEHOV varsel), if it did. `besvart`: the party's accepted møtebehov in any
    case. SVAR_BEHOV is open on the days the motebehov service accepts it; otherwise MELD_BEHOV. Shown with
    it: the newest answer in the current case, for SVAR_BEHOV when given in its window or not yet handled,
    for MELD_BEHOV when not yet handled (a handled request is done, and a new one may be made).
    """
    if not aktivt:
        return Motebehovstatus(vis_motebehov=False, skjematype=None, besvart=None)
    newest = max(besvart, key=lambda b: b.motebehov.innsendt, default=None)
    start = None if sporsmal_apnet is None else sporsmal_apnet - timedelta(days=SVAR_BEHOV_VARSEL_DAG)
    if newest is not None and start is not None and newest.motebehov.tilfelle_start < start:
        newest = None  # an answer from an earlier case
    window = None if start is None else regelverk_for(start).svar_behov_days
    if start is not None and window is not None and window[0] <= (today - start).days <= window[1]:
        in_window = newest is not None and newest.motebehov.skjematype is Skjematype.SVAR_BEHOV
        shown = newest if newest is not None and (in_window or newest.ubehandlet) else None
        return Motebehovstatus(vis_motebehov=True, skjematype=Skjematype.SVAR_BEHOV, besvart=shown)
    shown = newest if newest is not None and newest.ubehandlet else None
    return Motebehovstatus(vis_motebehov=True, skjematype=Skjematype.MELD_BEHOV, besvart=shown)
