"""Proof that each outside party's doors show its own and not one byte of another's.

Organisation B's employees and clinic B's patients are planted with canaries and their own ids; then the
HR client of organisation A and the EPJ of clinic A knock on every door they have, rightly and wrongly
(B's ids, B's orgnr, a filter on B's employee, a bad filter, a long poll), and every answer, 4xx included,
body and headers, is searched for anything of B's. A's own canaries in A's answers, and B's in B's, show
that the search finds what is there.
"""

import random
from collections.abc import Iterable
from datetime import UTC, datetime

import httpx
import pytest

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.pseudonym import ansatt_ref, person_ref
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.domain.varsel import Mottaker, Varsel
from sykmeldingsflyt.gateway.altinn import AltinnTilgangsfil
from sykmeldingsflyt.gateway.auth import Scope
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.storage.database import Database
from tests.gateway.parties import (
    Employer,
    dialogmelding,
    employer,
    publish_dialogmeldinger,
    publish_varsler,
    sykmeldinger,
    varsel,
)
from tests.gateway.support import EPJ_ORGNR, OTHER_CLINIC, Tokens, eventually
from tests.support.inputs import send_nav
from tests.support.services import running

pytestmark = pytest.mark.integration

A = employer("Bakeriet AS", "311000101", "311000004")
B = employer("Verkstedet AS", "311000128", "311000136")
HER_A, HER_B = "900001", "900002"


def _text(response: httpx.Response) -> str:
    return "\n".join((str(response.status_code), *(f"{k}: {v}" for k, v in response.headers.items()), response.text))


def _secrets_of(received: Iterable[ReceivedSykmelding], varsler: Iterable[Varsel], orgnr: str, key: bytes) -> set[str]:
    secrets: set[str] = set()
    for sykmelding in received:
        person = person_ref(sykmelding.pasient_fnr, key)
        secrets |= {sykmelding.sykmelding.id, sykmelding.msg_id, sykmelding.pasient_fnr, person}
        secrets.add(ansatt_ref(orgnr, person, key))
    for notice in varsler:
        secrets |= {notice.id, notice.tilfelle_id}
    return secrets


async def _send_all(client: httpx.AsyncClient, tokens: Tokens, to: Employer, *received: ReceivedSykmelding) -> None:
    for sykmelding in received:
        path = f"/sykmeldt/v1/sykmeldinger/{sykmelding.sykmelding.id}/status"
        headers = tokens.person(sykmelding.pasient_fnr)
        sent = await eventually(lambda: client.post(path, json=to.sendt, headers=headers), 202)  # noqa: B023
        assert sent.status_code == 202, sent.text


async def test_an_hr_client_of_a_receives_nothing_about_bs_employees_through_any_door(
    client: httpx.AsyncClient,
    tokens: Tokens,
    altinn: AltinnTilgangsfil,
    kafka_settings: KafkaSettings,
    database: Database,
) -> None:
    rng = random.Random(101)
    mine, theirs = sykmeldinger(rng, 3, "CANARY-A"), sykmeldinger(rng, 3, "CANARY-B")
    altinn.grant(A.systembruker.id, A.virksomhet, A.juridisk)
    altinn.grant(B.systembruker.id, B.virksomhet, B.juridisk)
    hr_a, hr_b = tokens.lps(A.systembruker), tokens.lps(B.systembruker)
    async with running(kafka_settings, database, Personvern, GatewayReadModel) as runtime:
        key = runtime.settings.pseudonym_key
        varsler_a = [varsel(s, A.virksomhet, key, Mottaker.ARBEIDSGIVER) for s in mine]
        varsler_b = [varsel(s, B.virksomhet, key, Mottaker.ARBEIDSGIVER) for s in theirs]
        varsler_b += [varsel(s, B.virksomhet, key, Mottaker.ARBEIDSTAKER) for s in theirs]
        await send_nav(kafka_settings, runtime, *mine, *theirs)
        await _send_all(client, tokens, A, *mine)
        await _send_all(client, tokens, B, *theirs)
        await publish_varsler(kafka_settings, runtime, *varsler_a, *varsler_b)
        for token, org, count in ((hr_a, A, len(mine)), (hr_b, B, len(theirs))):
            for _ in range(150):
                varsler = await client.post("/v1/varsler", json={"orgnr": org.juridisk}, headers=token)
                feed = await client.post("/v1/sykmeldinger", json={"orgnr": org.juridisk}, headers=token)
                if len(varsler.json()) == len(feed.json()) == count:
                    break

        b_ids = [s.sykmelding.id for s in theirs]
        answers = [
            await client.post("/v1/sykmeldinger", json={"orgnr": A.juridisk}, headers=hr_a),
            await client.post("/v1/sykmeldinger", json={"orgnr": A.virksomhet, "fraLoepenr": 1}, headers=hr_a),
            await client.post(
                "/v1/sykmeldinger", json={"orgnr": A.juridisk, "fnr": theirs[0].pasient_fnr}, headers=hr_a
            ),
            await client.post("/v1/sykmeldinger", json={"orgnr": B.juridisk}, headers=hr_a),
            await client.post("/v1/sykmeldinger", json={"orgnr": B.virksomhet, "fraLoepenr": -1}, headers=hr_a),
            await client.post(
                "/v1/sykmeldinger",
                json={"orgnr": A.juridisk, "fraLoepenr": 10**9},
                headers={**hr_a, "Prefer": "wait=1"},
            ),
            *[await client.get(f"/v1/sykmelding/{sykmelding_id}", headers=hr_a) for sykmelding_id in b_ids],
            *[await client.get(f"/v1/sykmelding/{s.sykmelding.id}", headers=hr_a) for s in mine],
            await client.post("/v1/varsler", json={"orgnr": A.juridisk}, headers=hr_a),
            await client.post("/v1/varsler", json={"orgnr": A.virksomhet}, headers={**hr_a, "Prefer": "wait=1"}),
            await client.post("/v1/varsler", json={"orgnr": B.virksomhet}, headers=hr_a),
            await client.post("/v1/varsler", json={"orgnr": A.juridisk, "tilfelleId": "x"}, headers=hr_a),
            # The organisation's own doors, with its own Maskinporten token.
            await client.get("/arbeidsgiver/v1/sykmeldinger", headers=tokens.hr(A.juridisk)),
            *[
                await client.get(f"/arbeidsgiver/v1/sykmeldinger/{sykmelding_id}", headers=tokens.hr(A.juridisk))
                for sykmelding_id in b_ids
            ],
            # Doors that are not the employer's.
            await client.get("/sykmeldt/v1/varsler", headers=tokens.organisation(A.juridisk, Scope.SYKEPENGER)),
            await client.get("/epj/v1/dialogmeldinger", headers=hr_a),
        ]
        controls = [await client.post("/v1/sykmeldinger", json={"orgnr": B.juridisk}, headers=hr_b)]
        controls.append(await client.post("/v1/varsler", json={"orgnr": B.juridisk}, headers=hr_b))
        secrets_b = _secrets_of(theirs, varsler_b, B.virksomhet, key) | {"CANARY-B"}
        secrets_a = _secrets_of(mine, varsler_a, A.virksomhet, key) - {s.pasient_fnr for s in mine}

    seen_by_a = "\n".join(map(_text, answers))
    assert {secret for secret in secrets_b if secret in seen_by_a} == set()
    # The search finds what is there: A's own in A's answers, B's in B's.
    assert "CANARY-A" in seen_by_a and all(s.sykmelding.id in seen_by_a for s in mine)
    assert {v.id for v in varsler_a} <= {secret for secret in secrets_a if secret in seen_by_a}
    seen_by_b = "\n".join(map(_text, controls))
    assert "CANARY-B" in seen_by_b and all(sykmelding_id in seen_by_b for sykmelding_id in b_ids)
    assert {r.status_code for r in answers} >= {200, 401, 403, 404, 422}


