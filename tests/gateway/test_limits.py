"""Limits: the body size (413, declared or chunked) and the request rate per client (429)."""

from collections.abc import AsyncIterator

import httpx
import pytest

from sykmeldingsflyt.gateway.app import create_app
from sykmeldingsflyt.gateway.limits import RateLimiter
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.storage.database import Database
from tests.gateway.support import OTHER_CLINIC, Tokens, url_of


def test_a_client_gets_its_burst_then_the_rate_and_others_are_not_affected() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=3, clock=lambda: now[0])

    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(0.5)
    assert limiter.take("b") == 0.0
    now[0] += 0.5
    assert limiter.take("a") == 0.0
    assert limiter.take("a") > 0


def test_idle_clients_are_forgotten_when_there_are_too_many() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=1.0, burst=1, clock=lambda: now[0], max_clients=2)
    limiter.take("a")
    limiter.take("b")
    now[0] += 10

    limiter.take("c")

    assert limiter.take("a") == 0.0, "a full bucket is the same as a forgotten one"


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
