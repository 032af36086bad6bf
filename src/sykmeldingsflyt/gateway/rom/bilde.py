"""The case as one party sees it: each sykmelding in that party's view, built by the same functions that
build the Kafka outputs (privacy.pasient_view, the employer views on arbeidsgiver.sykmelding, NAV's view on
nav.sykmelding), and a timeline of stop points, varsler and NAV's tasks.

Each card is filled from its view type alone: the employer's card is made from ArbeidsgiverSykmelding,
which has no medical field, so no rendering mistake here can show the employer a diagnosis.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.oppgave import Oppgave
from sykmeldingsflyt.domain.privacy import pasient_view
from sykmeldingsflyt.domain.stoppunkter import Ansvarlig, StoppunktName, regelverk_for
from sykmeldingsflyt.domain.sykmelding import Diagnose, Periode
from sykmeldingsflyt.domain.varsel import ArbeidsgiverVarsel, ArbeidstakerVarsel, Mottaker, Varsel, Varseltype
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding, NavSykmelding, PasientSykmelding, PeriodeAG
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.rom.tilgang import Betrakter, Rolle, Sak
from sykmeldingsflyt.storage.tables import GatewayArbeidsgiverSykmelding, GatewayOppgave, GatewayVarsel


@dataclass(frozen=True)
class Periodelinje:
    fom: date
    tom: date
    tekst: str


@dataclass(frozen=True)
class Kort:
    """One sykmelding, as the viewer may see it."""

    sykmelding_id: str
    perioder: list[Periodelinje]
    felter: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Linje:
    """One thing on the case's timeline."""

    dato: date
    tittel: str
    hvem: str | None
    passert: bool


@dataclass(frozen=True)
class Bilde:
    hvem: Betrakter
    kort: list[Kort]
    linjer: list[Linje]
    start: date | None


_PERIODETEKST = {
    "AKTIVITET_IKKE_MULIG": "100 % sykmeldt",
    "AVVENTENDE": "Avventende sykmelding",
    "BEHANDLINGSDAGER": "Behandlingsdager",
    "REISETILSKUDD": "Reisetilskudd",
}

STOPPUNKTTEKST = {
    StoppunktName.ARBEIDSGIVERPERIODE_SLUTT: "Arbeidsgiverperioden slutter",
    StoppunktName.OPPFOLGINGSPLAN_FRIST: "Frist for oppfølgingsplan",
    StoppunktName.AKTIVITETSKRAV_VARSEL: "Varsel om aktivitetsplikt",
    StoppunktName.DIALOGMOTE1_FRIST: "Frist for dialogmøte 1",
    StoppunktName.AKTIVITETSKRAV_VURDERING: "Vurdering av aktivitetsplikt",
    StoppunktName.MOTEBEHOV_SVAR_APNER: "Spørsmål om behov for dialogmøte",
    StoppunktName.DIALOGMOTE_KANDIDAT: "Kandidat til dialogmøte 2",
    StoppunktName.DIALOGMOTE2_FRIST: "Frist for dialogmøte 2",
    StoppunktName.SNART_SLUTT_PA_SYKEPENGER: "Snart slutt på sykepenger",
    StoppunktName.MAKSDATO: "Maksdato for sykepenger",
}

_ANSVARLIG = {Ansvarlig.ARBEIDSGIVER: "Arbeidsgiver", Ansvarlig.NAV: "NAV"}

VARSELTEKST = {
    Varseltype.OPPFOLGINGSPLAN_MANGLER: "Varsel: oppfølgingsplan mangler",
    Varseltype.AKTIVITETSKRAV_INFORMASJON: "Varsel: informasjon om aktivitetsplikt",
    Varseltype.DIALOGMOTE1_PAMINNELSE: "Varsel: påminnelse om dialogmøte 1",
    Varseltype.SVAR_MOTEBEHOV: "Varsel: svar på behov for dialogmøte",
    Varseltype.SNART_SLUTT_PA_SYKEPENGER: "Varsel: snart slutt på sykepenger",
    Varseltype.OPPFOLGINGSPLAN_FOR_DIALOGMOTE: "Varsel: oppdatert oppfølgingsplan før dialogmøte",
}

