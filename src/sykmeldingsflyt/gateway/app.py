"""The gateway's HTTP application: FastAPI, with its OpenAPI document at /openapi.json and /docs."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI
from starlette.routing import Route

from sykmeldingsflyt.gateway import documents, problems, rom
from sykmeldingsflyt.gateway.body import JsonBody
from sykmeldingsflyt.gateway.context import open_gateway
from sykmeldingsflyt.gateway.limits import BodySizeLimit
from sykmeldingsflyt.gateway.routes import admin, arbeidsgiver, dialogmotekandidat, epj, internal, lps, nav, sykmeldt
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.observability.http import ObservedHttp
from sykmeldingsflyt.observability.probes import PROMETHEUS_PATH, prometheus_route

DESCRIPTION = """\
The door to sykmeldingsflyt for systems that post over HTTPS instead of running a Kafka client.

Organisations authenticate with a Maskinporten token and need a scope per job: `nav:sykmeldingsflyt/epj.write`
(EPJ systems), `nav:sykmeldingsflyt/arbeidsgiver.read` and `.../arbeidsgiver.write` (HR systems),
`nav:sykmeldingsflyt/nav.read` (NAV). HR vendors reading for a customer use NAV's LPS shape under `/v1` with
`nav:helseytelser/sykepenger`, as the customer's Altinn system user. The employee authenticates with a TokenX token.

Every POST answers 202 once the broker has the message, with the id and where to follow it. Send an
`Idempotency-Key` with each POST: a retry with the same key gets the first answer and is not processed again.
A refusal is 401 or 403 with a reason `code`; what the caller may not see is answered 404, exactly as what
does not exist.
"""


def create_app(settings: GatewaySettings, kafka: KafkaSettings, database_url: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_gateway(settings, kafka, database_url) as running:
            app.state.gateway = running
            yield

    app = FastAPI(
        title="sykmeldingsflyt gateway",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry would trace each request a second time and record exceptions' messages
        # and invalid input as given: the gateway's spans are ObservedHttp's (observability/tracing.py).
        telemetry={
            "tracing": False,
            "metrics": False,
            "logs": False,
            "operation_spans": False,
            "auto_configure": False,
        },
    )
    problems.install(app)
    documents.install(app)
    # The last added runs first: the size is checked before the body is read as JSON.
    app.add_middleware(JsonBody)
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes)
    app.add_middleware(ObservedHttp)
    for routes in (epj, sykmeldt, arbeidsgiver, lps, nav, dialogmotekandidat, internal, admin):
        app.include_router(routes.router)
    rom.install(app)
    # The service processes' own route, an ASGI app rather than a Starlette endpoint.
    app.routes.append(Route(PROMETHEUS_PATH, prometheus_route(), include_in_schema=False))
    return app


def serve(settings: GatewaySettings, kafka: KafkaSettings, database_url: str, host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM, with uvicorn's log lines through our JSON logging and its redactor."""
    uvicorn.run(create_app(settings, kafka, database_url), host=host, port=port, log_config=None)
