"""Proof across every channel: sykmeldinger with a canary in every medical field go in through both EPJ
doors (Kafka and HTTP), through mottak, personvern, oppfolging, oppgave and the gateway, and out through
every door; then every topic's keys, values and headers (every dead-letter topic too), the log lines of
every service and every HTTP answer, 4xx and 5xx included, are searched.

Medical canaries may be only where the medical content belongs: the EPJ's own inbound topic and NAV's
topic, which must show every one of them (the positive control). No fnr may be a key, a header, a log
line or an answer to anyone but the fastlege's clinic (whose dialogmelding is about its patient).
"""

import io
import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.sykmelding import ICPC2_SYSTEM, Diagnose, ReceivedSykmelding
from sykmeldingsflyt.gateway.altinn import AltinnTilgangsfil
from sykmeldingsflyt.gateway.app import create_app
from sykmeldingsflyt.gateway.auth import Scope
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import NAV_SYKMELDING, SYKMELDING_FRA_EPJ, catalogue
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.oppfolging import Oppfolging
from sykmeldingsflyt.services.oppgave import OppgaveService
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.storage.database import Database
from tests.gateway.parties import employer
from tests.gateway.support import NAV_ORGNR, Tokens, employ, eventually, url_of
from tests.support.kafka import Received, produce, read_topic
from tests.support.services import running
from tests.unit.test_privacy_canaries import Canaries, canaries_for, with_hidden

pytestmark = pytest.mark.integration

CANARY = "CANARY["
CODES = ("L87", "P76")
ARBEIDSGIVER = employer(
    synthetic.DEMO_ARBEIDSGIVER.org_navn,
    synthetic.DEMO_ARBEIDSGIVER.orgnummer,
    synthetic.DEMO_ARBEIDSGIVER.juridisk_orgnummer,
)
ENTITLED = {SYKMELDING_FRA_EPJ.name, NAV_SYKMELDING.name}


def canaried(rng: random.Random) -> ReceivedSykmelding:
    """A sykmelding intake accepts, with a canary in every medical field (the envelope kept real, so it
    gets through; diagnosis codes real too, their texts canaries)."""
    base = synthetic.make_sykmelding(rng, fom=datetime.now(UTC).date())
    hidden = canaries_for(base, Canaries())
    sykmelding = base.sykmelding
    vurdering = hidden.medisinsk_vurdering
    hidden = replace(
        hidden,
        msg_id=base.msg_id,
        avsender_hpr=base.avsender_hpr,
        legekontor_orgnr=base.legekontor_orgnr,
        legekontor_her_id=base.legekontor_her_id,
        ruleset_version=base.ruleset_version,
        behandler_hpr=sykmelding.behandler.hpr,
        behandler_her=sykmelding.behandler.her,
        avsender_versjon=sykmelding.avsender_system.versjon,
        navn_fastlege=sykmelding.navn_fastlege,
        medisinsk_vurdering=vurdering.model_copy(
            update={
                "hoved_diagnose": Diagnose(system=ICPC2_SYSTEM, kode=CODES[0], tekst=f"{CANARY}hovedDiagnose]"),
                "bi_diagnoser": [Diagnose(system=ICPC2_SYSTEM, kode=CODES[1], tekst=f"{CANARY}biDiagnose]")],
            }
        ),
    )
    return with_hidden(base, hidden)


def _answer(response: httpx.Response) -> str:
    head = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    return "\n".join((head, *(f"{k}: {v}" for k, v in response.headers.items()), response.text))


