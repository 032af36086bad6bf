"""The case as one party sees it: each sykmelding in that party's view, built by the same functions that
build the Kafka outputs (privacy.pasient_view, the employer views on arbeidsgiver.sykmelding, NAV's view on
nav.sykmelding), and the case's timeline (linjer.py).

Each card is filled from its view type alone: the employer's card is made from ArbeidsgiverSykmelding,
which has no medical field, so no rendering mistake here can show the employer a diagnosis.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.privacy import pasient_view
from sykmeldingsflyt.domain.sykmelding import Diagnose, Periode
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding, NavSykmelding, PasientSykmelding, PeriodeAG
from sykmeldingsflyt.gateway.audit import Resource
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.rom.linjer import Linje, tidslinje
from sykmeldingsflyt.gateway.rom.tilgang import Betrakter, Rolle, Sak
from sykmeldingsflyt.storage.tables import GatewayArbeidsgiverSykmelding


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
class Bilde:
    hvem: Betrakter
    kort: list[Kort]
    linjer: list[Linje]
    start: date | None

    def lest(self) -> dict[Resource, list[str]]:
        """The personal data the picture shows, by kind, for the audit log."""
        found: dict[Resource, list[str]] = {Resource.SYKMELDING: [kort.sykmelding_id for kort in self.kort]}
        for linje in self.linjer:
            if linje.lest is not None:
                found.setdefault(linje.lest[0], []).append(linje.lest[1])
        return found


_PERIODETEKST = {
    "AKTIVITET_IKKE_MULIG": "100 % sykmeldt",
    "AVVENTENDE": "Avventende sykmelding",
    "BEHANDLINGSDAGER": "Behandlingsdager",
    "REISETILSKUDD": "Reisetilskudd",
}


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


def _start(sak: Sak, kort: list[Kort]) -> date | None:
    starts = [nav.received_sykmelding.sykmelding.syketilfelle_start_dato for nav in sak.sykmeldinger]
    known = [day for day in starts if day is not None]
    fom = [periode.fom for one in kort for periode in one.perioder]
    return min(known) if known and kort else min(fom, default=None)


async def bilde(session: AsyncSession, running: Gateway, hvem: Betrakter, sak: Sak, today: date) -> Bilde:
    kort = await _kort(session, hvem, sak)
    start = _start(sak, kort)
    linjer = await tidslinje(session, running, hvem, running.pseudonym(sak.pasient_fnr), start=start, today=today)
    return Bilde(hvem, kort, linjer, start)
