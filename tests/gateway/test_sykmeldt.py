"""The employee: status actions on their own sykmeldinger only, as the sykmelding.status contract."""

import random
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.status import StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import SYKMELDING_STATUS
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER
from tests.gateway.support import SENDT, VIRKSOMHET, Tokens, eventually, publish_nav_sykmelding
from tests.support.kafka import read_topic
from tests.support.services import running

pytestmark = pytest.mark.integration


async def test_the_employee_acts_on_their_own_sykmelding_and_on_no_one_elses(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(21)
    today = datetime.now(UTC).date()
    mine = synthetic.make_sykmelding(rng, fom=today)
    theirs = synthetic.make_sykmelding(rng, fom=today)
    me = tokens.person(mine.pasient_fnr)
    async with running(kafka_settings, database, GatewayReadModel) as runtime:
        await publish_nav_sykmelding(kafka_settings, runtime, mine)
        await publish_nav_sykmelding(kafka_settings, runtime, theirs)
        path = f"/sykmeldt/v1/sykmeldinger/{mine.sykmelding.id}/status"
        sent = await eventually(lambda: client.post(path, json=SENDT, headers=me), status=202)
        # Wait until the gateway knows theirs too, or the 404 below would prove nothing.
        await eventually(
            lambda: client.post(
                f"/sykmeldt/v1/sykmeldinger/{theirs.sykmelding.id}/status",
                json={"statusEvent": "BEKREFTET"},
                headers=tokens.person(theirs.pasient_fnr),
            ),
            status=202,
        )
        on_theirs = await client.post(
            f"/sykmeldt/v1/sykmeldinger/{theirs.sykmelding.id}/status", json=SENDT, headers=me
        )
        on_nothing = await client.post(f"/sykmeldt/v1/sykmeldinger/{uuid.uuid4()}/status", json=SENDT, headers=me)
        as_employer = await client.post(path, json=SENDT, headers=tokens.hr(VIRKSOMHET))

        messages = await read_topic(kafka_settings, runtime.topics.name(SYKMELDING_STATUS), expected=2)
        events = [contracts.decode(runtime.codec, m.value or b"", SykmeldingStatusEvent) for m in messages]

    assert sent.status_code == 202, sent.text
    assert on_theirs.status_code == on_nothing.status_code == 404
    assert on_theirs.json() == on_nothing.json()
    assert (as_employer.status_code, as_employer.json()["code"]) == (403, "PERSON_TOKEN_REQUIRED")
    [event] = [e for e in events if e.sykmelding_id == mine.sykmelding.id]
    assert (event.event_id, event.status_event, event.arbeidsgiver) == (
        sent.json()["id"],
        StatusEvent.SENDT,
        DEMO_ARBEIDSGIVER,
    )
    assert [m.key for m in messages if m.key == mine.sykmelding.id.encode()] == [mine.sykmelding.id.encode()]


@pytest.mark.parametrize(
    "body",
    [{"statusEvent": "SENDT"}, {**SENDT, "statusEvent": "BEKREFTET"}, {"statusEvent": "UTGATT"}],
    ids=["sendt-without-employer", "employer-without-sendt", "not-an-action"],
)
async def test_an_action_that_breaks_the_contract_is_a_validation_error(
    client: httpx.AsyncClient, tokens: Tokens, body: dict[str, object]
) -> None:
    response = await client.post(
        f"/sykmeldt/v1/sykmeldinger/{uuid.uuid4()}/status", json=body, headers=tokens.person("17857233115")
    )

    assert (response.status_code, response.json()["code"]) == (422, "VALIDATION_ERROR")


async def test_a_retried_action_is_sent_once_with_the_same_event_id(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    received = synthetic.make_sykmelding(random.Random(22), fom=datetime.now(UTC).date())
    headers = {**tokens.person(received.pasient_fnr), "Idempotency-Key": "avbryt-1"}
    path = f"/sykmeldt/v1/sykmeldinger/{received.sykmelding.id}/status"
    async with running(kafka_settings, database, GatewayReadModel) as runtime:
        await publish_nav_sykmelding(kafka_settings, runtime, received)
        first = await eventually(lambda: client.post(path, json={"statusEvent": "AVBRUTT"}, headers=headers), 202)
        again = await client.post(path, json={"statusEvent": "AVBRUTT"}, headers=headers)
        messages = await read_topic(kafka_settings, runtime.topics.name(SYKMELDING_STATUS), expected=1)

    assert first.json() == again.json()
    assert len(messages) == 1
