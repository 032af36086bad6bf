"""The case's timeline as one party sees it: stop points, varsler, NAV's tasks, follow-up plans, møtebehov
and their answers, dialogmøter and the dialogmøte-2 candidature.

Each line is made from what that party's own door gives it, never from a wider record narrowed here:
varsler through `Varsel.for_arbeidsgiver` / `for_arbeidstaker`; møtebehov through gateway/motebehov.py's
views (`svar`, `nav_svar`, `status`: each outside party its own side's answers, NAV all); a plan through its
receipt (`PlanKvittering`, which has no word of the plan); the candidature through NAV's API functions
(`gjeldende`, `synlig_kandidat`). The line builders are pure, so the tests can hand them anything.

Who sees what: the sykmeldt their own varsler, answers, every plan and meeting of their case; the leader what
concerns their underenhet and their own side's answers; NAV everything, the candidature included; the doctor
the stop points only (a plan reaches the fastlege by HER id, not the room's doctor; meetings name no doctor).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain import dialogmotekandidat as kandidat
from sykmeldingsflyt.domain.clock import OSLO, norwegian_date
from sykmeldingsflyt.domain.dialogmotekandidat import DialogmotekandidatEndring
from sykmeldingsflyt.domain.motebehov import Innmeldertype, Skjematype
from sykmeldingsflyt.domain.oppfolgingsplan import DeliveryStatus, PlanKvittering
from sykmeldingsflyt.domain.oppgave import Oppgave
from sykmeldingsflyt.domain.stoppunkter import Ansvarlig, StoppunktName, regelverk_for
from sykmeldingsflyt.domain.timeline import DialogmoteHendelse, DialogmoteStatus
from sykmeldingsflyt.domain.varsel import ArbeidsgiverVarsel, ArbeidstakerVarsel, Mottaker, Varsel, Varseltype
from sykmeldingsflyt.gateway import motebehov
from sykmeldingsflyt.gateway.audit import Resource
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.rom.tilgang import Betrakter, Rolle
from sykmeldingsflyt.storage.tables import GatewayOppgave, GatewayPlanKvittering, GatewayVarsel
from sykmeldingsflyt.storage.tidslinje import dialogmoter, kandidat_endringer, oppfolgingsplaner


@dataclass(frozen=True)
class Linje:
    """One thing on the case's timeline."""

    dato: date
    tittel: str
    hvem: str | None
    passert: bool
    status: str | None = None
    """What became of it, where more can be said than passed or coming."""
    detaljer: tuple[str, ...] = ()
    lest: tuple[Resource, str] | None = None
    """The personal data it shows, for the audit log."""


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

_LEVERING = {
    DeliveryStatus.SENT: "sendt",
    DeliveryStatus.NOT_REQUESTED: "ikke bedt om",
    DeliveryStatus.FAILED: "kunne ikke leveres",
}

MOTETEKST = {
    DialogmoteStatus.INNKALT: "Innkalling til dialogmøte",
    DialogmoteStatus.NYTT_TID_STED: "Dialogmøtet er endret (nytt tid eller sted)",
    DialogmoteStatus.AVLYST: "Dialogmøtet er avlyst",
    DialogmoteStatus.FERDIGSTILT: "Referat fra dialogmøte",
    DialogmoteStatus.LUKKET: "Dialogmøtet er lukket",
}

MOTETID = {
    DialogmoteStatus.INNKALT: "Tid",
    DialogmoteStatus.NYTT_TID_STED: "Ny tid",
    DialogmoteStatus.AVLYST: "Møtet var satt til",
    DialogmoteStatus.FERDIGSTILT: "Møtet ble holdt",
    DialogmoteStatus.LUKKET: "Møtet var satt til",
}

_INNMELDER = {Innmeldertype.ARBEIDSTAKER: "Sykmeldt", Innmeldertype.ARBEIDSGIVER: "Arbeidsgiver"}
_SIDE = {Rolle.SYKMELDT: Innmeldertype.ARBEIDSTAKER, Rolle.LEDER: Innmeldertype.ARBEIDSGIVER}


def _dato(instant: datetime) -> str:
    return norwegian_date(instant).strftime("%d.%m.%Y")


def _tidspunkt(instant: datetime) -> str:
    return instant.astimezone(OSLO).strftime("%d.%m.%Y kl. %H:%M")


