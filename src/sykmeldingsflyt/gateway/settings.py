"""The gateway's settings, read from the environment (SYKMELDINGSFLYT_*).

Tokens are trusted from one issuer (`SYKMELDINGSFLYT_ISSUER`, its keys at `SYKMELDINGSFLYT_JWKS`, for
`SYKMELDINGSFLYT_AUDIENCE`), which then vouches for organisations and persons alike, as the development
issuer does. In production Maskinporten vouches for organisations and TokenX for persons: set
`SYKMELDINGSFLYT_TOKENX_ISSUER`, `_TOKENX_JWKS` and `_TOKENX_AUDIENCE` too, and each is trusted only for
its own kind of caller. Operators (/admin) come with an Azure AD token: set `SYKMELDINGSFLYT_AZURE_ISSUER`,
`_AZURE_JWKS` and `_AZURE_AUDIENCE`, and `SYKMELDINGSFLYT_OPERATOR_GROUP` to the operators' group id.
"""

from typing import Self

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sykmeldingsflyt.messaging.settings import SettingsError

_PREFIX = "SYKMELDINGSFLYT_"


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=_PREFIX, extra="ignore")

    jwks: str = Field(min_length=1)
    """A JWKS document: a file path, or an https:// URL (Maskinporten's is https://maskinporten.no/jwk)."""
    issuer: str = Field(min_length=1)
    audience: str = Field(min_length=1)
    tokenx_jwks: str | None = None
    tokenx_issuer: str | None = None
    tokenx_audience: str | None = None
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    rate_per_second: float = Field(default=20.0, gt=0)
    """Requests per second each client may make on average (a token bucket per client, in memory)."""
    rate_burst: int = Field(default=40, gt=0)
    """How many requests a client may make at once after being idle."""
    clock_skew_seconds: int = Field(default=30, ge=0)
    operator_group: str | None = None
    """The Azure AD group (object id) whose members may use /admin; without it nobody may."""
    azure_jwks: str | None = None
    azure_issuer: str | None = None
    azure_audience: str | None = None
    """Azure AD, which vouches for NAV employees (operators): give all three, or the main issuer does."""
    altinn_pdp_url: str | None = None
    """Altinn's platform (https://platform.altinn.no): HR vendors' reads are asked of its PDP. Unset, the
    file `altinn_tilganger` answers instead."""
    altinn_ressurs: str = "nav_sykepenger_fravaer"
    """The Altinn resource a system user needs for the organisation it reads for."""
    altinn_subscription_key: SecretStr | None = None
    altinn_token: SecretStr | None = None
    """The Altinn token for the PDP (exchanged from Maskinporten with scope altinn:authorization/authorize)."""
    altinn_tilganger: str = "var/gateway-dev/altinn-tilganger.json"
    """The stand-in for Altinn: {"<systemuser uuid>": ["<orgnr>", ...]}, read again when it changes."""
    ansatt_pseudonym_key: SecretStr | None = None
    """The key of the employee pseudonyms employers see; unset, derived from SYKMELDINGSFLYT_PSEUDONYM_KEY.
    A new key gives every employee a new pseudonym at every employer at once (nothing stores them)."""

    @classmethod
    def from_env(cls) -> Self:
        """Read the environment; a problem becomes a SettingsError naming the variable."""
        try:
            return cls()
        except ValidationError as exc:
            problems = "; ".join(
                f"{_PREFIX}{str(error['loc'][0]).upper()}: {error['msg']}" if error["loc"] else error["msg"]
                for error in exc.errors(include_input=False)
            )
            raise SettingsError(f"invalid gateway settings: {problems}") from None

    @model_validator(mode="after")
    def _tokenx_complete(self) -> Self:
        given = (self.tokenx_jwks, self.tokenx_issuer, self.tokenx_audience)
        if any(given) and not all(given):
            raise ValueError(
                f"{_PREFIX}TOKENX_JWKS, {_PREFIX}TOKENX_ISSUER and {_PREFIX}TOKENX_AUDIENCE: give all three or none"
            )
        return self

    @model_validator(mode="after")
    def _azure_complete(self) -> Self:
        given = (self.azure_jwks, self.azure_issuer, self.azure_audience)
        if any(given) and not all(given):
            raise ValueError(
                f"{_PREFIX}AZURE_JWKS, {_PREFIX}AZURE_ISSUER and {_PREFIX}AZURE_AUDIENCE: give all three or none"
            )
        return self
