"""HR vendors reading for their customers through /v1, as NAV's LPS API: Altinn decides for which
organisations, the feed runs by loepenr, is capped at 1,000 with a warning, and can be long-polled."""

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sykmeldingsflyt.domain.altinn import Systembruker
from sykmeldingsflyt.domain.varsel import Mottaker
from sykmeldingsflyt.gateway.altinn import AltinnTilgangsfil
from sykmeldingsflyt.gateway.auth import Scope
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import GatewayArbeidsgiverSykmelding, GatewayAudit
from tests.gateway.parties import employer, publish_varsler, sykmeldinger, varsel
from tests.gateway.support import HR_VENDOR, Tokens, eventually
from tests.support.inputs import send_nav
from tests.support.services import running

pytestmark = pytest.mark.integration

BAKERIET = employer("Bakeriet AS", "311000101", "311000004")
VERKSTEDET = employer("Verkstedet AS", "311000128", "311000136")


async def _post(client: httpx.AsyncClient, headers: dict[str, str], path: str, **body: Any) -> httpx.Response:
    return await client.post(path, json=body, headers=headers)


async def test_a_vendor_reads_its_customers_sykmeldinger_by_loepenr_with_withdrawals_and_pseudonyms(
    client: httpx.AsyncClient,
    tokens: Tokens,
    altinn: AltinnTilgangsfil,
    kafka_settings: KafkaSettings,
    database: Database,
) -> None:
    first, second = sykmeldinger(random.Random(81), 2, "CANARY-lps")
    altinn.grant(BAKERIET.systembruker.id, BAKERIET.juridisk)
    hr = tokens.lps(BAKERIET.systembruker)
    async with running(kafka_settings, database, Personvern, GatewayReadModel) as runtime:
        await send_nav(kafka_settings, runtime, first, second)
        for received in (first, second):
            path = f"/sykmeldt/v1/sykmeldinger/{received.sykmelding.id}/status"
            headers = tokens.person(received.pasient_fnr)
            sent = await eventually(lambda: client.post(path, json=BAKERIET.sendt, headers=headers), 202)  # noqa: B023
            assert sent.status_code == 202, sent.text
            one = f"/v1/sykmelding/{received.sykmelding.id}"
            assert (await eventually(lambda: client.get(one, headers=hr))).status_code == 200  # noqa: B023
        withdraw = f"/sykmeldt/v1/sykmeldinger/{first.sykmelding.id}/status"
        avbrutt = await client.post(withdraw, json={"statusEvent": "AVBRUTT"}, headers=tokens.person(first.pasient_fnr))
        assert avbrutt.status_code == 202, avbrutt.text
        gone = await eventually(lambda: client.get(f"/v1/sykmelding/{first.sykmelding.id}", headers=hr), 404)

        everything = (await _post(client, hr, "/v1/sykmeldinger", orgnr=BAKERIET.juridisk)).json()
        after_first = await _post(
            client, hr, "/v1/sykmeldinger", orgnr=BAKERIET.juridisk, fraLoepenr=everything[0]["loepenr"]
        )
        by_fnr = await _post(client, hr, "/v1/sykmeldinger", orgnr=BAKERIET.juridisk, fnr=second.pasient_fnr)
        today = datetime.now(UTC).date()
        tomorrow = await _post(client, hr, "/v1/sykmeldinger", orgnr=BAKERIET.juridisk, fom=str(today + timedelta(1)))
        single = await client.get(f"/v1/sykmelding/{second.sykmelding.id}", headers=hr)

    assert gone.json()["code"] == "NOT_FOUND", gone.text
    assert [(e["sykmeldingId"], e["status"]) for e in everything] == [
        (second.sykmelding.id, "SENDT"),
        (first.sykmelding.id, "TRUKKET"),
    ]
    assert everything[0]["loepenr"] < everything[1]["loepenr"]
    assert everything[1]["sykmelding"] is None
    assert [e["sykmeldingId"] for e in after_first.json()] == [first.sykmelding.id]
    assert [e["sykmeldingId"] for e in by_fnr.json()] == [second.sykmelding.id]
    assert tomorrow.json() == []
    assert single.json() == everything[0]
    # The employee is a pseudonym at this employer: not the fnr, not NAV's reference.
    pseudonyms = {e["ansattRef"] for e in everything}
    assert len(pseudonyms) == 2 and None not in pseudonyms
    assert not any(received.pasient_fnr in str(everything) for received in (first, second))
    async with database.session() as session:
        audited = list(
            await session.scalars(select(GatewayAudit).where(GatewayAudit.actor == f"{HR_VENDOR}/{BAKERIET.juridisk}"))
        )
    assert {a.resource_id for a in audited} == {first.sykmelding.id, second.sykmelding.id}


