"""The HTTP gateway as the demonstration's parties reach it: the application `sykmeldingsflyt gateway` serves,
in this process, trusting a development issuer whose tokens have Maskinporten's and TokenX's shapes, and
Altinn's answers from the operator's file."""

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from sykmeldingsflyt.demo.parties import Demo
from sykmeldingsflyt.domain.altinn import Systembruker
from sykmeldingsflyt.gateway.altinn import AltinnTilgangsfil
from sykmeldingsflyt.gateway.app import create_app
from sykmeldingsflyt.gateway.auth import Scope
from sykmeldingsflyt.gateway.devtokens import DevIssuer
from sykmeldingsflyt.gateway.settings import GatewaySettings

VENDOR = "310000108"
"""The HR system vendor (LPS) whose customers' system users read through NAV's LPS shape."""


@dataclass
class Door:
    http: httpx.AsyncClient
    issuer: DevIssuer
    altinn: AltinnTilgangsfil

    def organisation(self, orgnr: str, scope: Scope) -> dict[str, str]:
        return _bearer(self.issuer.organisation_token(orgnr, [scope.value]))

    def person(self, fnr: str) -> dict[str, str]:
        """The employee on nav.no (a TokenX token)."""
        return _bearer(self.issuer.person_token(fnr))

    def lps(self, customer: str) -> dict[str, str]:
        """The vendor acting as its customer's Altinn system user, which Altinn lets read for the customer."""
        kunde = Systembruker(id=str(uuid.uuid4()), orgnr=customer)
        self.altinn.grant(kunde.id, customer)
        return _bearer(self.issuer.organisation_token(VENDOR, [Scope.SYKEPENGER.value], systembruker=kunde))


@asynccontextmanager
async def open_door(demo: Demo) -> AsyncIterator[Door]:
    with tempfile.TemporaryDirectory(prefix="sykmeldingsflyt-issuer-") as folder:
        issuer = DevIssuer(Path(folder))
        trusted = issuer.environment()
        altinn = AltinnTilgangsfil(Path(folder) / "altinn-tilganger.json")
        settings = GatewaySettings(
            jwks=trusted["SYKMELDINGSFLYT_JWKS"],
            issuer=issuer.issuer,
            audience=issuer.audience,
            altinn_tilganger=str(altinn.path),
        )
        app = create_app(settings, demo.runtime.kafka, demo.runtime.database.url.render_as_string(hide_password=False))
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http,
        ):
            yield Door(http, issuer, altinn)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
