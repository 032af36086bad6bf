"""The development login: a token for each party from the local development issuer, set as an HttpOnly
cookie. Only in the development profile (profiles.py), and only where the gateway trusts that issuer's
key; in production every address here answers 404.

The sykmeldt and the leader get a person token (`pid`, as ID-porten/TokenX give); the doctor too, with
their own fnr, as HelseID identifies a health professional (`pid`); NAV an Azure AD token in the
operators' group. The defaults are the bundled registers' synthetic people (registers/data/local).
"""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sykmeldingsflyt.domain.identifiers import is_valid_fnr
from sykmeldingsflyt.gateway.dependencies import GatewayDep
from sykmeldingsflyt.gateway.devtokens import DevIssuer
from sykmeldingsflyt.gateway.rom.sider import templates
from sykmeldingsflyt.gateway.rom.tilgang import COOKIE, ROLLENAVN, Rolle
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.profiles import Profile, detect_profile
from sykmeldingsflyt.synthetic import DEMO_BEHANDLER

router = APIRouter()

STANDARD = {
    Rolle.SYKMELDT: "14838526102",
    Rolle.LEDER: "02917936725",
    Rolle.LEGE: DEMO_BEHANDLER.fnr,
    Rolle.NAV: "Z990001",
}
"""The bundled registers' sykmeldt, their nærmeste leder at 311000101, the demo's doctor, and a NAV ident."""


def tillatt() -> bool:
    return detect_profile() is Profile.DEVELOPMENT


def _utsteder(settings: GatewaySettings) -> DevIssuer | None:
    if not tillatt() or settings.jwks.startswith(("https://", "http://")):
        return None
    issuer = DevIssuer(Path(settings.jwks).parent, issuer=settings.issuer, audience=settings.audience)
    return issuer if issuer.can_sign() else None


@router.get("/logg-inn", response_class=HTMLResponse, name="logg_inn")
async def logg_inn(request: Request, running: GatewayDep) -> Response:
    if _utsteder(running.settings) is None:
        return templates.TemplateResponse(request, "ikke_funnet.html", {"utvikling": False}, status_code=404)
    roller = [(rolle, ROLLENAVN[rolle], ident) for rolle, ident in STANDARD.items()]
    return templates.TemplateResponse(request, "logg_inn.html", {"roller": roller, "utvikling": True})


@router.get("/logg-inn/{rolle}")
async def logg_inn_som(
    request: Request, rolle: Rolle, running: GatewayDep, ident: Annotated[str, Query(max_length=16)] = ""
) -> Response:
    issuer = _utsteder(running.settings)
    if issuer is None:
        return templates.TemplateResponse(request, "ikke_funnet.html", {"utvikling": False}, status_code=404)
    ident = ident.strip() or STANDARD[rolle]
    if rolle is Rolle.NAV:
        group = running.settings.operator_group
        token = issuer.operator_token(ident, [group] if group else [])
    elif is_valid_fnr(ident):
        token = issuer.person_token(ident)
    else:
        roller = [(r, ROLLENAVN[r], i) for r, i in STANDARD.items()]
        context = {"roller": roller, "utvikling": True, "feil": "Fødselsnummeret er ikke gyldig."}
        return templates.TemplateResponse(request, "logg_inn.html", context, status_code=400)
    response = RedirectResponse(request.url_for("oversikt"), status_code=303)
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/rom"
    )
    return response


@router.get("/logg-ut")
async def logg_ut(request: Request) -> Response:
    response = RedirectResponse(request.url_for("oversikt"), status_code=303)
    response.delete_cookie(COOKIE, path="/rom")
    return response
