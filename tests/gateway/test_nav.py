"""NAV reads its tasks as a feed; no one else reads them."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sykmeldingsflyt.domain.oppgave import Oppgave, Oppgavestatus, Oppgavetype
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import NAV_OPPGAVE
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import GatewayAudit
from tests.gateway.support import EPJ_ORGNR, NAV_ORGNR, VIRKSOMHET, Tokens, eventually
from tests.support.kafka import produce
from tests.support.services import running

pytestmark = pytest.mark.integration


def _oppgave(type_: Oppgavetype) -> Oppgave:
    return Oppgave(
        id=str(uuid.uuid4()),
        type=type_,
        referanse=str(uuid.uuid4()),
        tilfelle_id=None,
        person_ref="a" * 40,
        opprettet=datetime.now(UTC),
    )


async def _publish(settings: KafkaSettings, runtime: Runtime, *oppgaver: Oppgave) -> None:
    """As the oppgave service publishes them on nav.oppgave."""
    topic = runtime.topics.name(NAV_OPPGAVE)
    await produce(settings, topic, [(o.id.encode(), contracts.encode(runtime.codec, o, topic)) for o in oppgaver])


async def test_nav_pages_through_its_tasks_and_sees_a_handled_one_again(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    first, second = _oppgave(Oppgavetype.MOTEBEHOV_SVAR), _oppgave(Oppgavetype.DIALOGMOTE_KANDIDAT)
    handled = first.with_status(Oppgavestatus.BEHANDLET, datetime.now(UTC))

    async with running(kafka_settings, database, GatewayReadModel) as runtime:
        # One at a time: tasks on different partitions could otherwise reach the feed in either order.
        await _publish(kafka_settings, runtime, first)
        await eventually(lambda: _page(client, tokens, 1))
        await _publish(kafka_settings, runtime, second)
        await eventually(lambda: _page(client, tokens, 2))
        await _publish(kafka_settings, runtime, handled)
        page = await eventually(lambda: _page(client, tokens, 2, until=Oppgavestatus.BEHANDLET))

    assert [(o["id"], o["status"]) for o in page.json()["oppgaver"]] == [
        (second.id, "MOTTATT"),
        (first.id, "BEHANDLET"),
    ]
    after = await client.get("/nav/v1/oppgaver", params={"cursor": page.json()["nextCursor"]}, headers=tokens.nav())
    assert after.json()["oppgaver"] == []
    async with database.session() as session:
        audited = set(await session.scalars(select(GatewayAudit.resource_id).where(GatewayAudit.actor == NAV_ORGNR)))
    assert audited == {first.id, second.id}


async def _page(
    client: httpx.AsyncClient, tokens: Tokens, expected: int, until: Oppgavestatus | None = None
) -> httpx.Response:
    """The first page, as 200 only once it has `expected` tasks (and its last is `until`)."""
    response = await client.get("/nav/v1/oppgaver", headers=tokens.nav())
    oppgaver = response.json()["oppgaver"]
    done = len(oppgaver) == expected and (until is None or oppgaver[-1]["status"] == until.value)
    return response if done else httpx.Response(425)


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        (lambda t: t.hr(VIRKSOMHET), "INSUFFICIENT_SCOPE"),
        (lambda t: t.epj(EPJ_ORGNR), "INSUFFICIENT_SCOPE"),
        (lambda t: t.person("17857233115"), "ORGANISATION_TOKEN_REQUIRED"),
    ],
    ids=["hr", "epj", "person"],
)
async def test_only_nav_reads_tasks(client: httpx.AsyncClient, tokens: Tokens, headers: Any, code: str) -> None:
    response = await client.get("/nav/v1/oppgaver", headers=headers(tokens))

    assert (response.status_code, response.json()["code"]) == (403, code)