def stoppunkter(start: date, today: date) -> list[Linje]:
    return [
        Linje(
            dato=stoppunkt.date_for(start),
            tittel=STOPPUNKTTEKST[stoppunkt.name],
            hvem=_ANSVARLIG.get(stoppunkt.ansvarlig) if stoppunkt.ansvarlig else None,
            passert=stoppunkt.date_for(start) <= today,
        )
        for stoppunkt in regelverk_for(start).stoppunkter
    ]


def varsellinje(shown: Varsel | ArbeidsgiverVarsel | ArbeidstakerVarsel, mottaker: Mottaker, today: date) -> Linje:
    dato = shown.stoppunkt_dato
    return Linje(dato, VARSELTEKST[shown.type], _MOTTAKER[mottaker], dato <= today)


def oppgavelinje(oppgave: Oppgave) -> Linje:
    tittel = f"Oppgave for NAV: {oppgave.type.value} ({oppgave.status.value})"
    return Linje(oppgave.opprettet.date(), tittel, "NAV", passert=True)


def planlinje(plan_uuid: str, mottatt: date, orgnummer: str, kvittering: PlanKvittering | None) -> Linje:
    """An accepted plan, and to whom its receipt says it was delivered."""
    detaljer: tuple[str, ...] = ()
    if kvittering is not None and kvittering.general_practitioner is not None and kvittering.nav is not None:
        detaljer = (
            f"Til fastlegen: {_LEVERING[kvittering.general_practitioner.status]}",
            f"Til NAV: {_LEVERING[kvittering.nav.status]}",
        )
    tittel = f"Oppfølgingsplan fra arbeidsgiver ({orgnummer})"
    return Linje(mottatt, tittel, None, True, "Mottatt", detaljer, (Resource.PLAN, plan_uuid))


def svarlinje(svar: motebehov.MotebehovSvar, today: date) -> Linje:
    """An answered møtebehov in the view its reader's door gives (MotebehovSvar, or NAV's NavMotebehov)."""
    sporsmal = "Svar på behov for dialogmøte" if svar.skjematype is Skjematype.SVAR_BEHOV else "Ønske om dialogmøte"
    behov = "ja" if svar.har_motebehov else "nei"
    detaljer = [f"Fra: {_INNMELDER[svar.innmelder_type]}", f"Behov for dialogmøte: {behov}"]
    if svar.begrunnelse:
        detaljer.append(f"Begrunnelse: {svar.begrunnelse}")
    if svar.onsker_sykmelder_deltar:
        detaljer.append("Ønsker at sykmelder deltar")
    if svar.onsker_tolk:
        detaljer.append(f"Ønsker tolk ({svar.tolk_sprak or 'språk ikke oppgitt'})")
    if isinstance(svar, motebehov.NavMotebehov):
        detaljer.append(f"Gjelder arbeidsgiver {svar.orgnr}")
    venter = svar.har_motebehov and svar.behandlet is None
    if svar.behandlet is not None:
        status = f"Behandlet av NAV {_dato(svar.behandlet)}"
    else:
        status = "Venter på NAV" if venter else "Besvart"
    dato = norwegian_date(svar.innsendt)
    lest = (Resource.MOTEBEHOV, svar.id)
    return Linje(dato, sporsmal, "NAV" if venter else None, dato <= today, status, tuple(detaljer), lest)


def sporsmalslinje(status: motebehov.MotebehovStatus, side: Innmeldertype, today: date) -> Linje | None:
    """NAV's open question about dialogmøte 2, while this side has not answered it."""
    if not status.vis_motebehov or status.skjematype is not Skjematype.SVAR_BEHOV or status.motebehov is not None:
        return None
    return Linje(today, "NAV spør om behov for dialogmøte 2", _INNMELDER[side], True, "Ikke svart")


def motelinje(orgnummer: str, hendelse: DialogmoteHendelse, today: date) -> Linje:
    """A meeting event on the day NAV changed its status, with the meeting's time in Norway where known."""
    tid = () if hendelse.motetid is None else (f"{MOTETID[hendelse.status]}: {_tidspunkt(hendelse.motetid)}",)
    # Placed and passed by NAV's event, as every line by its own day: the status, not `passert`, is what shows.
    return Linje(
        hendelse.dato,
        MOTETEKST[hendelse.status],
        None,
        hendelse.dato <= today,
        hendelse.status.value.replace("_", " ").capitalize(),
        (*tid, f"Med arbeidsgiver {orgnummer}"),
    )


