"""The employer: the feed of sykmeldinger sent to it, by virksomhet or legal entity, and nothing else."""

import random
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import GatewayAudit
from tests.gateway.support import (
    EPJ_ORGNR,
    JURIDISK,
    OTHER_EMPLOYER,
    SENDT,
    VIRKSOMHET,
    Tokens,
    eventually,
    publish_nav_sykmelding,
)
from tests.support.services import running

pytestmark = pytest.mark.integration


async def _act(client: httpx.AsyncClient, tokens: Tokens, received: ReceivedSykmelding, body: dict[str, Any]) -> None:
    path = f"/sykmeldt/v1/sykmeldinger/{received.sykmelding.id}/status"
    response = await eventually(lambda: client.post(path, json=body, headers=tokens.person(received.pasient_fnr)), 202)
    assert response.status_code == 202, response.text


async def _feed(client: httpx.AsyncClient, headers: dict[str, str], cursor: str | None = None) -> dict[str, Any]:
    params = {"limit": "1"} | ({"cursor": cursor} if cursor else {})
    response = await client.get("/arbeidsgiver/v1/sykmeldinger", params=params, headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def test_the_employer_pages_through_what_was_sent_to_it_and_learns_of_withdrawals(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(31)
    today = datetime.now(UTC).date()
    first, second = synthetic.make_sykmelding(rng, fom=today), synthetic.make_sykmelding(rng, fom=today)
    hr = tokens.hr(JURIDISK)
    async with running(kafka_settings, database, Personvern, GatewayReadModel) as runtime:
        for received in (first, second):
            await publish_nav_sykmelding(kafka_settings, runtime, received)
        await _act(client, tokens, first, SENDT)
        one = f"/arbeidsgiver/v1/sykmeldinger/{first.sykmelding.id}"
        view = await eventually(lambda: client.get(one, headers=hr))
        await _act(client, tokens, second, SENDT)
        # Different sykmeldinger may be on different partitions: wait, so the order of the feed is known.
        await eventually(lambda: client.get(f"/arbeidsgiver/v1/sykmeldinger/{second.sykmelding.id}", headers=hr))
        await _act(client, tokens, first, {"statusEvent": "AVBRUTT"})
        withdrawn = await eventually(lambda: client.get(one, headers=hr), status=404)

        page1 = await _feed(client, hr)
        page2 = await _feed(client, hr, page1["nextCursor"])
        page3 = await _feed(client, hr, page2["nextCursor"])
        empty = await _feed(client, hr, page3["nextCursor"])
        by_virksomhet = await client.get("/arbeidsgiver/v1/sykmeldinger", headers=tokens.hr(VIRKSOMHET))

    assert view.status_code == 200 and view.json()["id"] == first.sykmelding.id
    assert view.json()["orgnummer"] == VIRKSOMHET and view.json()["juridiskOrgnummer"] == JURIDISK
    assert withdrawn.json()["code"] == "NOT_FOUND"
    # Oldest change first: the second one sent, then the first one withdrawn (its earlier entry replaced).
    entries = [page["sykmeldinger"] for page in (page1, page2, page3)]
    assert [[(e["sykmeldingId"], e["status"]) for e in page] for page in entries] == [
        [(second.sykmelding.id, "SENDT")],
        [(first.sykmelding.id, "TRUKKET")],
        [],
    ]
    assert entries[0][0]["sykmelding"]["id"] == second.sykmelding.id and entries[1][0]["sykmelding"] is None
    assert empty == {"sykmeldinger": [], "nextCursor": page3["nextCursor"]}
    assert [e["sykmeldingId"] for e in by_virksomhet.json()["sykmeldinger"]] == [
        second.sykmelding.id,
        first.sykmelding.id,
    ]
    async with database.session() as session:
        audited = list(await session.scalars(select(GatewayAudit).where(GatewayAudit.actor == JURIDISK)))
    assert {(a.purpose, a.resource_type) for a in audited} == {("arbeidsgiver.oppfolging", "sykmelding")}
    assert {a.resource_id for a in audited} == {first.sykmelding.id, second.sykmelding.id}


async def test_another_employer_sees_nothing_and_cannot_tell_what_exists(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    received = synthetic.make_sykmelding(random.Random(32), fom=datetime.now(UTC).date())
    path = f"/arbeidsgiver/v1/sykmeldinger/{received.sykmelding.id}"
    async with running(kafka_settings, database, Personvern, GatewayReadModel) as runtime:
        await publish_nav_sykmelding(kafka_settings, runtime, received)
        await _act(client, tokens, received, SENDT)
        assert (await eventually(lambda: client.get(path, headers=tokens.hr()))).status_code == 200

    other = tokens.hr(OTHER_EMPLOYER)
    existing = await client.get(path, headers=other)
    missing = await client.get(f"/arbeidsgiver/v1/sykmeldinger/{uuid.uuid4()}", headers=other)
    feed = await client.get("/arbeidsgiver/v1/sykmeldinger", headers=other)

    assert existing.status_code == missing.status_code == 404
    assert existing.json() == missing.json()
    assert feed.json()["sykmeldinger"] == []


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        (lambda t: t.epj(EPJ_ORGNR), "INSUFFICIENT_SCOPE"),
        (lambda t: t.nav(), "INSUFFICIENT_SCOPE"),
        (lambda t: t.person("17857233115"), "ORGANISATION_TOKEN_REQUIRED"),
    ],
    ids=["epj", "nav", "person"],
)
async def test_no_one_but_an_employer_reads_employer_views(
    client: httpx.AsyncClient, tokens: Tokens, headers: Any, code: str
) -> None:
    listing = await client.get("/arbeidsgiver/v1/sykmeldinger", headers=headers(tokens))
    one = await client.get(f"/arbeidsgiver/v1/sykmeldinger/{uuid.uuid4()}", headers=headers(tokens))

    assert [(r.status_code, r.json()["code"]) for r in (listing, one)] == [(403, code), (403, code)]


async def test_a_cursor_the_api_did_not_issue_is_a_validation_error(client: httpx.AsyncClient, tokens: Tokens) -> None:
    response = await client.get("/arbeidsgiver/v1/sykmeldinger", params={"cursor": "bm9wZQ"}, headers=tokens.hr())

    assert response.status_code == 422
    assert [(e["field"], e["location"]) for e in response.json()["errors"]] == [("cursor", "query")]
