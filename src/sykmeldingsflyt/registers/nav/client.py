"""What every NAV register client shares: an Azure AD token, NAV's call headers, the guard, one HTTP call.

404 is an answer (the register knows no such person) and so is every 200 that parses; a timeout, a lost
connection, a 5xx or a refused token is a passing failure (retried, then the circuit counts it); any other
status or a body that does not parse is an invalid answer (not retried).
"""

import json
import uuid
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
from pydantic import ValidationError

from sykmeldingsflyt.domain.identifiers import safe_errors
from sykmeldingsflyt.registers.nav.azure import AzureAdTokens
from sykmeldingsflyt.registers.resilience import Forbigaende, Guard, Policy, Ugyldig

T = TypeVar("T")

CONSUMER_ID = "sykmeldingsflyt"


@dataclass(frozen=True, slots=True)
class Endepunkt:
    """Where one register answers and which Azure AD scope its tokens need."""

    url: str
    scope: str


class RegisterKlient(Generic[T]):
    """Calls to one register, each through the register's guard."""

    def __init__(
        self, register: str, endepunkt: Endepunkt, http: httpx.AsyncClient, tokens: AzureAdTokens, policy: Policy
    ) -> None:
        self.register = register
        self._endepunkt = endepunkt
        self._http = http
        self._tokens = tokens
        self._policy = policy
        self.guard: Guard[T] = Guard(register, policy)

    async def hent(
        self,
        key: Hashable,
        path: str,
        parse: Callable[[Any], T],
        *,
        ikke_funnet: T,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None = None,
        graphql: Mapping[str, Any] | None = None,
    ) -> T:
        """GET `path` (POST when a GraphQL body is given), parsed; `ikke_funnet` when the register says 404."""

        async def once() -> T:
            return await self._once(
                path, parse, ikke_funnet=ikke_funnet, headers=headers, params=params, graphql=graphql
            )

        return await self.guard.call(key, once)

    async def _once(
        self,
        path: str,
        parse: Callable[[Any], T],
        *,
        ikke_funnet: T,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None,
        graphql: Mapping[str, Any] | None,
    ) -> T:
        token = await self._tokens.token(self._endepunkt.scope)
        all_headers = {
            "Authorization": f"Bearer {token}",
            "Nav-Call-Id": str(uuid.uuid4()),
            "Nav-Consumer-Id": CONSUMER_ID,
            "Accept": "application/json",
            **headers,
        }
        url = self._endepunkt.url.rstrip("/") + path
        try:
            response = await self._http.request(
                "POST" if graphql is not None else "GET",
                url,
                headers=all_headers,
                params=params,
                json=graphql,
                timeout=self._policy.timeout,
            )
        except httpx.TimeoutException as exc:
            raise Forbigaende("tidsavbrudd") from exc
        except httpx.TransportError as exc:
            raise Forbigaende(f"forbindelsen feilet ({type(exc).__name__})") from exc
        status = response.status_code
        if status == httpx.codes.NOT_FOUND:
            return ikke_funnet
        if status == httpx.codes.UNAUTHORIZED:
            self._tokens.forget(self._endepunkt.scope)
            raise Forbigaende("HTTP 401: tokenet ble avvist")
        if status >= 500 or status == httpx.codes.TOO_MANY_REQUESTS:
            raise Forbigaende(f"HTTP {status}")
        if status != httpx.codes.OK:
            raise Ugyldig(f"HTTP {status}")
        try:
            return parse(response.json())
        except ValueError as exc:  # json's and pydantic's errors are ValueErrors
            raise Ugyldig(f"ugyldig svar: {_felter(exc)}") from exc


def _felter(exc: ValueError) -> str:
    """Which fields were wrong, never their values (they may be an fnr)."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{error.field or 'svaret'}: {error.message}" for error in safe_errors(exc))
    if isinstance(exc, json.JSONDecodeError):
        return "ikke JSON"
    return str(exc)