def kandidatlinje(endring: DialogmotekandidatEndring | None, now: datetime) -> Linje | None:
    """The candidature as NAV's API shows it: a candidate from 7 days after the decision; an ended one with why."""
    if endring is None:
        return None
    if endring.kandidat:
        synlig = kandidat.synlig_kandidat(endring, now)
        if synlig is None:
            return None
        dato = norwegian_date(synlig.created_at)
        return Linje(dato, "Registrert som kandidat til dialogmøte 2", "NAV", True, "Kandidat")
    grunn = endring.unntak_arsak or endring.ikke_aktuell_arsak or endring.arsak
    detaljer = (f"Årsak: {grunn.value}",)
    dato = norwegian_date(endring.created_at)
    return Linje(dato, "Ikke lenger kandidat til dialogmøte 2", "NAV", True, "Avsluttet", detaljer)


async def varsler(session: AsyncSession, running: Gateway, hvem: Betrakter, person: str, today: date) -> list[Linje]:
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
        linjer.append(varsellinje(shown, varsel.mottaker, today))
    return linjer


async def oppgaver(session: AsyncSession, person: str) -> list[Linje]:
    rows = await session.scalars(
        select(GatewayOppgave)
        .where(GatewayOppgave.oppgave["personRef"].as_string() == person)
        .order_by(GatewayOppgave.position)
    )
    return [oppgavelinje(Oppgave.model_validate(row.oppgave)) for row in rows]


async def planer(session: AsyncSession, hvem: Betrakter, person: str) -> list[Linje]:
    if hvem.rolle is Rolle.LEGE:
        return []
    found = [p for p in await oppfolgingsplaner(session, person) if hvem.rolle is not Rolle.LEDER or p[1] == hvem.orgnr]
    rows = await session.scalars(
        select(GatewayPlanKvittering).where(GatewayPlanKvittering.plan_uuid.in_([p[0] for p in found]))
    )
    kvitteringer = {row.plan_uuid: PlanKvittering.model_validate(row.kvittering) for row in rows}
    return [planlinje(uuid, mottatt, orgnummer, kvitteringer.get(uuid)) for uuid, orgnummer, mottatt in found]


async def motebehovlinjer(session: AsyncSession, hvem: Betrakter, person: str, today: date) -> list[Linje]:
    if hvem.rolle is Rolle.NAV:
        return [svarlinje(svar, today) for svar in (await motebehov.for_nav(session, person)).motebehov]
    side = _SIDE.get(hvem.rolle)
    if side is None:
        return []
    orgnr = hvem.orgnr if hvem.rolle is Rolle.LEDER else None
    besvart = await motebehov.besvart(session, person, orgnr=orgnr, innmelder=side)
    linjer = [svarlinje(motebehov.svar(b), today) for b in besvart]
    if hvem.rolle is Rolle.LEDER and hvem.orgnr is not None:
        statuser: Sequence[motebehov.MotebehovStatus] = [
            motebehov.MotebehovStatus(
                **motebehov.status_fields(await motebehov.status(session, person, hvem.orgnr, side, today))
            )
        ]
    else:
        statuser = await motebehov.for_arbeidstaker(session, person, today)
    sporsmal = (sporsmalslinje(status, side, today) for status in statuser)
    return linjer + [linje for linje in sporsmal if linje is not None]


async def moter(session: AsyncSession, hvem: Betrakter, person: str, today: date) -> list[Linje]:
    if hvem.rolle is Rolle.LEGE:
        return []
    return [
        motelinje(orgnummer, hendelse, today)
        for orgnummer, hendelse in await dialogmoter(session, person)
        if hvem.rolle is not Rolle.LEDER or orgnummer == hvem.orgnr
    ]


async def kandidatur(session: AsyncSession, person: str, now: datetime) -> list[Linje]:
    linje = kandidatlinje(kandidat.gjeldende(await kandidat_endringer(session, person)), now)
    return [] if linje is None else [linje]


async def tidslinje(
    session: AsyncSession, running: Gateway, hvem: Betrakter, person: str, *, start: date | None, today: date
) -> list[Linje]:
    """Every line the viewer may see, oldest first."""
    now = running.runtime.clock.now()
    linjer = stoppunkter(start, today) if start is not None else []
    linjer += await varsler(session, running, hvem, person, today)
    linjer += await planer(session, hvem, person)
    linjer += await motebehovlinjer(session, hvem, person, today)
    linjer += await moter(session, hvem, person, today)
    if hvem.rolle is Rolle.NAV:
        linjer += await oppgaver(session, person)
        linjer += await kandidatur(session, person, now)
    linjer.sort(key=lambda linje: linje.dato)
    return linjer