_MOTTAKER = {Mottaker.ARBEIDSTAKER: "Til den sykmeldte", Mottaker.ARBEIDSGIVER: "Til arbeidsgiver"}


def _periodetekst(kind: str, grad: int | None) -> str:
    return f"{grad} % sykmeldt (gradert)" if grad is not None else _PERIODETEKST.get(kind, kind)


def _perioder(perioder: list[Periode]) -> list[Periodelinje]:
    return [
        Periodelinje(p.fom, p.tom, _periodetekst(p.kinds()[0].value, p.gradert.grad if p.gradert else None))
        for p in perioder
    ]


def _perioder_ag(perioder: list[PeriodeAG]) -> list[Periodelinje]:
    return [
        Periodelinje(p.fom, p.tom, _periodetekst(p.type.value, p.gradert.grad if p.gradert else None)) for p in perioder
    ]


def _diagnose(diagnose: Diagnose) -> str:
    return f"{diagnose.kode} {diagnose.tekst}"


def _navn(fornavn: str, mellomnavn: str | None, etternavn: str) -> str:
    return " ".join(part for part in (fornavn, mellomnavn, etternavn) if part)


def kort_for_nav(nav: NavSykmelding) -> Kort:
    sykmelding = nav.received_sykmelding.sykmelding
    vurdering, behandler = sykmelding.medisinsk_vurdering, sykmelding.behandler
    felter = [("Behandler", _navn(behandler.fornavn, behandler.mellomnavn, behandler.etternavn))]
    if sykmelding.arbeidsgiver.navn:
        felter.append(("Arbeidsgiver", sykmelding.arbeidsgiver.navn))
    if vurdering.hoved_diagnose is not None:
        felter.append(("Hoveddiagnose", _diagnose(vurdering.hoved_diagnose)))
    felter += [("Bidiagnose", _diagnose(d)) for d in vurdering.bi_diagnoser]
    if sykmelding.melding_til_nav is not None and sykmelding.melding_til_nav.beskriv_bistand:
        felter.append(("Melding til NAV", sykmelding.melding_til_nav.beskriv_bistand))
    if sykmelding.tiltak_nav:
        felter.append(("Tiltak i regi av NAV", sykmelding.tiltak_nav))
    if sykmelding.melding_til_arbeidsgiver:
        felter.append(("Melding til arbeidsgiver", sykmelding.melding_til_arbeidsgiver))
    felter.append(("Utfall av regelsjekk", nav.validation_result.status.value))
    return Kort(sykmelding.id, _perioder(sykmelding.perioder), felter)


def kort_for_pasient(view: PasientSykmelding) -> Kort:
    felter = [("Behandler", _navn(view.behandler.fornavn, view.behandler.mellomnavn, view.behandler.etternavn))]
    if view.arbeidsgiver.navn:
        felter.append(("Arbeidsgiver", view.arbeidsgiver.navn))
    if view.medisinsk_vurdering is not None and view.medisinsk_vurdering.hoved_diagnose is not None:
        felter.append(("Hoveddiagnose", _diagnose(view.medisinsk_vurdering.hoved_diagnose)))
    if view.melding_til_arbeidsgiver:
        felter.append(("Melding til arbeidsgiver", view.melding_til_arbeidsgiver))
    if view.tiltak_arbeidsplassen:
        felter.append(("Tiltak på arbeidsplassen", view.tiltak_arbeidsplassen))
    return Kort(view.id, _perioder(view.perioder), felter)


def kort_for_arbeidsgiver(view: ArbeidsgiverSykmelding) -> Kort:
    felter = [("Sendt til", view.org_navn or view.orgnummer)]
    if view.behandler is not None:
        felter.append(("Behandler", _navn(view.behandler.fornavn, view.behandler.mellomnavn, view.behandler.etternavn)))
    if view.melding_til_arbeidsgiver:
        felter.append(("Melding til arbeidsgiver", view.melding_til_arbeidsgiver))
    if view.tiltak_arbeidsplassen:
        felter.append(("Tiltak på arbeidsplassen", view.tiltak_arbeidsplassen))
    return Kort(view.id, _perioder_ag(view.sykmeldingsperioder), felter)


