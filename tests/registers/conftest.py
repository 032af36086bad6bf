"""Real HTTP servers for the register clients: one threaded pytest-httpserver per test, serving tokens too."""

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from itertools import count
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sykmeldingsflyt.registers.nav.azure import AzureAdCredentials
from sykmeldingsflyt.registers.nav.client import RegisterKlient
from sykmeldingsflyt.registers.resilience import Policy
from tests.support.http import TOKEN_PATH, http_server, register_klient

FAST = Policy(timeout=0.3, attempts=3, backoff_initial=0.01, backoff_max=0.05, failure_threshold=100, ttl=3600)


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with http_server() as running:
        yield running


@dataclass
class TokenEndpoint:
    """Hands out t1, t2, ... each valid for `expires_in` seconds; remembers the forms it was posted."""

    expires_in: int = 3600
    forms: list[dict[str, str]] | None = None

    def __post_init__(self) -> None:
        self.forms = []
        self._numbers = count(1)

    def __call__(self, request: Request) -> Response:
        assert self.forms is not None
        self.forms.append(dict(request.form))
        body = {"token_type": "Bearer", "access_token": f"t{next(self._numbers)}", "expires_in": self.expires_in}
        return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
def tokens_served(server: HTTPServer) -> TokenEndpoint:
    endpoint = TokenEndpoint()
    server.expect_request(TOKEN_PATH, method="POST").respond_with_handler(endpoint)
    return endpoint


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def credentials(server: HTTPServer, **auth: str) -> AzureAdCredentials:
    auth = auth or {"client_secret": "hemmelig"}
    return AzureAdCredentials(client_id="sykmeldingsflyt", token_endpoint=server.url_for(TOKEN_PATH), **auth)


def klient(
    server: HTTPServer, http: httpx.AsyncClient, register: str = "hpr", policy: Policy = FAST
) -> RegisterKlient[Any]:
    return register_klient(server, http, register, policy)