async def test_an_epj_of_clinic_a_receives_nothing_about_clinic_bs_patients(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(102)
    today = datetime.now(UTC).date()
    ours = [synthetic.make_sykmelding(rng, fom=today) for _ in range(2)]
    others = [synthetic.make_sykmelding(rng, fom=today, legekontor_orgnr=OTHER_CLINIC) for _ in range(2)]
    plans_a = [dialogmelding(s, HER_A, "CANARY-A") for s in ours]
    plans_b = [dialogmelding(s, HER_B, "CANARY-B") for s in others]
    epj_a, epj_b = tokens.clinic(HER_A, EPJ_ORGNR), tokens.clinic(HER_B, OTHER_CLINIC)
    async with running(kafka_settings, database, Mottak, GatewayReadModel) as runtime:
        for sykmelding, token in [*((s, epj_a) for s in ours), *((s, epj_b) for s in others)]:
            body = sykmelding.model_dump(mode="json", by_alias=True)
            assert (await client.post("/epj/v1/sykmeldinger", json=body, headers=token)).status_code == 202
        await publish_dialogmeldinger(kafka_settings, runtime, *plans_a, *plans_b)
        for sykmelding, token in [(ours[-1], epj_a), (others[-1], epj_b)]:
            await eventually(lambda: client.get(f"/epj/v1/kvitteringer/{sykmelding.msg_id}", headers=token))  # noqa: B023
        for token in (epj_a, epj_b):
            for _ in range(150):
                if len((await client.get("/epj/v1/dialogmeldinger", headers=token)).json()["dialogmeldinger"]) == 2:
                    break

        answers = [
            *[await client.get(f"/epj/v1/kvitteringer/{s.msg_id}", headers=epj_a) for s in (*ours, *others)],
            await client.get("/epj/v1/dialogmeldinger", headers=epj_a),
            await client.get("/epj/v1/dialogmeldinger", params={"limit": 1}, headers=epj_a),
            await client.get("/epj/v1/dialogmeldinger", params={"cursor": "x!"}, headers=epj_a),
            await client.get("/epj/v1/dialogmeldinger", headers=tokens.epj(EPJ_ORGNR)),
            await client.get("/v1/sykmelding/" + others[0].sykmelding.id, headers=epj_a),
        ]
        control = await client.get("/epj/v1/dialogmeldinger", headers=epj_b)

    seen_by_a = "\n".join(map(_text, answers))
    secrets_b = {"CANARY-B", *(s.pasient_fnr for s in others), *(s.msg_id for s in others)}
    secrets_b |= {p.dialogmelding_id for p in plans_b} | {p.plan_uuid for p in plans_b}
    assert {secret for secret in secrets_b if secret in seen_by_a} == set()
    assert "CANARY-A" in seen_by_a and all(s.msg_id in seen_by_a for s in ours)
    assert "CANARY-B" in control.text and all(s.pasient_fnr in control.text for s in others)
    assert {r.status_code for r in answers} >= {200, 403, 404, 422}