async def _kort(session: AsyncSession, hvem: Betrakter, sak: Sak) -> list[Kort]:
    if hvem.rolle is Rolle.LEDER:
        ids = [nav.received_sykmelding.sykmelding.id for nav in sak.sykmeldinger]
        rows = await session.scalars(
            select(GatewayArbeidsgiverSykmelding)
            .where(
                GatewayArbeidsgiverSykmelding.sykmelding_id.in_(ids),
                GatewayArbeidsgiverSykmelding.orgnummer == hvem.orgnr,
                GatewayArbeidsgiverSykmelding.view.is_not(None),
            )
            .order_by(GatewayArbeidsgiverSykmelding.position)
        )
        return [kort_for_arbeidsgiver(ArbeidsgiverSykmelding.model_validate(row.view)) for row in rows]
    if hvem.rolle is Rolle.SYKMELDT:
        return [
            kort_for_pasient(pasient_view(nav.received_sykmelding, nav.validation_result)) for nav in sak.sykmeldinger
        ]
    egne = hvem.sykmelding_ids
    return [
        kort_for_nav(nav) for nav in sak.sykmeldinger if egne is None or nav.received_sykmelding.sykmelding.id in egne
    ]


def _stoppunkter(start: date, today: date) -> list[Linje]:
    return [
        Linje(
            dato=stoppunkt.date_for(start),
            tittel=STOPPUNKTTEKST[stoppunkt.name],
            hvem=_ANSVARLIG.get(stoppunkt.ansvarlig) if stoppunkt.ansvarlig else None,
            passert=stoppunkt.date_for(start) <= today,
        )
        for stoppunkt in regelverk_for(start).stoppunkter
    ]


async def _varsler(session: AsyncSession, running: Gateway, hvem: Betrakter, person: str, today: date) -> list[Linje]:
    if hvem.rolle is Rolle.LEGE:
        return []
    rows = await session.scalars(
        select(GatewayVarsel).where(GatewayVarsel.person_ref == person).order_by(GatewayVarsel.position)
    )
    linjer = []
    for row in rows:
        varsel = Varsel.model_validate(row.varsel)
        shown: Varsel | ArbeidsgiverVarsel | ArbeidstakerVarsel = varsel
        if hvem.rolle is Rolle.LEDER:
            if varsel.mottaker is not Mottaker.ARBEIDSGIVER or varsel.orgnr is None or varsel.orgnr != hvem.orgnr:
                continue
            shown = varsel.for_arbeidsgiver(running.ansatt(varsel.orgnr, person))
        elif hvem.rolle is Rolle.SYKMELDT:
            if varsel.mottaker is not Mottaker.ARBEIDSTAKER:
                continue
            shown = varsel.for_arbeidstaker()
        dato = shown.stoppunkt_dato
        linjer.append(Linje(dato, VARSELTEKST[shown.type], _MOTTAKER[varsel.mottaker], dato <= today))
    return linjer


async def _oppgaver(session: AsyncSession, person: str) -> list[Linje]:
    rows = await session.scalars(
        select(GatewayOppgave)
        .where(GatewayOppgave.oppgave["personRef"].as_string() == person)
        .order_by(GatewayOppgave.position)
    )
    oppgaver = [Oppgave.model_validate(row.oppgave) for row in rows]
    return [
        Linje(o.opprettet.date(), f"Oppgave for NAV: {o.type.value} ({o.status.value})", "NAV", passert=True)
        for o in oppgaver
    ]


def _start(sak: Sak, kort: list[Kort]) -> date | None:
    starts = [nav.received_sykmelding.sykmelding.syketilfelle_start_dato for nav in sak.sykmeldinger]
    known = [day for day in starts if day is not None]
    fom = [periode.fom for one in kort for periode in one.perioder]
    return min(known) if known and kort else min(fom, default=None)


async def bilde(session: AsyncSession, running: Gateway, hvem: Betrakter, sak: Sak, today: date) -> Bilde:
    kort = await _kort(session, hvem, sak)
    start = _start(sak, kort)
    person = running.pseudonym(sak.pasient_fnr)
    linjer = _stoppunkter(start, today) if start is not None else []
    linjer += await _varsler(session, running, hvem, person, today)
    if hvem.rolle is Rolle.NAV:
        linjer += await _oppgaver(session, person)
    linjer.sort(key=lambda linje: linje.dato)
    return Bilde(hvem, kort, linjer, start)
