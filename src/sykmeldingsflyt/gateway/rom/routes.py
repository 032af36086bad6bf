"""The room's pages: the cases one may open, one case, its live updates, and the development login."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sse_starlette import EventSourceResponse

from sykmeldingsflyt.domain.registers import NaermesteLederRegister
from sykmeldingsflyt.gateway.audit import Audit, Purpose, Resource
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.dependencies import GatewayDep
from sykmeldingsflyt.gateway.rom import devlogin, handlinger, saker
from sykmeldingsflyt.gateway.rom.bilde import Bilde, bilde
from sykmeldingsflyt.gateway.rom.sider import templates
from sykmeldingsflyt.gateway.rom.tilgang import (
    ROLLENAVN,
    Betrakter,
    IkkeInnlogget,
    IngenTilgang,
    Rolle,
    Sak,
    betrakter,
    innlogget,
    sak_av,
)
from sykmeldingsflyt.registers.settings import RegisterSettings, open_registre

router = APIRouter(prefix="/rom", include_in_schema=False)


LIVE_INTERVAL = 1.0
"""How often an open page's stream looks at the read model: it is kept by another process (the gateway
service), so a change shows as a new picture of the case, not as an in-process signal."""


def naermeste_ledere(request: Request) -> NaermesteLederRegister:
    """The nærmeste leder register the gateway's register settings choose (the bundled folder in development)."""
    state = request.app.state
    if not hasattr(state, "rom_ledere"):
        state.rom_ledere = open_registre(RegisterSettings.from_env()).naermeste_leder
    ledere: NaermesteLederRegister = state.rom_ledere
    return ledere


LedereDep = Annotated[NaermesteLederRegister, Depends(naermeste_ledere)]


def _side(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"utvikling": devlogin.tillatt(), **context}, status_code=status)


def _ikke_funnet(request: Request) -> HTMLResponse:
    return _side(request, "ikke_funnet.html", status=404)


def _logg_inn(request: Request) -> Response:
    if devlogin.tillatt():
        return RedirectResponse(request.url_for("logg_inn"), status_code=303)
    return _side(request, "ikke_innlogget.html", status=401)


@dataclass(frozen=True)
class Sett:
    """What one viewer sees of a case: its timeline, and the state of what they can do in it."""

    hvem: Betrakter
    sak: Sak
    bilde: Bilde
    tilstand: handlinger.Tilstand


async def _part(request: Request, running: Gateway, ledere: NaermesteLederRegister, sak: str) -> tuple[Betrakter, Sak]:
    caller = await innlogget(request, running)
    async with running.database.session() as session:
        found = await sak_av(session, sak, running.runtime.dead_letters.keyring)
        return await betrakter(caller, running, session, ledere, found), found


async def _sett(request: Request, running: Gateway, ledere: NaermesteLederRegister, sak: str) -> Sett:
    hvem, found = await _part(request, running, ledere, sak)
    async with running.database.session() as session:
        sett = await bilde(session, running, hvem, found, running.runtime.clock.today())
        return Sett(hvem, found, sett, await handlinger.tilstand(session, running, hvem, found))


async def _revider(running: Gateway, sett: Sett) -> None:
    """The read of what `sett` shows, written to the audit log before it is sent."""
    async with running.database.session() as session:
        audit = Audit(session, sett.hvem.caller, running.runtime.clock)
        lest = sett.bilde.lest()
        # A møtebehov shows both as a timeline row and in the answers list: one record of the two.
        lest[Resource.MOTEBEHOV] = list(dict.fromkeys([*lest.get(Resource.MOTEBEHOV, []), *sett.tilstand.ids]))
        for resource, ids in lest.items():
            await audit.record(Purpose.SAMHANDLINGSROM, resource, ids)


@router.get("/", response_class=HTMLResponse)
async def oversikt(request: Request, running: GatewayDep, ledere: LedereDep) -> Response:
    try:
        caller = await innlogget(request, running)
    except IkkeInnlogget:
        return _logg_inn(request)
    return _side(request, "oversikt.html", oversikt=await saker.oversikt(request, running, ledere, caller))


@router.get("/sak/{sak}", response_class=HTMLResponse)
async def sak_side(
    request: Request, sak: str, running: GatewayDep, ledere: LedereDep, kvittering: str = ""
) -> Response:
    return await _vis_sak(request, running, ledere, sak, kvittering=kvittering)


async def _vis_sak(
    request: Request,
    running: Gateway,
    ledere: NaermesteLederRegister,
    sak: str,
    *,
    kvittering: str = "",
    feil: handlinger.Handlingsfeil | None = None,
    verdier: dict[str, str] | None = None,
) -> Response:
    """The case page; after a refused form, with the refusal and what was filled in."""
    try:
        sett = await _sett(request, running, ledere, sak)
    except IkkeInnlogget:
        return _logg_inn(request)
    except IngenTilgang:
        return _ikke_funnet(request)
    await _revider(running, sett)
    return _side(
        request,
        "sak.html",
        status=feil.status if feil else 200,
        sak=sak,
        bilde=sett.bilde,
        tilstand=sett.tilstand,
        rollenavn=ROLLENAVN[sett.hvem.rolle],
        rolle=sett.hvem.rolle,
        skjemaer=await handlinger.skjemaer(request, running, sett.hvem, sett.sak),
        kvittering=handlinger.KVITTERINGER.get(kvittering),
        feil=feil,
        verdier=verdier or {},
        planfelt=handlinger.PLANFELT,
        kontaktfelt=handlinger.KONTAKTFELT,
    )