async def test_altinn_decides_and_refusals_say_nothing_of_what_exists(
    client: httpx.AsyncClient, tokens: Tokens, altinn: AltinnTilgangsfil, database: Database
) -> None:
    altinn.grant(BAKERIET.systembruker.id, BAKERIET.juridisk)
    async with database.session.begin() as session:
        session.add(
            GatewayArbeidsgiverSykmelding(
                sykmelding_id=(hidden := str(uuid.uuid4())),
                orgnummer=VERKSTEDET.virksomhet,
                juridisk_orgnummer=VERKSTEDET.juridisk,
                view=None,
                updated_at=datetime.now(UTC),
            )
        )
    hr = tokens.lps(BAKERIET.systembruker)
    not_granted = await _post(client, hr, "/v1/sykmeldinger", orgnr=VERKSTEDET.juridisk)
    varsler_not_granted = await _post(client, hr, "/v1/varsler", orgnr=VERKSTEDET.virksomhet)
    other = await client.get(f"/v1/sykmelding/{hidden}", headers=hr)
    missing = await client.get(f"/v1/sykmelding/{uuid.uuid4()}", headers=hr)
    plain = tokens.organisation(HR_VENDOR, Scope.SYKEPENGER)
    without_systembruker = await _post(client, plain, "/v1/sykmeldinger", orgnr=BAKERIET.juridisk)
    wrong_scope = await _post(client, tokens.hr(BAKERIET.juridisk), "/v1/sykmeldinger", orgnr=BAKERIET.juridisk)
    stranger = tokens.lps(Systembruker(id=str(uuid.uuid4()), orgnr=BAKERIET.juridisk))
    unknown_user = await _post(client, stranger, "/v1/sykmeldinger", orgnr=BAKERIET.juridisk)
    bad_filter = await _post(client, hr, "/v1/sykmeldinger", orgnr="123", fraLoepenr=-1, sortering="x")

    assert [(r.status_code, r.json()["code"]) for r in (not_granted, varsler_not_granted, unknown_user)] == [
        (401, "IKKE_TILGANG_TIL_RESSURS")
    ] * 3
    assert other.status_code == missing.status_code == 404 and other.json() == missing.json()
    assert (without_systembruker.status_code, without_systembruker.json()["code"]) == (403, "SYSTEMBRUKER_REQUIRED")
    assert (wrong_scope.status_code, wrong_scope.json()["code"]) == (403, "INSUFFICIENT_SCOPE")
    assert bad_filter.status_code == 422
    assert {e["field"] for e in bad_filter.json()["errors"]} == {"orgnr", "fraLoepenr", "sortering"}


async def test_an_answer_holds_at_most_1000_and_says_so(
    client: httpx.AsyncClient, tokens: Tokens, altinn: AltinnTilgangsfil, database: Database
) -> None:
    altinn.grant(BAKERIET.systembruker.id, BAKERIET.virksomhet)
    now = datetime.now(UTC)
    async with database.session.begin() as session:
        session.add_all(
            GatewayArbeidsgiverSykmelding(
                sykmelding_id=str(uuid.uuid4()),
                orgnummer=BAKERIET.virksomhet,
                juridisk_orgnummer=BAKERIET.juridisk,
                view=None,
                updated_at=now,
            )
            for _ in range(1001)
        )
    hr = tokens.lps(BAKERIET.systembruker)
    first = await _post(client, hr, "/v1/sykmeldinger", orgnr=BAKERIET.virksomhet)
    rest = await _post(
        client, hr, "/v1/sykmeldinger", orgnr=BAKERIET.virksomhet, fraLoepenr=first.json()[-1]["loepenr"]
    )

    assert (len(first.json()), first.headers.get("X-Warning-limit-reached")) == (1000, "1000")
    assert (len(rest.json()), rest.headers.get("X-Warning-limit-reached")) == (1, None)


