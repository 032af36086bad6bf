"""Scene 5: an HR system without a Kafka client fetches its sykmeldinger from the HTTP gateway.

The gateway runs in this process (the same application `sykmeldingsflyt gateway` serves), trusting a
development issuer whose tokens have Maskinporten's shape. The HR system acts for the legal entity,
so it finds what was sent to the bakery's sub-unit too. Then its vendor reads the same through NAV's LPS
shape as the customer's Altinn system user (Altinn's answers from the operator's file here), and is refused
for an organisation the system user was not given.
"""

import asyncio
import tempfile
import uuid
from pathlib import Path

import httpx

from sykmeldingsflyt.demo.parties import Demo
from sykmeldingsflyt.domain.altinn import Systembruker
from sykmeldingsflyt.gateway.altinn import AltinnTilgangsfil
from sykmeldingsflyt.gateway.app import create_app
from sykmeldingsflyt.gateway.auth import Scope
from sykmeldingsflyt.gateway.devtokens import DevIssuer
from sykmeldingsflyt.gateway.models import ArbeidsgiverSykmeldingFeed
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER

VENDOR = "310000108"


async def play(demo: Demo) -> None:
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
        token = issuer.organisation_token(DEMO_ARBEIDSGIVER.juridisk_orgnummer, [Scope.ARBEIDSGIVER_READ.value])
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http,
        ):
            demo.heading(f"{DEMO_ARBEIDSGIVER.org_navn}'s HR system asks the gateway over HTTPS (no Kafka client)")
            demo.out(
                f"  GET /arbeidsgiver/v1/sykmeldinger   (Maskinporten token for {DEMO_ARBEIDSGIVER.juridisk_orgnummer})"
            )
            feed = await _feed(http, token, expected=2)
            for entry in feed.sykmeldinger:
                perioder = entry.sykmelding.sykmeldingsperioder if entry.sykmelding else []
                when = ", ".join(f"{periode.fom}..{periode.tom}" for periode in perioder)
                demo.out(f"    {entry.sykmelding_id}: {entry.status.value} {when}")
            anonymous = await http.get("/arbeidsgiver/v1/sykmeldinger")
            demo.out(f"  the same without a token: {anonymous.status_code} {anonymous.json().get('code')}")

            kunde = Systembruker(id=str(uuid.uuid4()), orgnr=DEMO_ARBEIDSGIVER.juridisk_orgnummer)
            altinn.grant(kunde.id, DEMO_ARBEIDSGIVER.juridisk_orgnummer)
            vendor = issuer.organisation_token(VENDOR, [Scope.SYKEPENGER.value], systembruker=kunde)
            lps = {"Authorization": f"Bearer {vendor}"}
            demo.out(f"  its vendor ({VENDOR}) as the customer's Altinn system user: POST /v1/sykmeldinger")
            entries = await http.post("/v1/sykmeldinger", json={"orgnr": kunde.orgnr}, headers=lps)
            for entry in entries.json():
                demo.out(f"    loepenr {entry['loepenr']}: {entry['sykmeldingId']} {entry['status']}")
            other = await http.post("/v1/sykmeldinger", json={"orgnr": "311000128"}, headers=lps)
            demo.out(f"  for an organisation Altinn did not give it: {other.status_code} {other.json().get('code')}")


async def _feed(
    http: httpx.AsyncClient, token: str, expected: int, timeout: float = 30.0
) -> ArbeidsgiverSykmeldingFeed:
    """The feed once the read model has caught up with the topics (it follows them asynchronously)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await http.get("/arbeidsgiver/v1/sykmeldinger", headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        feed = ArbeidsgiverSykmeldingFeed.model_validate(response.json())
        if len(feed.sykmeldinger) >= expected or asyncio.get_running_loop().time() > deadline:
            return feed
        await asyncio.sleep(0.2)
