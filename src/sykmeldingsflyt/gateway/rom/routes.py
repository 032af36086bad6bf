"""The room's pages: the cases one may open, one case, its live updates, and the development login."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sse_starlette import EventSourceResponse

from sykmeldingsflyt.domain.motebehov import Innmeldertype, MotebehovFraPart, Skjematype
from sykmeldingsflyt.domain.registers import NaermesteLederRegister
from sykmeldingsflyt.gateway import motebehov
from sykmeldingsflyt.gateway.audit import Audit, Purpose
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.dependencies import GatewayDep, Submission
from sykmeldingsflyt.gateway.idempotency import request_hash
from sykmeldingsflyt.gateway.problems import ApiError, invalid_model
from sykmeldingsflyt.gateway.rom import devlogin, saker
from sykmeldingsflyt.gateway.rom.bilde import Bilde, bilde
from sykmeldingsflyt.gateway.rom.sider import templates
from sykmeldingsflyt.gateway.rom.tilgang import (
    ROLLENAVN,
    IkkeInnlogget,
    IngenTilgang,
    Rolle,
    betrakter,
    innlogget,
    sak_av,
    sendt_til,
)
from sykmeldingsflyt.registers.settings import RegisterSettings, open_registre

router = APIRouter(prefix="/rom", include_in_schema=False)


class MeldMotebehov(BaseModel):
    """What the room's form sends: the reason, in the sykmeldt's own words (optional)."""

    begrunnelse: str = Field(default="", max_length=1000)


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


async def _bilde(request: Request, running: Gateway, ledere: NaermesteLederRegister, sak: str) -> Bilde:
    caller = await innlogget(request, running)
    async with running.database.session() as session:
        found = await sak_av(session, sak, running.runtime.dead_letters.keyring)
        hvem = await betrakter(caller, running, session, ledere, found)
        return await bilde(session, running, hvem, found, running.runtime.clock.today())


async def _revider(running: Gateway, sett: Bilde) -> None:
    """The read of what `sett` shows, written to the audit log before it is sent."""
    async with running.database.session() as session:
        audit = Audit(session, sett.hvem.caller, running.runtime.clock)
        for resource, ids in sett.lest().items():
            await audit.record(Purpose.SAMHANDLINGSROM, resource, ids)


@router.get("/", response_class=HTMLResponse)
async def oversikt(request: Request, running: GatewayDep, ledere: LedereDep) -> Response:
    try:
        caller = await innlogget(request, running)
    except IkkeInnlogget:
        return _logg_inn(request)
    return _side(request, "oversikt.html", oversikt=await saker.oversikt(request, running, ledere, caller))


@router.get("/sak/{sak}", response_class=HTMLResponse)
async def sak_side(request: Request, sak: str, running: GatewayDep, ledere: LedereDep) -> Response:
    try:
        sett = await _bilde(request, running, ledere, sak)
    except IkkeInnlogget:
        return _logg_inn(request)
    except IngenTilgang:
        return _ikke_funnet(request)
    await _revider(running, sett)
    return _side(request, "sak.html", sak=sak, bilde=sett, rollenavn=ROLLENAVN[sett.hvem.rolle], rolle=sett.hvem.rolle)


@router.get("/sak/{sak}/hendelser")
async def hendelser(request: Request, sak: str, running: GatewayDep, ledere: LedereDep) -> Response:
    """Server-sent events: the case's timeline again, as HTML, whenever what the viewer sees changes."""
    try:
        first = await _bilde(request, running, ledere, sak)
    except (IkkeInnlogget, IngenTilgang):
        return _ikke_funnet(request)
    fragment = templates.get_template("_innhold.html")

    async def stream() -> AsyncIterator[dict[str, str]]:
        shown = fragment.render(bilde=first)
        while True:
            await asyncio.sleep(LIVE_INTERVAL)
            try:
                sett = await _bilde(request, running, ledere, sak)
            except (IkkeInnlogget, IngenTilgang):
                yield {"event": "slutt", "data": ""}
                return
            now = fragment.render(bilde=sett)
            if now != shown:
                await _revider(running, sett)
                shown = now
                yield {"event": "sak", "data": now}

    return EventSourceResponse(stream(), ping=15)


@router.post("/sak/{sak}/motebehov")
async def meld_motebehov(
    request: Request, sak: str, skjema: MeldMotebehov, running: GatewayDep, ledere: LedereDep
) -> Response:
    """The sykmeldt asks for a dialogue meeting with NAV: published as the API's POST /sykmeldt/v1/motebehov
    publishes it (gateway.motebehov.submit), under the browser's Idempotency-Key."""
    try:
        caller = await innlogget(request, running)
        async with running.database.session() as session:
            found = await sak_av(session, sak, running.runtime.dead_letters.keyring)
            hvem = await betrakter(caller, running, session, ledere, found)
            orgnr = next(iter(await sendt_til(session, found)), None)
    except (IkkeInnlogget, IngenTilgang):
        return _ikke_funnet(request)
    if hvem.rolle is not Rolle.SYKMELDT or orgnr is None:
        raise ApiError(403, "NOT_THE_SYKMELDT", "Only the sykmeldt may ask, once a sykmelding is sent to the employer.")
    key = request.headers.get("Idempotency-Key")
    fingerprint = request_hash(request.method, request.url.path, await request.body())
    submission = Submission(running.idempotency, running.publisher, caller.client_key, key, fingerprint)
    now = running.runtime.clock.now()
    try:
        fra_part = MotebehovFraPart(
            id=submission.message_id("motebehov"),
            skjematype=Skjematype.MELD_BEHOV,
            innmelder_type=Innmeldertype.ARBEIDSTAKER,
            orgnr=orgnr,
            har_motebehov=True,
            begrunnelse=skjema.begrunnelse or None,
            arbeidstaker_fnr=found.pasient_fnr,
            innsendt=now,
        )
    except ValidationError as invalid:
        raise invalid_model(invalid) from None
    return await motebehov.submit(fra_part, Innmeldertype.ARBEIDSTAKER, submission, now)


router.include_router(devlogin.router)