async def test_a_long_poll_answers_as_soon_as_something_arrives(
    client: httpx.AsyncClient, tokens: Tokens, altinn: AltinnTilgangsfil, database: Database
) -> None:
    altinn.grant(BAKERIET.systembruker.id, BAKERIET.virksomhet)
    hr = tokens.lps(BAKERIET.systembruker)
    arriving = str(uuid.uuid4())

    async def arrive() -> None:
        await asyncio.sleep(1.0)
        async with database.session.begin() as session:
            session.add(
                GatewayArbeidsgiverSykmelding(
                    sykmelding_id=arriving,
                    orgnummer=BAKERIET.virksomhet,
                    juridisk_orgnummer=BAKERIET.juridisk,
                    view=None,
                    updated_at=datetime.now(UTC),
                )
            )

    waiting = {**hr, "Prefer": "wait=20"}
    answered, _ = await asyncio.gather(_post(client, waiting, "/v1/sykmeldinger", orgnr=BAKERIET.virksomhet), arrive())
    nothing_new = await _post(
        client, {**hr, "Prefer": "wait=1"}, "/v1/sykmeldinger", orgnr=BAKERIET.virksomhet, fraLoepenr=10**9
    )

    assert [e["sykmeldingId"] for e in answered.json()] == [arriving]
    assert nothing_new.json() == []


async def test_varsler_reach_the_employer_and_the_employee_each_by_their_own_door(
    client: httpx.AsyncClient,
    tokens: Tokens,
    altinn: AltinnTilgangsfil,
    kafka_settings: KafkaSettings,
    database: Database,
) -> None:
    (received,) = sykmeldinger(random.Random(82), 1, "CANARY-varsel")
    altinn.grant(BAKERIET.systembruker.id, BAKERIET.juridisk)
    altinn.grant(VERKSTEDET.systembruker.id, VERKSTEDET.virksomhet)
    async with running(kafka_settings, database, Personvern, GatewayReadModel) as runtime:
        key = runtime.settings.pseudonym_key
        to_bakeriet = varsel(received, BAKERIET.virksomhet, key, Mottaker.ARBEIDSGIVER)
        to_verkstedet = varsel(received, VERKSTEDET.virksomhet, key, Mottaker.ARBEIDSGIVER)
        to_employee = varsel(received, BAKERIET.virksomhet, key, Mottaker.ARBEIDSTAKER)
        await send_nav(kafka_settings, runtime, received)
        path = f"/sykmeldt/v1/sykmeldinger/{received.sykmelding.id}/status"
        headers = tokens.person(received.pasient_fnr)
        await eventually(lambda: client.post(path, json=BAKERIET.sendt, headers=headers), 202)
        await publish_varsler(kafka_settings, runtime, to_bakeriet, to_verkstedet, to_employee)
        employee = tokens.person(received.pasient_fnr)
        own = await eventually(lambda: client.get("/sykmeldt/v1/varsler", headers=employee))
        while not own.json()["varsler"]:
            own = await client.get("/sykmeldt/v1/varsler", headers=employee)
        bakeriet = tokens.lps(BAKERIET.systembruker)
        waiting = {**bakeriet, "Prefer": "wait=20"}
        hers = await _post(client, waiting, "/v1/varsler", orgnr=BAKERIET.juridisk)
        theirs = await _post(
            client,
            {**tokens.lps(VERKSTEDET.systembruker), "Prefer": "wait=20"},
            "/v1/varsler",
            orgnr=VERKSTEDET.virksomhet,
        )
        sent = await _post(client, bakeriet, "/v1/sykmeldinger", orgnr=BAKERIET.juridisk)
        someone = await client.get("/sykmeldt/v1/varsler", headers=tokens.person("17857233115"))

    assert [v["varsel"]["id"] for v in hers.json()] == [to_bakeriet.id]
    assert [v["varsel"]["id"] for v in theirs.json()] == [to_verkstedet.id]
    assert [v["id"] for v in own.json()["varsler"]] == [to_employee.id]
    assert someone.json()["varsler"] == []
    # One person, two employers: each knows them by a pseudonym of its own, the same on sykmelding and varsel.
    at_bakeriet, at_verkstedet = hers.json()[0]["varsel"]["ansattRef"], theirs.json()[0]["varsel"]["ansattRef"]
    assert at_bakeriet == sent.json()[0]["ansattRef"]
    assert at_bakeriet != at_verkstedet
    assert to_bakeriet.person_ref not in hers.text + theirs.text + sent.text
    assert "personRef" not in own.text
