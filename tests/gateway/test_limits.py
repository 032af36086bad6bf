"""Limits: the body size (413, declared or chunked) and the request rate per address and per client (429),
shared by every gateway instance through the database."""

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from sykmeldingsflyt.gateway.app import create_app
from sykmeldingsflyt.gateway.limits import RateLimiter
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import GatewayRateLimit
from tests.gateway.support import OTHER_CLINIC, Tokens, url_of


@pytest.mark.integration
async def test_a_client_gets_its_burst_then_the_rate_and_others_are_not_affected(database: Database) -> None:
    now = [1_800_000_000.0]
    limiter = RateLimiter(database, rate=2.0, burst=3, clock=lambda: now[0])

    assert [await limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert await limiter.take("a") == pytest.approx(0.5)
    assert await limiter.take("b") == 0.0
    now[0] += 0.5
    assert await limiter.take("a") == 0.0
    assert await limiter.take("a") > 0


@pytest.mark.integration
async def test_gateway_instances_share_one_limit_and_forget_clients_whose_time_has_come(database: Database) -> None:
    now = [1_800_000_000.0]
    instances = [RateLimiter(database, rate=1.0, burst=2, clock=lambda: now[0], prune_every=5) for _ in range(2)]

    answers = [await instance.take("org:311000004") for instance in (*instances, *instances)]
    now[0] += 10
    await instances[0].take("someone else")

    assert answers[:2] == [0.0, 0.0]
    assert all(wait > 0 for wait in answers[2:]), "the second instance counts what the first let through"
    async with database.session() as session:
        assert list(await session.scalars(select(GatewayRateLimit.client))) == ["someone else"]


@pytest.fixture
async def strict_client(
    kafka_settings: KafkaSettings, database: Database, gateway_settings: GatewaySettings
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway with a small body limit and a small burst."""
    settings = gateway_settings.model_copy(update={"max_body_bytes": 1000, "rate_burst": 3, "rate_per_second": 0.01})
    app = create_app(settings, kafka_settings, url_of(database))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield http


@pytest.mark.integration
async def test_a_body_over_the_limit_is_refused_whether_declared_or_chunked(
    strict_client: httpx.AsyncClient, tokens: Tokens
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 100

    declared = await strict_client.post("/epj/v1/sykmeldinger", content=b"x" * 1001, headers=tokens.epj())
    chunked = await strict_client.post("/epj/v1/sykmeldinger", content=chunks(), headers=tokens.epj())

    for response in (declared, chunked):
        assert (response.status_code, response.json()["code"]) == (413, "REQUEST_TOO_LARGE")


@pytest.mark.integration
async def test_an_address_over_its_rate_gets_429_before_its_tokens_are_verified(
    kafka_settings: KafkaSettings, database: Database, gateway_settings: GatewaySettings, tokens: Tokens
) -> None:
    settings = gateway_settings.model_copy(update={"address_rate_burst": 3, "address_rate_per_second": 0.01})
    app = create_app(settings, kafka_settings, url_of(database))
    path = "/epj/v1/kvitteringer/6f1c51a4-8a6e-4b77-9c1e-3d0f2b8c7e55"
    forged = {"Authorization": tokens.epj()["Authorization"][:-8] + "AAAAAAAA"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("192.0.2.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            answers = [await http.get(path, headers=forged) for _ in range(4)]
            valid = await http.get(path, headers=tokens.epj())
        elsewhere = httpx.ASGITransport(app=app, client=("198.51.100.9", 40000))
        async with httpx.AsyncClient(transport=elsewhere, base_url="http://gateway") as http:
            other_address = await http.get(path, headers=tokens.epj())

    assert [answer.status_code for answer in answers] == [401, 401, 401, 429]
    assert (valid.status_code, valid.json()["code"]) == (429, "RATE_LIMITED"), "refused before the token is read"
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert other_address.status_code == 404


@pytest.mark.integration
async def test_a_client_over_its_rate_gets_429_with_retry_after(
    strict_client: httpx.AsyncClient, tokens: Tokens
) -> None:
    path = "/epj/v1/kvitteringer/6f1c51a4-8a6e-4b77-9c1e-3d0f2b8c7e55"
    answers = [await strict_client.get(path, headers=tokens.epj()) for _ in range(4)]
    other = await strict_client.get(path, headers=tokens.epj(OTHER_CLINIC))

    assert [answer.status_code for answer in answers] == [404, 404, 404, 429]
    assert answers[-1].json()["code"] == "RATE_LIMITED"
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert other.status_code == 404, "the limit is per client"
