"""The HTTP door: text that is not valid Unicode (400, naming the field), a body that is not JSON (415),
a token that lives too long (401), a broker that does not confirm (503) and a key still in use (409)."""

import asyncio
import json
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.gateway.app import create_app
from sykmeldingsflyt.gateway.auth import Scope
from sykmeldingsflyt.gateway.devtokens import DevIssuer
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import catalogue
from sykmeldingsflyt.storage.database import Database
from tests.gateway.support import EPJ_ORGNR, Tokens, url_of

pytestmark = pytest.mark.integration

PATH = "/epj/v1/sykmeldinger"


def _body(seed: int = 1) -> dict[str, object]:
    sykmelding = synthetic.make_sykmelding(random.Random(seed), fom=datetime.now(UTC).date())
    return sykmelding.model_dump(mode="json", by_alias=True)


def _json_headers(tokens: Tokens) -> dict[str, str]:
    return {**tokens.epj(), "Content-Type": "Application/JSON; charset=UTF-8"}


async def test_a_lone_surrogate_in_a_text_field_is_400_naming_the_field(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    body = _body()
    body["sykmelding"]["arbeidsgiver"]["navn"] = "Bakeriet MARKER AS"  # type: ignore[index]
    text = json.dumps(body).replace("MARKER", "\\ud800")

    response = await client.post(PATH, content=text.encode(), headers=_json_headers(tokens))

    assert response.status_code == 400, response.text
    assert response.json()["code"] == "MALFORMED_BODY"
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("sykmelding.arbeidsgiver.navn", "unicode")]


async def test_a_lone_surrogate_in_a_member_name_is_400_without_echoing_it(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    text = json.dumps(_body()).replace('"msgId"', '"msg\\udfffId"', 1)

    response = await client.post(PATH, content=text.encode(), headers=_json_headers(tokens))

    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["(member name)"]


async def test_a_body_that_is_not_utf8_is_400(client: httpx.AsyncClient, tokens: Tokens) -> None:
    text = json.dumps(_body()).replace("Bakeriet", "Bakeriet \udcff")

    response = await client.post(PATH, content=text.encode("utf-8", "surrogateescape"), headers=_json_headers(tokens))

    assert (response.status_code, response.json()["code"]) == (400, "MALFORMED_BODY")
    assert [e["field"] for e in response.json()["errors"]] == ["(body)"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1", None]
)
async def test_a_body_that_is_not_application_json_is_415(
    client: httpx.AsyncClient, tokens: Tokens, content_type: str | None
) -> None:
    headers = tokens.epj() | ({"Content-Type": content_type} if content_type else {})

    response = await client.post(PATH, content=json.dumps(_body()).encode(), headers=headers)

    assert (response.status_code, response.json()["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")


async def test_a_token_that_lives_longer_than_allowed_is_refused(client: httpx.AsyncClient, issuer: DevIssuer) -> None:
    token = issuer.organisation_token(EPJ_ORGNR, [Scope.EPJ_WRITE.value], ttl=timedelta(hours=3))

    response = await client.post(PATH, json=_body(), headers={"Authorization": f"Bearer {token}"})

    assert (response.status_code, response.json()["code"]) == (401, "TOKEN_INVALID")
    assert "lives longer" in response.json()["message"]


@pytest.fixture
async def app_without_topics(
    kafka_settings: KafkaSettings, database: Database, gateway_settings: GatewaySettings
) -> AsyncIterator[FastAPI]:
    """A gateway whose topics do not exist yet: the broker cannot confirm what it sends."""
    app = create_app(gateway_settings, kafka_settings, url_of(database))
    async with app.router.lifespan_context(app):
        app.state.gateway.publisher.request_timeout_ms = 3000
        yield app


async def test_a_broker_that_does_not_confirm_is_503_and_a_key_in_flight_is_409_then_a_retry_succeeds(
    app_without_topics: FastAPI, kafka_settings: KafkaSettings, tokens: Tokens
) -> None:
    headers = {**tokens.epj(), "Idempotency-Key": str(uuid.uuid4())}
    body = _body(2)
    transport = httpx.ASGITransport(app=app_without_topics)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway", timeout=60) as http:
        first = asyncio.create_task(http.post(PATH, json=body, headers=headers))
        await asyncio.sleep(1)
        meanwhile = await http.post(PATH, json=body, headers=headers)
        unconfirmed = await first
        await create_topics(kafka_settings, catalogue(kafka_settings.topic_prefix))
        retried = await http.post(PATH, json=body, headers=headers)

    assert (meanwhile.status_code, meanwhile.json()["code"]) == (409, "IDEMPOTENCY_KEY_IN_USE")
    assert meanwhile.headers["Retry-After"] == "1"
    assert (unconfirmed.status_code, unconfirmed.json()["code"]) == (503, "BROKER_UNAVAILABLE")
    assert unconfirmed.headers["Retry-After"] == "1"
    assert retried.status_code == 202, retried.text
