"""The gateway in the test's event loop, in front of the real broker and a real database."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from sykmeldingsflyt.gateway.altinn import AltinnTilgangsfil
from sykmeldingsflyt.gateway.app import create_app
from sykmeldingsflyt.gateway.devtokens import DevIssuer
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import catalogue
from sykmeldingsflyt.storage.database import Database
from tests.gateway.support import OPERATORS, Tokens, url_of


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> DevIssuer:
    return DevIssuer(tmp_path_factory.mktemp("issuer"))


@pytest.fixture(scope="session")
def tokens(issuer: DevIssuer) -> Tokens:
    return Tokens(issuer)


@pytest.fixture
def altinn(tmp_path: Path) -> AltinnTilgangsfil:
    """Altinn's stand-in the gateway asks: grant a system user an organisation as its owner would in Altinn."""
    return AltinnTilgangsfil(tmp_path / "altinn-tilganger.json")


@pytest.fixture
def gateway_settings(issuer: DevIssuer, altinn: AltinnTilgangsfil) -> GatewaySettings:
    environment = issuer.environment()
    return GatewaySettings(
        jwks=environment["SYKMELDINGSFLYT_JWKS"],
        issuer=issuer.issuer,
        audience=issuer.audience,
        altinn_tilganger=str(altinn.path),
        operator_group=OPERATORS,
    )


@pytest.fixture
async def gateway_app(
    kafka_settings: KafkaSettings, database: Database, gateway_settings: GatewaySettings
) -> AsyncIterator[FastAPI]:
    """The application with its lifespan running: producer started, database migrated."""
    await create_topics(kafka_settings, catalogue(kafka_settings.topic_prefix))
    app = create_app(gateway_settings, kafka_settings, url_of(database))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(gateway_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=gateway_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http
