"""Which registers a process consults, from the environment.

`SYKMELDINGSFLYT_REGISTERS` (or `REGISTERS`): `file:/path/to/folder` for folder-backed registers
(`registers.files`), `nav` for NAV's HTTP APIs; unset, the bundled folder (development). With `nav`, each
register needs `SYKMELDINGSFLYT_<REGISTER>_URL` and `_SCOPE`, and the Azure AD variables NAIS injects.
"""

from pathlib import Path
from typing import Self

import structlog
from pydantic import AliasChoices, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sykmeldingsflyt.messaging.settings import SettingsError
from sykmeldingsflyt.registers.files import FileRegistre, RegisterfilFeil, bundled_folder
from sykmeldingsflyt.registers.nav import NavEndepunkter, nav_registre
from sykmeldingsflyt.registers.nav.azure import AzureAdCredentials
from sykmeldingsflyt.registers.nav.client import Endepunkt
from sykmeldingsflyt.registers.registre import Registre

log = structlog.get_logger(__name__)

_PREFIX = "SYKMELDINGSFLYT_"
_NAV = "nav"
_FILE = "file:"
_REGISTERS = ("hpr", "btsys", "pdl", "fastlege", "aareg", "narmesteleder")


class RegisterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=_PREFIX, extra="ignore")

    registers: str | None = Field(default=None, validation_alias=AliasChoices(f"{_PREFIX}REGISTERS", "REGISTERS"))
    register_timeout_seconds: float = Field(default=5.0, gt=0)

    hpr_url: str | None = None
    """syfohelsenettproxy, e.g. http://syfohelsenettproxy.teamsykmelding"""
    hpr_scope: str | None = None
    btsys_url: str | None = None
    btsys_scope: str | None = None
    pdl_url: str | None = None
    """PDL's API, e.g. https://pdl-api.prod-fss-pub.nais.io (the client posts to /graphql)"""
    pdl_scope: str | None = None
    pdl_behandlingsnummer: str = "B229"
    """The purpose NAV registered for sykmelding lookups in PDL."""
    pdl_tema: str = "SYM"
    fastlege_url: str | None = None
    fastlege_scope: str | None = None
    aareg_url: str | None = None
    aareg_scope: str | None = None
    narmesteleder_url: str | None = None
    narmesteleder_scope: str | None = None

    azure_app_client_id: str | None = Field(default=None, validation_alias="AZURE_APP_CLIENT_ID")
    azure_app_client_secret: str | None = Field(default=None, validation_alias="AZURE_APP_CLIENT_SECRET", repr=False)
    azure_app_jwk: str | None = Field(default=None, validation_alias="AZURE_APP_JWK", repr=False)
    azure_openid_config_token_endpoint: str | None = Field(
        default=None, validation_alias="AZURE_OPENID_CONFIG_TOKEN_ENDPOINT"
    )

    @classmethod
    def from_env(cls) -> Self:
        try:
            return cls()
        except ValidationError as exc:
            problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors(include_input=False))
            raise SettingsError(f"invalid register settings: {problems}") from None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.registers is None or self.registers.startswith(_FILE):
            return self
        if self.registers != _NAV:
            raise ValueError(f"{_PREFIX}REGISTERS must be 'nav' or 'file:/path/to/folder', not {self.registers!r}")
        missing = [f"{_PREFIX}{name.upper()}_{part}" for name in _REGISTERS for part in ("URL", "SCOPE")]
        missing = [variable for variable in missing if not getattr(self, variable.removeprefix(_PREFIX).lower())]
        if not (self.azure_app_client_id and self.azure_openid_config_token_endpoint):
            missing += ["AZURE_APP_CLIENT_ID", "AZURE_OPENID_CONFIG_TOKEN_ENDPOINT"]
        if not (self.azure_app_client_secret or self.azure_app_jwk):
            missing.append("AZURE_APP_CLIENT_SECRET or AZURE_APP_JWK")
        if missing:
            raise ValueError(f"{_PREFIX}REGISTERS=nav needs {', '.join(missing)}")
        return self

    def folder(self) -> Path | None:
        """The folder of file-backed registers, or None for NAV's."""
        if self.registers is None:
            return bundled_folder()
        return Path(self.registers.removeprefix(_FILE)) if self.registers.startswith(_FILE) else None

    def endepunkt(self, register: str) -> Endepunkt:
        url, scope = getattr(self, f"{register}_url"), getattr(self, f"{register}_scope")
        assert url and scope, "checked in _complete"
        return Endepunkt(url=url, scope=scope)


def open_registre(settings: RegisterSettings) -> Registre:
    """The registers the settings choose; a folder with errors stops the process with every error named."""
    folder = settings.folder()
    if folder is not None:
        if settings.registers is None:
            log.info("registers.bundled", folder=str(folder), note="development default: the bundled folder")
        try:
            return FileRegistre.read(folder).registre()
        except RegisterfilFeil as exc:
            raise SettingsError(str(exc)) from None
    s = settings
    assert s.azure_app_client_id and s.azure_openid_config_token_endpoint, "checked in _complete"
    return nav_registre(
        NavEndepunkter(
            **{name: s.endepunkt(name) for name in _REGISTERS},
            pdl_behandlingsnummer=s.pdl_behandlingsnummer,
            pdl_tema=s.pdl_tema,
            timeout=s.register_timeout_seconds,
        ),
        AzureAdCredentials(
            client_id=s.azure_app_client_id,
            token_endpoint=s.azure_openid_config_token_endpoint,
            client_secret=s.azure_app_client_secret,
            jwk=s.azure_app_jwk,
        ),
    )
