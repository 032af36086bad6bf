"""Scene 5: an HR system without a Kafka client fetches its sykmeldinger from the HTTP gateway.

The gateway runs in this process (the same application `sykmeldingsflyt gateway` serves), trusting a
development issuer whose tokens have Maskinporten's shape. The HR system acts for the legal entity,
so it finds what was sent to the bakery's sub-unit too. Then its vendor reads the same through NAV's LPS
shape as the customer's Altinn system user (Altinn's answers from the operator's file here), and is refused
for an organisation the system user was not given.
"""

import asyncio

import httpx

from sykmeldingsflyt.demo.door import VENDOR, open_door
from sykmeldingsflyt.demo.parties import Demo
from sykmeldingsflyt.gateway.auth import Scope
from sykmeldingsflyt.gateway.models import ArbeidsgiverSykmeldingFeed
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER


async def play(demo: Demo) -> None:
    async with open_door(demo) as door:
        juridisk = DEMO_ARBEIDSGIVER.juridisk_orgnummer
        hr = door.organisation(juridisk, Scope.ARBEIDSGIVER_READ)
        demo.heading(f"{DEMO_ARBEIDSGIVER.org_navn}'s HR system asks the gateway over HTTPS (no Kafka client)")
        demo.out(f"  GET /arbeidsgiver/v1/sykmeldinger   (Maskinporten token for {juridisk})")
        feed = await _feed(door.http, hr, expected=2)
        for entry in feed.sykmeldinger:
            perioder = entry.sykmelding.sykmeldingsperioder if entry.sykmelding else []
            when = ", ".join(f"{periode.fom}..{periode.tom}" for periode in perioder)
            demo.out(f"    {entry.sykmelding_id}: {entry.status.value} {when}")
        anonymous = await door.http.get("/arbeidsgiver/v1/sykmeldinger")
        demo.out(f"  the same without a token: {anonymous.status_code} {anonymous.json().get('code')}")

        lps = door.lps(juridisk)
        demo.out(f"  its vendor ({VENDOR}) as the customer's Altinn system user: POST /v1/sykmeldinger")
        entries = await door.http.post("/v1/sykmeldinger", json={"orgnr": juridisk}, headers=lps)
        for entry in entries.json():
            demo.out(f"    loepenr {entry['loepenr']}: {entry['sykmeldingId']} {entry['status']}")
        other = await door.http.post("/v1/sykmeldinger", json={"orgnr": "311000128"}, headers=lps)
        demo.out(f"  for an organisation Altinn did not give it: {other.status_code} {other.json().get('code')}")


async def _feed(
    http: httpx.AsyncClient, headers: dict[str, str], expected: int, timeout: float = 30.0
) -> ArbeidsgiverSykmeldingFeed:
    """The feed once the read model has caught up with the topics (it follows them asynchronously)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await http.get("/arbeidsgiver/v1/sykmeldinger", headers=headers)
        response.raise_for_status()
        feed = ArbeidsgiverSykmeldingFeed.model_validate(response.json())
        if len(feed.sykmeldinger) >= expected or asyncio.get_running_loop().time() > deadline:
            return feed
        await asyncio.sleep(0.2)
