"""The gateway serves the AsyncAPI document, so a vendor finds the Kafka contract beside the HTTP one."""

import httpx
import yaml

from sykmeldingsflyt.asyncapi import asyncapi_document
from sykmeldingsflyt.gateway.app import create_app
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.messaging.settings import KafkaSettings


async def test_the_gateway_serves_the_asyncapi_document(gateway_settings: GatewaySettings) -> None:
    # The route needs neither broker nor database, so the app runs without its lifespan.
    app = create_app(gateway_settings, KafkaSettings(), "sqlite+aiosqlite://")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as http:
        response = await http.get("/asyncapi.yaml")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(response.text) == asyncapi_document()
