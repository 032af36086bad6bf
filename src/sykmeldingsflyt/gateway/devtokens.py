"""A local token issuer for development, the demonstration, tests and benchmarks: never for production.

It keeps an RSA key in a folder (created on first use) and writes the matching JWKS beside it, so a
gateway started with SYKMELDINGSFLYT_JWKS=<folder>/jwks.json trusts exactly the tokens issued here.
The tokens have the shape Maskinporten and TokenX give theirs: `consumer` and `scope` for an
organisation, `pid` for a person.
"""

import base64
import contextlib
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from sykmeldingsflyt.domain.altinn import Systembruker
from sykmeldingsflyt.gateway.auth import HER_ID_CLAIM, ISO6523_AUTHORITY, ORGNR_SCHEME, SYSTEMBRUKER_TYPE

DEFAULT_FOLDER = Path("var/gateway-dev")
DEV_ISSUER = "https://sykmeldingsflyt.invalid/dev-issuer"
DEV_AUDIENCE = "sykmeldingsflyt-gateway"
_KEY_FILE = "private-key.pem"
JWKS_FILE = "jwks.json"


@dataclass(frozen=True)
class DevIssuer:
    folder: Path
    issuer: str = DEV_ISSUER
    audience: str = DEV_AUDIENCE

    @property
    def jwks_path(self) -> Path:
        return self.folder / JWKS_FILE

    def can_sign(self) -> bool:
        """Whether the folder holds the key: a gateway's JWKS folder without it is not ours to sign for."""
        return (self.folder / _KEY_FILE).exists()

    def environment(self) -> dict[str, str]:
        """The settings under which a gateway trusts this issuer (its key and JWKS created if need be)."""
        self._key()
        return {
            "SYKMELDINGSFLYT_JWKS": str(self.jwks_path.resolve()),
            "SYKMELDINGSFLYT_ISSUER": self.issuer,
            "SYKMELDINGSFLYT_AUDIENCE": self.audience,
        }

    def organisation_token(
        self,
        orgnr: str,
        scopes: list[str],
        ttl: timedelta = timedelta(minutes=60),
        *,
        systembruker: Systembruker | None = None,
        her_id: str | None = None,
    ) -> str:
        """A Maskinporten-shaped token for `orgnr`; with `systembruker`, for a vendor acting as its customer's
        Altinn system user, as Maskinporten issues them (`authorization_details`)."""
        claims: dict[str, Any] = {
            "consumer": {"authority": ISO6523_AUTHORITY, "ID": f"{ORGNR_SCHEME}{orgnr}"},
            "scope": " ".join(scopes),
            "client_id": f"dev-client-{orgnr}",
        }
        if systembruker is not None:
            claims["authorization_details"] = [
                {
                    "type": SYSTEMBRUKER_TYPE,
                    "systemuser_org": {"authority": ISO6523_AUTHORITY, "ID": f"{ORGNR_SCHEME}{systembruker.orgnr}"},
                    "systemuser_id": [systembruker.id],
                    "system_id": f"dev-system-{orgnr}",
                }
            ]
        if her_id is not None:
            claims[HER_ID_CLAIM] = her_id
        return self._sign(claims, ttl)

    def person_token(self, pid: str, ttl: timedelta = timedelta(minutes=60)) -> str:
        return self._sign({"pid": pid, "client_id": "dev-client-tokenx", "acr": "idporten-loa-high"}, ttl)

    def operator_token(self, ident: str, groups: list[str], ttl: timedelta = timedelta(minutes=60)) -> str:
        """A NAV employee's token in Azure AD's shape: `NAVident` and the ids of their groups."""
        return self._sign({"NAVident": ident, "groups": groups, "client_id": "dev-client-azuread"}, ttl)

    def _sign(self, claims: dict[str, Any], ttl: timedelta) -> str:
        key, kid = self._key()
        now = datetime.now(UTC)
        payload = {
            **claims,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})

    def _key(self) -> tuple[rsa.RSAPrivateKey, str]:
        """The folder's key, created with its JWKS on first use."""
        path = self.folder / _KEY_FILE
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            generated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = generated.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            # Written under a temporary name and linked into place, so that of two processes starting at
            # once one key wins and both use it, and no reader ever sees half a key.
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(pem)
            temporary.chmod(0o600)
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
            temporary.unlink()
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(loaded, rsa.RSAPrivateKey)
        public: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(loaded.public_key()))
        kid = _thumbprint(public)
        if not self.jwks_path.exists():
            jwks = {"keys": [{**public, "kid": kid, "use": "sig", "alg": "RS256"}]}
            self.jwks_path.write_text(json.dumps(jwks, indent=2))
        return loaded, kid


def _thumbprint(public: dict[str, Any]) -> str:
    # RFC 7638: the SHA-256 of the required members in lexical order, base64url without padding.
    canonical = json.dumps({name: public[name] for name in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
