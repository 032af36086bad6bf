"""The README's example HR client, against the real gateway on a real port in front of the real broker: it
reads its customer's own, resumes from its stored loepenr, learns of withdrawals, and follows by long-polling."""

import asyncio
import random
from pathlib import Path

import httpx
import pytest
from examples.hr_arbeidsgiver_consumer import Lager, client_for, read_sykmeldinger, read_varsler, run
from fastapi import FastAPI

from sykmeldingsflyt.domain.varsel import Mottaker
from sykmeldingsflyt.gateway.altinn import AltinnTilgangsfil
from sykmeldingsflyt.gateway.app import create_app
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.storage.database import Database
from tests.gateway.parties import Employer, employer, publish_varsler, sykmeldinger, varsel
from tests.gateway.support import Tokens, eventually, url_of
from tests.support.asgi import serving
from tests.support.inputs import send_nav
from tests.support.services import running

pytestmark = pytest.mark.integration

KUNDE = employer("Bakeriet AS", "311000101", "311000004")
ANDRE = employer("Verkstedet AS", "311000128", "311000136")


async def _send(http: httpx.AsyncClient, tokens: Tokens, received_id: str, fnr: str, to: Employer | None) -> None:
    body = {"statusEvent": "AVBRUTT"} if to is None else to.sendt
    path = f"/sykmeldt/v1/sykmeldinger/{received_id}/status"
    response = await eventually(lambda: http.post(path, json=body, headers=tokens.person(fnr)), 202)
    assert response.status_code == 202, response.text


async def _settled(http: httpx.AsyncClient, hr: dict[str, str], *entries: tuple[str, str]) -> None:
    """Until the feed holds every one of `entries` and a varsel. The sykmeldinger lie on different partitions,
    so one withdrawal seen says nothing of another sykmelding's view."""
    for _ in range(300):
        sykmeldinger = (await http.post("/v1/sykmeldinger", json={"orgnr": KUNDE.juridisk}, headers=hr)).json()
        varsler = (await http.post("/v1/varsler", json={"orgnr": KUNDE.juridisk}, headers=hr)).json()
        if set(entries) <= {(e["sykmeldingId"], e["status"]) for e in sykmeldinger} and varsler:
            return
        await asyncio.sleep(0.5)
    raise AssertionError("the read model did not catch up")


async def test_the_example_client_reads_its_own_resumes_and_follows(  # noqa: PLR0917
    tokens: Tokens,
    altinn: AltinnTilgangsfil,
    gateway_settings: GatewaySettings,
    kafka_settings: KafkaSettings,
    database: Database,
    tmp_path: Path,
) -> None:
    kept, withdrawn, elsewhere, later = sykmeldinger(random.Random(91), 4, "CANARY-example")
    altinn.grant(KUNDE.systembruker.id, KUNDE.juridisk)
    token = tokens.lps(KUNDE.systembruker)["Authorization"].removeprefix("Bearer ")
    state = tmp_path / "state.json"
    app: FastAPI = create_app(gateway_settings, kafka_settings, url_of(database))
    async with (
        running(kafka_settings, database, Personvern, GatewayReadModel) as runtime,
        serving(app) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        await send_nav(kafka_settings, runtime, kept, withdrawn, elsewhere, later)
        await _send(http, tokens, kept.sykmelding.id, kept.pasient_fnr, KUNDE)
        await _send(http, tokens, withdrawn.sykmelding.id, withdrawn.pasient_fnr, KUNDE)
        await _send(http, tokens, elsewhere.sykmelding.id, elsewhere.pasient_fnr, ANDRE)
        await _send(http, tokens, withdrawn.sykmelding.id, withdrawn.pasient_fnr, None)
        notice = varsel(kept, KUNDE.virksomhet, runtime.settings.pseudonym_key, Mottaker.ARBEIDSGIVER)
        await publish_varsler(kafka_settings, runtime, notice)
        # Wait until the read model has the kept view, the withdrawal and the varsel: then the first run sees
        # the final state.
        await _settled(
            http,
            tokens.lps(KUNDE.systembruker),
            (kept.sykmelding.id, "SENDT"),
            (withdrawn.sykmelding.id, "TRUKKET"),
        )

        first = await run(url, token, KUNDE.juridisk, state, follow=False)
        resumed = Lager.load(state)
        async with client_for(url, token) as client:
            nothing_new = await read_sykmeldinger(client, KUNDE.juridisk, resumed)
            no_new_varsler = await read_varsler(client, KUNDE.juridisk, resumed)
            followed, _ = await asyncio.gather(
                read_sykmeldinger(client, KUNDE.juridisk, resumed, wait=20),
                _send(http, tokens, later.sykmelding.id, later.pasient_fnr, KUNDE),
            )

    assert list(first.sykmeldinger) == [kept.sykmelding.id]
    assert [v["id"] for v in first.varsler.values()] == [notice.id]
    assert first.varsler[notice.id]["ansattRef"] == first.sykmeldinger[kept.sykmelding.id]["ansattRef"]
    assert (nothing_new, no_new_varsler) == (0, 0)
    assert followed == 1 and set(resumed.sykmeldinger) == {kept.sykmelding.id, later.sykmelding.id}
    assert elsewhere.sykmelding.id not in state.read_text()
