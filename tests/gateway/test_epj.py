"""EPJ: POST a sykmelding, GET its kvittering; each refusal; idempotency; audit."""

import random
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.kvittering import Kvittering, KvitteringStatus
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.gateway.auth import Scope
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import SYKMELDING_FRA_EPJ
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import GatewayAudit
from tests.gateway.support import EPJ_ORGNR, OTHER_CLINIC, VIRKSOMHET, Tokens, eventually
from tests.support.kafka import read_topic
from tests.support.services import running

pytestmark = pytest.mark.integration


def _sykmelding(seed: int) -> ReceivedSykmelding:
    return synthetic.make_sykmelding(random.Random(seed), fom=datetime.now(UTC).date())


def _json(model: ReceivedSykmelding) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True)


async def test_a_posted_sykmelding_is_on_the_topic_in_its_avro_contract(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    sykmelding = _sykmelding(1)
    response = await client.post("/epj/v1/sykmeldinger", json=_json(sykmelding), headers=tokens.epj())

    assert response.status_code == 202, response.text
    assert response.json() == {"id": sykmelding.msg_id, "location": f"/epj/v1/kvitteringer/{sykmelding.msg_id}"}
    assert response.headers["location"] == f"/epj/v1/kvitteringer/{sykmelding.msg_id}"
    runtime = Runtime.from_env(kafka_settings, database)
    [message] = await read_topic(kafka_settings, runtime.topics.name(SYKMELDING_FRA_EPJ), expected=1)
    assert message.key == sykmelding.msg_id.encode()
    sent = contracts.decode(runtime.codec, message.value or b"", ReceivedSykmelding)
    # The gateway is the receiver, so the time of receipt is its own.
    assert sent.model_copy(update={"mottatt_dato": sykmelding.mottatt_dato}) == sykmelding


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        (lambda t: {}, 401, "TOKEN_MISSING"),
        (lambda t: {"Authorization": "Bearer not-a-jwt"}, 401, "TOKEN_INVALID"),
        (lambda t: t.hr(), 403, "INSUFFICIENT_SCOPE"),
        (lambda t: t.nav(), 403, "INSUFFICIENT_SCOPE"),
        (lambda t: t.person("17857233115"), 403, "ORGANISATION_TOKEN_REQUIRED"),
        (lambda t: t.epj(OTHER_CLINIC), 403, "WRONG_ORGANISATION"),
    ],
    ids=["no-token", "garbage-token", "hr", "nav", "person", "other-clinic"],
)
async def test_only_the_clinic_itself_may_post_its_sykmelding(
    *,
    client: httpx.AsyncClient,
    tokens: Tokens,
    kafka_settings: KafkaSettings,
    headers: Any,
    status: int,
    code: str,
) -> None:
    response = await client.post("/epj/v1/sykmeldinger", json=_json(_sykmelding(2)), headers=headers(tokens))

    assert (response.status_code, response.json()["code"]) == (status, code)
    topic = f"{kafka_settings.topic_prefix}{SYKMELDING_FRA_EPJ.name}"
    assert await read_topic(kafka_settings, topic, expected=0) == []


async def test_validation_errors_name_field_and_rule_and_never_echo_the_value(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    body = _json(_sykmelding(3))
    canary_fnr = "01019912345"  # eleven digits with wrong check digits
    canary_text = "CANARY-diagnose-7f3a"
    body["pasientFnr"] = canary_fnr
    body["sykmelding"]["perioder"] = canary_text
    body["sykmelding"][canary_fnr] = canary_text  # an unknown field named like an fnr

    response = await client.post("/epj/v1/sykmeldinger", json=body, headers=tokens.epj())

    assert response.status_code == 422
    assert canary_fnr not in response.text and canary_text not in response.text
    problems = {(error["field"], error["rule"]) for error in response.json()["errors"]}
    assert ("pasientFnr", "fnr") in problems
    assert ("sykmelding.perioder", "list_type") in problems
    assert ("sykmelding.<redacted>", "extra_forbidden") in problems


async def test_an_idempotency_key_makes_a_retry_return_the_first_answer_without_sending_again(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings
) -> None:
    sykmelding = _json(_sykmelding(4))
    headers = {**tokens.epj(), "Idempotency-Key": "retry-me-1"}

    first = await client.post("/epj/v1/sykmeldinger", json=sykmelding, headers=headers)
    again = await client.post("/epj/v1/sykmeldinger", json=sykmelding, headers=headers)
    different = await client.post("/epj/v1/sykmeldinger", json=_json(_sykmelding(5)), headers=headers)
    other_client = await client.post(
        "/epj/v1/sykmeldinger",
        json={**sykmelding, "legekontorOrgnr": OTHER_CLINIC},
        headers={**tokens.epj(OTHER_CLINIC), "Idempotency-Key": "retry-me-1"},
    )

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert (different.status_code, different.json()["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert other_client.status_code == 202, "keys are per client"
    topic = f"{kafka_settings.topic_prefix}{SYKMELDING_FRA_EPJ.name}"
    assert len(await read_topic(kafka_settings, topic, expected=2)) == 2


async def test_a_malformed_idempotency_key_is_a_validation_error(client: httpx.AsyncClient, tokens: Tokens) -> None:
    response = await client.post(
        "/epj/v1/sykmeldinger",
        json=_json(_sykmelding(6)),
        headers={**tokens.epj(), "Idempotency-Key": "x" * 129},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_the_clinic_reads_its_kvittering_and_no_one_else_learns_that_it_exists(
    client: httpx.AsyncClient, tokens: Tokens, kafka_settings: KafkaSettings, database: Database
) -> None:
    sykmelding = _sykmelding(7)
    path = f"/epj/v1/kvitteringer/{sykmelding.msg_id}"
    async with running(kafka_settings, database, Mottak, GatewayReadModel):
        before = await client.get(path, headers=tokens.epj())
        posted = await client.post("/epj/v1/sykmeldinger", json=_json(sykmelding), headers=tokens.epj())
        read = await eventually(lambda: client.get(posted.json()["location"], headers=tokens.epj()))

    other_clinic = await client.get(path, headers=tokens.epj(OTHER_CLINIC))
    missing = await client.get(f"/epj/v1/kvitteringer/{uuid.uuid4()}", headers=tokens.epj(OTHER_CLINIC))
    employer = await client.get(path, headers=tokens.organisation(VIRKSOMHET, Scope.ARBEIDSGIVER_READ))

    assert before.status_code == 404
    assert read.status_code == 200, read.text
    kvittering = Kvittering.model_validate(read.json())
    assert (kvittering.msg_id, kvittering.status) == (sykmelding.msg_id, KvitteringStatus.OK)
    assert other_clinic.status_code == missing.status_code == 404
    assert other_clinic.json() == missing.json()
    assert (employer.status_code, employer.json()["code"]) == (403, "INSUFFICIENT_SCOPE")
    async with database.session() as session:
        audited = list(await session.scalars(select(GatewayAudit)))
    assert [(a.actor, a.purpose, a.resource_type, a.resource_id) for a in audited] == [
        (EPJ_ORGNR, "epj.kvittering", "kvittering", kvittering.kvittering_id)
    ]
