"""The guard around every register client, against a real HTTP server: stale answers, the circuit, Azure's JWK."""

import asyncio
import json
from dataclasses import replace

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from prometheus_client import REGISTRY
from pytest_httpserver import HTTPServer

from sykmeldingsflyt.domain.registers import HprBehandler, RegisterUtilgjengelig
from sykmeldingsflyt.registers.nav.azure import AzureAdTokens
from sykmeldingsflyt.registers.nav.client import Endepunkt, RegisterKlient
from sykmeldingsflyt.registers.nav.hpr import Syfohelsenettproxy
from tests.registers.conftest import FAST, TokenEndpoint, credentials, klient
from tests.registers.test_nav_clients import BEHANDLER_JSON, LEGE_FNR
from tests.support.http import SCOPE, TOKEN_PATH

PATH = "/api/v2/behandler"


def _calls(server: HTTPServer) -> int:
    return [request.path for request, _ in server.log].count(PATH)


async def test_a_fresh_answer_is_served_from_the_cache(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_request(PATH).respond_with_json(BEHANDLER_JSON)
    hpr = Syfohelsenettproxy(klient(server, http))
    assert await hpr.behandler(LEGE_FNR) == await hpr.behandler(LEGE_FNR)
    assert _calls(server) == 1


async def test_a_stale_answer_is_served_while_the_register_is_down(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_oneshot_request(PATH).respond_with_json(BEHANDLER_JSON)
    server.expect_request(PATH).respond_with_data("down", status=503)
    hpr = Syfohelsenettproxy(klient(server, http, policy=replace(FAST, ttl=0.0)))
    first = await hpr.behandler(LEGE_FNR)
    assert first is not None
    # The entry has expired (ttl 0), the register answers 503 to every retry: the stale entry answers.
    assert await hpr.behandler(LEGE_FNR) == first
    assert _calls(server) == 1 + FAST.attempts


async def test_too_stale_an_answer_is_not_served(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    server.expect_oneshot_request(PATH).respond_with_json(BEHANDLER_JSON)
    server.expect_request(PATH).respond_with_data("down", status=503)
    hpr = Syfohelsenettproxy(klient(server, http, policy=replace(FAST, ttl=0.0, stale_for=0.0)))
    await hpr.behandler(LEGE_FNR)
    with pytest.raises(RegisterUtilgjengelig, match="HTTP 503"):
        await hpr.behandler(LEGE_FNR)


async def test_the_circuit_opens_after_repeated_failures_and_closes_when_a_probe_succeeds(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    policy = replace(FAST, attempts=1, failure_threshold=2, open_seconds=0.5)
    server.expect_oneshot_request(PATH).respond_with_data("down", status=500)
    server.expect_oneshot_request(PATH).respond_with_data("down", status=500)
    server.expect_request(PATH).respond_with_json(BEHANDLER_JSON)
    hpr = Syfohelsenettproxy(klient(server, http, policy=policy))
    for _ in range(2):
        with pytest.raises(RegisterUtilgjengelig, match="HTTP 500"):
            await hpr.behandler(LEGE_FNR)
    # Open: the register is healthy again, but the circuit does not ask it yet.
    with pytest.raises(RegisterUtilgjengelig, match="kretsen er åpen"):
        await hpr.behandler(LEGE_FNR)
    assert _calls(server) == 2
    await asyncio.sleep(policy.open_seconds + 0.1)
    assert await hpr.behandler(LEGE_FNR) is not None
    assert _calls(server) == 3


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_calls_errors_and_the_circuit_state_are_metrics_that_move_as_the_register_fails_and_recovers(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    register = "hpr-metrics"
    policy = replace(FAST, attempts=1, failure_threshold=2, open_seconds=0.5, ttl=0.0)
    server.expect_oneshot_request(PATH).respond_with_json(BEHANDLER_JSON)
    for _ in range(2):
        server.expect_oneshot_request(PATH).respond_with_data("down", status=503)
    server.expect_request(PATH).respond_with_json(BEHANDLER_JSON)
    hpr = Syfohelsenettproxy(klient(server, http, register=register, policy=policy))

    def calls(outcome: str) -> float:
        return _sample("sykmeldingsflyt_register_calls_total", register=register, outcome=outcome)

    def errors(reason: str) -> float:
        return _sample("sykmeldingsflyt_register_errors_total", register=register, reason=reason, served="stale")

    def circuit() -> float | None:
        return REGISTRY.get_sample_value("sykmeldingsflyt_register_circuit_state", {"register": register})

    assert circuit() == 0
    await hpr.behandler(LEGE_FNR)
    assert (calls("answered"), calls("transient")) == (1, 0)
    for _ in range(2):
        await hpr.behandler(LEGE_FNR)  # the register fails; the expired answer is served stale
    assert (calls("transient"), errors("transient"), circuit()) == (2, 2, 2)
    await hpr.behandler(LEGE_FNR)  # refused by the open circuit: no call is made
    assert (calls("transient"), errors("circuit_open")) == (2, 1)
    await asyncio.sleep(policy.open_seconds + 0.1)
    await hpr.behandler(LEGE_FNR)  # the probe gets an answer and closes the circuit
    assert (calls("answered"), circuit()) == (2, 0)
    assert _calls(server) == 4


async def test_a_connection_refused_is_an_outage(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    # Tokens from the test server; the register on a port nobody listens on.
    tokens = AzureAdTokens(http, credentials(server))
    dead = RegisterKlient[HprBehandler | None]("hpr", Endepunkt("http://127.0.0.1:9", SCOPE), http, tokens, FAST)
    with pytest.raises(RegisterUtilgjengelig, match="forbindelsen feilet"):
        await Syfohelsenettproxy(dead).behandler(LEGE_FNR)


async def test_azure_jwk_credentials_send_a_signed_client_assertion(
    server: HTTPServer, http: httpx.AsyncClient, tokens_served: TokenEndpoint
) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private))
    jwk |= {"kid": "nais-key", "alg": "RS256"}
    tokens = AzureAdTokens(http, credentials(server, jwk=json.dumps(jwk)))
    assert await tokens.token(SCOPE) == "t1"
    assert tokens_served.forms is not None
    [form] = tokens_served.forms
    assert "client_secret" not in form
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    header = jwt.get_unverified_header(form["client_assertion"])
    claims = jwt.decode(
        form["client_assertion"], private.public_key(), algorithms=["RS256"], audience=server.url_for(TOKEN_PATH)
    )
    assert header["kid"] == "nais-key"
    assert claims["iss"] == claims["sub"] == "sykmeldingsflyt"
