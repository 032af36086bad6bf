"""Altinn's authorisation, asked over HTTP as its PDP is asked, and its file-backed stand-in."""

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from sykmeldingsflyt.domain.altinn import AltinnUnavailableError, Systembruker
from sykmeldingsflyt.gateway.altinn import AltinnPdp, AltinnTilgangsfil
from tests.support.asgi import serving

RESSURS = "nav_sykepenger_fravaer"
KUNDE = Systembruker(id=str(uuid.uuid4()), orgnr="311000004")


def _pdp(permitted: set[tuple[str, str]], seen: list[dict[str, Any]]) -> FastAPI:
    """Altinn's PDP as far as the gateway uses it: Permit for the (system user, orgnr) pairs given."""
    app = FastAPI()

    @app.post("/authorization/api/v1/authorize")
    async def authorize(request: Request) -> JSONResponse:
        if request.headers.get("Ocp-Apim-Subscription-Key") != "sub-key":
            return JSONResponse({"error": "no subscription"}, status_code=401)
        body = await request.json()
        seen.append({"body": body, "authorization": request.headers.get("Authorization")})
        subject = body["Request"]["AccessSubject"][0]["Attribute"][0]
        resource = {a["AttributeId"]: a["Value"] for a in body["Request"]["Resource"][0]["Attribute"]}
        allowed = (
            subject["AttributeId"] == "urn:altinn:systemuser:uuid"
            and resource["urn:altinn:resource"] == RESSURS
            and (subject["Value"], resource["urn:altinn:organization:identifier-no"]) in permitted
        )
        return JSONResponse({"Response": [{"Decision": "Permit" if allowed else "Deny"}]})

    @app.post("/broken/authorization/api/v1/authorize")
    async def broken() -> JSONResponse:
        return JSONResponse({"message": "down"}, status_code=503)

    return app


async def test_the_pdp_is_asked_for_the_system_user_the_resource_and_the_organisation() -> None:
    seen: list[dict[str, Any]] = []
    async with serving(_pdp({(KUNDE.id, "311000101")}, seen)) as url:
        pdp = AltinnPdp(url, RESSURS, subscription_key="sub-key", token="altinn-token")
        try:
            granted = await pdp.har_tilgang(KUNDE, "311000101")
            refused = await pdp.har_tilgang(KUNDE, "311000128")
        finally:
            await pdp.aclose()

    assert (granted, refused) == (True, False)
    assert seen[0]["authorization"] == "Bearer altinn-token"
    action = seen[0]["body"]["Request"]["Action"][0]["Attribute"][0]
    assert (action["AttributeId"], action["Value"]) == ("urn:oasis:names:tc:xacml:1.0:action:action-id", "access")


@pytest.mark.parametrize("path", ["/broken", "/nowhere"])
async def test_an_altinn_that_does_not_answer_is_neither_yes_nor_no(path: str) -> None:
    async with serving(_pdp(set(), [])) as url:
        pdp = AltinnPdp(url + path, RESSURS, subscription_key="sub-key", token=None)
        try:
            with pytest.raises(AltinnUnavailableError):
                await pdp.har_tilgang(KUNDE, "311000101")
        finally:
            await pdp.aclose()


async def test_a_wrong_subscription_key_is_no_answer_either() -> None:
    async with serving(_pdp({(KUNDE.id, "311000101")}, [])) as url:
        pdp = AltinnPdp(url, RESSURS, subscription_key="wrong", token=None)
        try:
            with pytest.raises(AltinnUnavailableError):
                await pdp.har_tilgang(KUNDE, "311000101")
        finally:
            await pdp.aclose()


async def test_the_stand_in_follows_the_operators_edits_and_survives_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "altinn-tilganger.json"
    fil = AltinnTilgangsfil(path)
    before = await fil.har_tilgang(KUNDE, "311000101")
    fil.grant(KUNDE.id, "311000101")
    after_grant = await fil.har_tilgang(KUNDE, "311000101")
    path.write_text('{"half": [')
    while_broken = await fil.har_tilgang(KUNDE, "311000101")
    path.write_text(json.dumps({KUNDE.id: ["311000128"]}))
    after_edit = (await fil.har_tilgang(KUNDE, "311000101"), await fil.har_tilgang(KUNDE, "311000128"))

    assert (before, after_grant, while_broken, after_edit) == (False, True, True, (False, True))