async def test_no_medical_canary_or_fnr_leaves_where_it_belongs(  # noqa: PLR0915, PLR0917
    gateway_app: FastAPI,
    tmp_path: Path,
    client: httpx.AsyncClient,
    tokens: Tokens,
    altinn: AltinnTilgangsfil,
    gateway_settings: GatewaySettings,
    kafka_settings: KafkaSettings,
    database: Database,
) -> None:
    rng = random.Random(111)
    by_kafka, by_http = [canaried(rng) for _ in range(2)], [canaried(rng) for _ in range(2)]
    received = [*by_kafka, *by_http]
    assert all(CANARY in s.model_dump_json() for s in received)
    fnrs = {s.pasient_fnr for s in received} | {s.sykmelding.behandler.fnr for s in received}
    altinn.grant(ARBEIDSGIVER.systembruker.id, ARBEIDSGIVER.virksomhet, ARBEIDSGIVER.juridisk)
    hr, lps = tokens.hr(ARBEIDSGIVER.virksomhet), tokens.lps(ARBEIDSGIVER.systembruker)
    clinic = tokens.clinic(synthetic.DEMO_LEGEKONTOR.her_id)
    logged = io.StringIO()
    configure_logging("DEBUG", stream=logged)
    answers: list[httpx.Response] = []
    to_clinic: list[httpx.Response] = []

    async def call(method: str, path: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
        response = await client.request(method, path, headers=headers, **kwargs)
        answers.append(response)
        return response

    kept = received[0]
    registre = employ(
        gateway_app, tmp_path / "registers", (kept.pasient_fnr, ARBEIDSGIVER.virksomhet, ARBEIDSGIVER.juridisk)
    )
    services = (Mottak, Personvern, Oppfolging, OppgaveService, GatewayReadModel)
    async with running(kafka_settings, database, *services, registre=registre) as runtime:
        inbound = runtime.topics.name(SYKMELDING_FRA_EPJ)
        poison = (uuid.uuid4().bytes, b"\xc3\x01not avro " + f"{CANARY}poison] {received[0].pasient_fnr}".encode())
        await produce(
            kafka_settings,
            inbound,
            [(s.msg_id.encode(), contracts.encode(runtime.codec, s, inbound)) for s in by_kafka] + [poison],
        )
        for sykmelding in by_http:
            body = sykmelding.model_dump(mode="json", by_alias=True)
            assert (await call("POST", "/epj/v1/sykmeldinger", tokens.epj(), json=body)).status_code == 202
        broken = by_http[0].model_dump(mode="json", by_alias=True) | {"pasientFnr": "12345678901"}
        await call("POST", "/epj/v1/sykmeldinger", tokens.epj(), json=broken)
        await call("POST", "/epj/v1/sykmeldinger", {}, json=broken)
        for sykmelding in received:
            path = f"/epj/v1/kvitteringer/{sykmelding.msg_id}"
            kvittering = await eventually(lambda: client.get(path, headers=tokens.epj()))  # noqa: B023
            answers.append(kvittering)
            assert kvittering.json()["status"] == "OK", kvittering.text

        for sykmelding in received:
            path = f"/sykmeldt/v1/sykmeldinger/{sykmelding.sykmelding.id}/status"
            person = tokens.person(sykmelding.pasient_fnr)
            answers.append(await eventually(lambda: client.post(path, json=ARBEIDSGIVER.sendt, headers=person), 202))  # noqa: B023
        withdrawn = received[-1]
        await call(
            "POST",
            f"/sykmeldt/v1/sykmeldinger/{withdrawn.sykmelding.id}/status",
            tokens.person(withdrawn.pasient_fnr),
            json={"statusEvent": "AVBRUTT"},
        )
        await call(
            "POST", f"/sykmeldt/v1/sykmeldinger/{uuid.uuid4()}/status", tokens.person(withdrawn.pasient_fnr), json={}
        )
        await eventually(lambda: client.get(f"/v1/sykmelding/{kept.sykmelding.id}", headers=lps))

        plan = synthetic.make_oppfolgingsplan(
            kept.pasient_fnr, runtime.clock.today(), needs_help_from_nav=True, needs_help_from_nav_description="Hjelp."
        )
        posted = await call(
            "POST", "/arbeidsgiver/v1/oppfolgingsplaner", hr, json=plan.model_dump(mode="json", by_alias=True)
        )
        answers.append(await eventually(lambda: client.get(posted.json()["location"], headers=hr)))
        for _ in range(150):
            dialog = await client.get("/epj/v1/dialogmeldinger", headers=clinic)
            if dialog.json()["dialogmeldinger"]:
                break
        to_clinic.append(dialog)

        await call("POST", "/v1/sykmeldinger", lps, json={"orgnr": ARBEIDSGIVER.juridisk})
        await call(
            "POST",
            "/v1/sykmeldinger",
            {**lps, "Prefer": "wait=1"},
            json={"orgnr": ARBEIDSGIVER.juridisk, "fraLoepenr": 10**9},
        )
        await call("POST", "/v1/sykmeldinger", lps, json={"orgnr": ARBEIDSGIVER.juridisk, "fnr": kept.pasient_fnr})
        await call("POST", "/v1/sykmeldinger", lps, json={"orgnr": "311000128"})
        await call("POST", "/v1/sykmeldinger", lps, json={"orgnr": kept.pasient_fnr, "fnr": "123"})
        for sykmelding in received:
            await call("GET", f"/v1/sykmelding/{sykmelding.sykmelding.id}", lps)
            await call("GET", f"/arbeidsgiver/v1/sykmeldinger/{sykmelding.sykmelding.id}", hr)
        await call("POST", "/v1/varsler", lps, json={"orgnr": ARBEIDSGIVER.virksomhet})
        await call("GET", "/arbeidsgiver/v1/sykmeldinger", hr)
        await call("GET", "/sykmeldt/v1/varsler", tokens.person(kept.pasient_fnr))
        await call("GET", "/nav/v1/oppgaver", tokens.organisation(NAV_ORGNR, Scope.NAV_READ))
        await call("GET", f"/epj/v1/kvitteringer/{uuid.uuid4()}", tokens.epj())
        await call("GET", "/epj/v1/dialogmeldinger", tokens.epj())
        # A 5xx: the gateway when Altinn does not answer.
        unreachable = gateway_settings.model_copy(update={"altinn_pdp_url": "http://127.0.0.1:9"})
        failing: FastAPI = create_app(unreachable, kafka_settings, url_of(database))
        async with (
            failing.router.lifespan_context(failing),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=failing), base_url="http://gateway") as other,
        ):
            answers.append(await other.post("/v1/sykmeldinger", json={"orgnr": ARBEIDSGIVER.juridisk}, headers=lps))

        names = {runtime.topics.name(topic): topic.name for topic in catalogue()}
        everything = await read_topic(kafka_settings, list(names), expected=0, timeout=120, settle=0)
        topics: dict[str, list[Received]] = {name: [] for name in names.values()}
        for message in everything:
            topics[names[message.topic]].append(message)

    # Every channel was exercised.
    assert {r.status_code for r in answers} >= {200, 202, 401, 403, 404, 422, 503}
    assert to_clinic[0].json()["dialogmeldinger"], to_clinic[0].text
    assert topics[f"{SYKMELDING_FRA_EPJ.name}.dlq"], "the poison message reached its dead-letter topic"
    # The positive controls: NAV has every canary, the logs are there and the search finds what is in them.
    nav = b"".join(m.value or b"" for m in topics[NAV_SYKMELDING.name])
    assert nav.count(CANARY.encode()) >= sum(s.model_dump_json().count(CANARY) for s in received)
    logs = logged.getvalue()
    assert len(logs.splitlines()) > 50 and '"mottak' in logs

    leaks: list[str] = []
    for name, messages in topics.items():
        for message in messages:
            keyed = (message.key or b"").decode(errors="replace")
            headers = repr(message.headers)
            if any(fnr in keyed or fnr in headers for fnr in fnrs) or CANARY in headers:
                leaks.append(f"{name}: fnr or canary in a key or header")
            if name not in ENTITLED and CANARY.encode() in (message.value or b""):
                leaks.append(f"{name}: a canary in the value")
    for line in logs.splitlines():
        if CANARY in line or any(fnr in line for fnr in fnrs) or any(code in line for code in CODES):
            leaks.append(f"log: {line[:200]}")
    for response in [*answers, *to_clinic]:
        text = _answer(response)
        if CANARY in text or any(f'"{code}"' in text for code in CODES):
            leaks.append(f"answer: {text[:200]}")
        if response not in to_clinic and any(fnr in text for fnr in fnrs):
            leaks.append(f"answer with an fnr: {text[:200]}")
    assert leaks == []
