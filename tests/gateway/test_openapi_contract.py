"""schemathesis against the gateway's own OpenAPI document, in process, with the real broker and database
behind it: no answer is a 5xx, and every answer conforms to the document (status, content type, body
schema, headers); operations that declare authentication enforce it."""

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sykmeldingsflyt.domain.altinn import Systembruker
from sykmeldingsflyt.gateway.altinn import AltinnTilgangsfil
from sykmeldingsflyt.gateway.app import create_app
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import catalogue
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.synthetic import DEMO_LEGEKONTOR
from tests.gateway.support import OPERATORS, VIRKSOMHET, Tokens, url_of

pytestmark = pytest.mark.integration

SYSTEMBRUKER = Systembruker(id="7a6f3c2e-1b4d-4e5f-8a9b-0c1d2e3f4a5b", orgnr=VIRKSOMHET)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    ignored_auth,
]


@pytest.fixture
async def gateway_schema(
    kafka_settings: KafkaSettings, database: Database, gateway_settings: GatewaySettings, altinn: AltinnTilgangsfil
) -> Any:
    """The document as the app serves it; schemathesis runs the app's lifespan in its own event loop."""
    altinn.grant(SYSTEMBRUKER.id, VIRKSOMHET)
    await create_topics(kafka_settings, catalogue(kafka_settings.topic_prefix))
    # Generous rates, per organisation and per address: the test is one client and must not meet its own limit.
    generous = gateway_settings.model_copy(update={"rate_burst": 100_000, "address_rate_burst": 100_000})
    app: FastAPI = create_app(generous, kafka_settings, url_of(database))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _credentials(path: str, tokens: Tokens) -> dict[str, str]:
    """A token of the audience the operation is for, so requests get past authorisation to the rules."""
    if path.startswith("/epj/"):
        return tokens.clinic(DEMO_LEGEKONTOR.her_id)
    if path.startswith("/v1/"):
        return tokens.lps(SYSTEMBRUKER)
    if path.startswith("/arbeidsgiver/"):
        return tokens.hr(VIRKSOMHET)
    if path.startswith("/nav/"):
        return tokens.nav()
    if path.startswith("/sykmeldt/"):
        return tokens.person("17857233115")
    if path.startswith("/admin/"):
        return tokens.operator("Z990001", OPERATORS)
    return {}


def _exercise(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def keeps_the_contract(case: Any) -> None:
        # Headers made to break the document (the token among them) are sent as made, or a valid token
        # added here would turn the case positive and the check would blame the gateway for accepting it.
        negated = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
        case.call_and_validate(headers=None if negated else headers, checks=CHECKS)

    keeps_the_contract()


def test_every_answer_keeps_the_contract(gateway_schema: Any, tokens: Tokens) -> None:
    """Each operation with data that fits the document and data that does not, a bounded number of each."""
    operations = [result.ok() for result in gateway_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        # An operation that takes nothing (a probe) has no data that could break its document.
        takes_input = any(operation.definition.raw.get(part) for part in ("parameters", "requestBody", "security"))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if takes_input else (GenerationMode.POSITIVE,):
            _exercise(operation, mode, _credentials(operation.path, tokens))