@router.get("/sak/{sak}/hendelser")
async def hendelser(request: Request, sak: str, running: GatewayDep, ledere: LedereDep) -> Response:
    """Server-sent events: the case's timeline again, as HTML, whenever what the viewer sees changes; the
    møtebehov state likewise, as its own event."""
    try:
        first = await _sett(request, running, ledere, sak)
    except (IkkeInnlogget, IngenTilgang):
        return _ikke_funnet(request)
    fragmenter = {"sak": templates.get_template("_innhold.html"), "tilstand": templates.get_template("_tilstand.html")}

    def render(sett: Sett) -> dict[str, str]:
        return {
            "sak": fragmenter["sak"].render(bilde=sett.bilde),
            "tilstand": fragmenter["tilstand"].render(tilstand=sett.tilstand),
        }

    async def stream() -> AsyncIterator[dict[str, str]]:
        shown = render(first)
        while True:
            await asyncio.sleep(LIVE_INTERVAL)
            try:
                sett = await _sett(request, running, ledere, sak)
            except (IkkeInnlogget, IngenTilgang):
                yield {"event": "slutt", "data": ""}
                return
            now = render(sett)
            if now != shown:
                await _revider(running, sett)
                for event, data in now.items():
                    if data != shown[event]:
                        yield {"event": event, "data": data}
                shown = now

    return EventSourceResponse(stream(), ping=15)


async def _handling(
    request: Request,
    running: Gateway,
    ledere: NaermesteLederRegister,
    sak: str,
    *,
    roller: frozenset[Rolle],
    skjema: str,
    action: handlinger.Utfor,
) -> Response:
    """A form posted: guarded, carried out, and answered by a redirect to the page with its receipt
    (redirect-after-post), or by the page again with the refusal."""
    try:
        hvem, found = await _part(request, running, ledere, sak)
    except (IkkeInnlogget, IngenTilgang):
        return _ikke_funnet(request)
    verdier: dict[str, str] = {}
    try:
        handling = await handlinger.mottatt(request, running, hvem, found, roller=roller, skjema=skjema)
        verdier = handling.felter
        kvittering = await handlinger.utfor(handling, skjema, action)
    except handlinger.Handlingsfeil as feil:
        return await _vis_sak(request, running, ledere, sak, feil=feil, verdier=verdier)
    url = request.url_for("sak_side", sak=sak).include_query_params(kvittering=kvittering)
    return RedirectResponse(f"{url}#{skjema}-svar", status_code=303)


PARTER = frozenset({Rolle.SYKMELDT, Rolle.LEDER})
SYKMELDT = frozenset({Rolle.SYKMELDT})


@router.post("/sak/{sak}/motebehov")
async def meld_motebehov(request: Request, sak: str, running: GatewayDep, ledere: LedereDep) -> Response:
    """The sykmeldt or the leader asks for a dialogue meeting, or answers NAV's question about one."""
    return await _handling(
        request, running, ledere, sak, roller=PARTER, skjema="motebehov", action=handlinger.svar_motebehov
    )


@router.post("/sak/{sak}/sykmelding/send")
async def send_sykmelding(request: Request, sak: str, running: GatewayDep, ledere: LedereDep) -> Response:
    return await _handling(
        request, running, ledere, sak, roller=SYKMELDT, skjema="sykmelding", action=handlinger.send_sykmelding
    )


@router.post("/sak/{sak}/sykmelding/avbryt")
async def avbryt_sykmelding(request: Request, sak: str, running: GatewayDep, ledere: LedereDep) -> Response:
    return await _handling(
        request, running, ledere, sak, roller=SYKMELDT, skjema="sykmelding", action=handlinger.avbryt_sykmelding
    )


@router.post("/sak/{sak}/oppfolgingsplan")
async def last_opp_plan(request: Request, sak: str, running: GatewayDep, ledere: LedereDep) -> Response:
    leder = frozenset({Rolle.LEDER})
    return await _handling(request, running, ledere, sak, roller=leder, skjema="plan", action=handlinger.last_opp_plan)


@router.post("/sak/{sak}/motebehov/behandle")
async def behandle_motebehov(request: Request, sak: str, running: GatewayDep, ledere: LedereDep) -> Response:
    nav = frozenset({Rolle.NAV})
    return await _handling(request, running, ledere, sak, roller=nav, skjema="behandle", action=handlinger.behandle)


router.include_router(devlogin.router)
