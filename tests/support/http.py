"""Real HTTP servers for a test's outside services (pytest-httpserver), threaded so a slow answer to one
call does not hold up the next, and clients of NAV's registers pointed at them."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from pytest_httpserver import HTTPServer

from sykmeldingsflyt.registers.nav.azure import AzureAdCredentials, AzureAdTokens
from sykmeldingsflyt.registers.nav.client import Endepunkt, RegisterKlient
from sykmeldingsflyt.registers.resilience import Policy


@contextmanager
def http_server() -> Iterator[HTTPServer]:
    server = HTTPServer(threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


TOKEN_PATH = "/oauth2/v2.0/token"
SCOPE = "api://dev-gcp.teamsykmelding.register/.default"


def register_klient(
    server: HTTPServer,
    http: httpx.AsyncClient,
    register: str,
    policy: Policy,
    tokens_from: HTTPServer | None = None,
) -> RegisterKlient[Any]:
    """A client of `register` at `server`, with Azure AD tokens from TOKEN_PATH at `tokens_from` (a server
    that stays up while `server` is stopped), else at `server`."""
    issuer = tokens_from or server
    credentials = AzureAdCredentials("sykmeldingsflyt", issuer.url_for(TOKEN_PATH), client_secret="hemmelig")
    tokens = AzureAdTokens(http, credentials)
    return RegisterKlient(register, Endepunkt(url=server.url_for("/"), scope=SCOPE), http, tokens, policy)


def serve_tokens(server: HTTPServer) -> None:
    server.expect_request(TOKEN_PATH, method="POST").respond_with_json(
        {"token_type": "Bearer", "access_token": "t", "expires_in": 3600}
    )
