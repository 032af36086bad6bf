"""Azure AD client-credentials tokens for NAV's registers, from the variables NAIS injects.

A tiny client of our own rather than authlib: the whole grant is one form POST, PyJWT (already ours) signs
the client assertion for `AZURE_APP_JWK`, and a token is cached per scope until a minute before it
expires; authlib would bring its own JOSE stack for that.
"""

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import jwt

from sykmeldingsflyt.registers.resilience import Forbigaende, Ugyldig

_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_EXPIRY_MARGIN_S = 60.0
_ASSERTION_LIFETIME_S = 60


@dataclass(frozen=True, slots=True)
class AzureAdCredentials:
    """`AZURE_APP_CLIENT_ID`, `AZURE_OPENID_CONFIG_TOKEN_ENDPOINT`, and a secret or a private JWK."""

    client_id: str
    token_endpoint: str
    client_secret: str | None = field(default=None, repr=False)
    jwk: str | None = field(default=None, repr=False)


@dataclass(slots=True)
class _Token:
    value: str
    expires_at: float


class AzureAdTokens:
    """Access tokens per scope, fetched once and reused until shortly before they expire."""

    def __init__(
        self, http: httpx.AsyncClient, credentials: AzureAdCredentials, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not (credentials.client_secret or credentials.jwk):
            raise ValueError("AZURE_APP_CLIENT_SECRET or AZURE_APP_JWK is needed for Azure AD tokens")
        self._http = http
        self._credentials = credentials
        self._clock = clock
        self._tokens: dict[str, _Token] = {}
        self._lock = asyncio.Lock()

    async def token(self, scope: str) -> str:
        async with self._lock:
            cached = self._tokens.get(scope)
            if cached is not None and self._clock() < cached.expires_at:
                return cached.value
            token = await self._fetch(scope)
            self._tokens[scope] = token
            return token.value

    def forget(self, scope: str) -> None:
        """Drop a token the register refused (revoked or expired early), so the next call fetches a new one."""
        self._tokens.pop(scope, None)

    async def _fetch(self, scope: str) -> _Token:
        form = {"grant_type": "client_credentials", "client_id": self._credentials.client_id, "scope": scope}
        form |= self._client_authentication()
        try:
            response = await self._http.post(self._credentials.token_endpoint, data=form)
        except httpx.TransportError as exc:
            raise Forbigaende(f"Azure AD: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise Forbigaende(f"Azure AD: HTTP {response.status_code}")
        if response.status_code != 200:
            raise Ugyldig(f"Azure AD avviste klienten: HTTP {response.status_code}")
        try:
            body = response.json()
            value, expires_in = str(body["access_token"]), float(body["expires_in"])
        except (ValueError, KeyError, TypeError) as exc:
            raise Ugyldig("Azure AD: svar uten access_token/expires_in") from exc
        return _Token(value, self._clock() + expires_in - _EXPIRY_MARGIN_S)

    def _client_authentication(self) -> dict[str, str]:
        credentials = self._credentials
        if credentials.jwk is None:
            assert credentials.client_secret is not None  # checked in __init__
            return {"client_secret": credentials.client_secret}
        key = jwt.PyJWK(json.loads(credentials.jwk))
        now = int(time.time())
        claims = {
            "aud": credentials.token_endpoint,
            "iss": credentials.client_id,
            "sub": credentials.client_id,
            "jti": str(uuid.uuid4()),
            "iat": now,
            "nbf": now,
            "exp": now + _ASSERTION_LIFETIME_S,
        }
        assertion = jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": key.key_id or ""})
        return {"client_assertion_type": _ASSERTION_TYPE, "client_assertion": assertion}
