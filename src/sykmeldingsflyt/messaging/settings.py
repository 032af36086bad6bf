"""Kafka connection settings, read from the environment.

Accepts the variable names NAV's platform gives its apps on Aiven (KAFKA_BROKERS, KAFKA_CERTIFICATE_PATH,
KAFKA_PRIVATE_KEY_PATH, KAFKA_CA_PATH, KAFKA_SCHEMA_REGISTRY, ...) as well as the generic
KAFKA_BOOTSTRAP_SERVERS, so the same image runs on NAV's platform, on any other cluster and locally.
A wrong setting fails at start with a message naming the variable, never later at the first send.
"""

import re
import ssl
from enum import StrEnum
from pathlib import Path
from typing import Any, Self, TypeVar

from aiokafka.helpers import create_ssl_context
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# What Kafka accepts in a topic name: ASCII only, so "ø" is refused here rather than at topic creation.
_TOPIC_CHARACTERS = re.compile(r"[A-Za-z0-9._-]+")
_BROKER_ADDRESS = re.compile(r"\s*(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(?:[1-9][0-9]{0,4})\s*")


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names the environment variable."""


class SecurityProtocol(StrEnum):
    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"


class SaslMechanism(StrEnum):
    PLAIN = "PLAIN"
    SCRAM_SHA_256 = "SCRAM-SHA-256"
    SCRAM_SHA_512 = "SCRAM-SHA-512"


class KafkaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    bootstrap_servers: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BROKERS")
    )
    security_protocol: SecurityProtocol | None = Field(default=None, validation_alias="KAFKA_SECURITY_PROTOCOL")
    certificate_path: Path | None = Field(default=None, validation_alias="KAFKA_CERTIFICATE_PATH")
    private_key_path: Path | None = Field(default=None, validation_alias="KAFKA_PRIVATE_KEY_PATH")
    ca_path: Path | None = Field(default=None, validation_alias="KAFKA_CA_PATH")
    sasl_mechanism: SaslMechanism = Field(default=SaslMechanism.PLAIN, validation_alias="KAFKA_SASL_MECHANISM")
    sasl_username: str | None = Field(default=None, validation_alias="KAFKA_SASL_USERNAME")
    sasl_password: SecretStr | None = Field(default=None, validation_alias="KAFKA_SASL_PASSWORD")
    schema_registry_url: str | None = Field(default=None, validation_alias="KAFKA_SCHEMA_REGISTRY")
    schema_registry_user: str | None = Field(default=None, validation_alias="KAFKA_SCHEMA_REGISTRY_USER")
    schema_registry_password: SecretStr | None = Field(default=None, validation_alias="KAFKA_SCHEMA_REGISTRY_PASSWORD")
    topic_prefix: str = Field(default="", validation_alias="SYKMELDINGSFLYT_TOPIC_PREFIX")

    @classmethod
    def from_env(cls) -> Self:
        """Read the environment; any problem becomes a SettingsError naming the variable."""
        return read_settings(cls, "Kafka")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for variable, path in (
            ("KAFKA_CERTIFICATE_PATH", self.certificate_path),
            ("KAFKA_PRIVATE_KEY_PATH", self.private_key_path),
            ("KAFKA_CA_PATH", self.ca_path),
        ):
            if path is not None and not path.is_file():
                raise SettingsError(f"{variable}: no readable file at {path}")
        if (self.certificate_path is None) != (self.private_key_path is None):
            raise SettingsError("KAFKA_CERTIFICATE_PATH and KAFKA_PRIVATE_KEY_PATH: mutual TLS needs both or neither")
        try:
            self.ssl_context()
        except ssl.SSLError as error:
            raise SettingsError(
                f"KAFKA_CA_PATH, KAFKA_CERTIFICATE_PATH or KAFKA_PRIVATE_KEY_PATH: not usable for TLS ({error.reason})"
            ) from None
        protocol = self.effective_protocol
        if protocol in (SecurityProtocol.SASL_PLAINTEXT, SecurityProtocol.SASL_SSL) and not (
            self.sasl_username and self.sasl_password
        ):
            raise SettingsError(
                f"KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD: required by KAFKA_SECURITY_PROTOCOL={protocol}"
            )
        if protocol is SecurityProtocol.PLAINTEXT and (self.certificate_path or self.ca_path):
            raise SettingsError("KAFKA_SECURITY_PROTOCOL: PLAINTEXT was chosen but certificates are set; choose SSL")
        if self.bootstrap_servers and not all(map(_BROKER_ADDRESS.fullmatch, self.bootstrap_servers.split(","))):
            raise SettingsError(
                "KAFKA_BOOTSTRAP_SERVERS (or KAFKA_BROKERS): give host:port, comma-separated, e.g. kafka:9092"
            )
        if self.schema_registry_url and not self.schema_registry_url.startswith(("http://", "https://")):
            raise SettingsError("KAFKA_SCHEMA_REGISTRY: must be an http:// or https:// URL")
        if self.topic_prefix and not _TOPIC_CHARACTERS.fullmatch(self.topic_prefix):
            raise SettingsError("SYKMELDINGSFLYT_TOPIC_PREFIX: only letters, digits, '.', '_' and '-'")
        return self

    @property
    def effective_protocol(self) -> SecurityProtocol:
        """Aiven gives certificates without a protocol variable: certificates then mean SSL."""
        if self.security_protocol is not None:
            return self.security_protocol
        if self.certificate_path or self.ca_path:
            return SecurityProtocol.SSL
        return SecurityProtocol.PLAINTEXT

    def require_bootstrap(self) -> str:
        if not self.bootstrap_servers:
            raise SettingsError("KAFKA_BOOTSTRAP_SERVERS (or KAFKA_BROKERS): no Kafka cluster given")
        return self.bootstrap_servers

    def ssl_context(self) -> ssl.SSLContext | None:
        if self.effective_protocol not in (SecurityProtocol.SSL, SecurityProtocol.SASL_SSL):
            return None
        context: ssl.SSLContext = create_ssl_context(
            cafile=self.ca_path,
            certfile=self.certificate_path,
            keyfile=self.private_key_path,
        )
        return context

    def faststream_security(self) -> BaseSecurity | None:
        protocol = self.effective_protocol
        context = self.ssl_context()
        if protocol in (SecurityProtocol.SASL_PLAINTEXT, SecurityProtocol.SASL_SSL):
            assert self.sasl_username and self.sasl_password  # checked in _consistent
            security_class = {
                SaslMechanism.PLAIN: SASLPlaintext,
                SaslMechanism.SCRAM_SHA_256: SASLScram256,
                SaslMechanism.SCRAM_SHA_512: SASLScram512,
            }[self.sasl_mechanism]
            return security_class(
                username=self.sasl_username,
                password=self.sasl_password.get_secret_value(),
                ssl_context=context,
            )
        if context is not None:
            return BaseSecurity(ssl_context=context)
        return None

    def aiokafka_kwargs(self) -> dict[str, Any]:
        """Connection arguments for the raw aiokafka clients (outbox relay, admin, tools)."""
        kwargs: dict[str, Any] = {
            "bootstrap_servers": self.require_bootstrap(),
            "security_protocol": self.effective_protocol.value,
        }
        context = self.ssl_context()
        if context is not None:
            kwargs["ssl_context"] = context
        if self.effective_protocol in (SecurityProtocol.SASL_PLAINTEXT, SecurityProtocol.SASL_SSL):
            assert self.sasl_password is not None  # checked in _consistent
            kwargs |= {
                "sasl_mechanism": self.sasl_mechanism.value,
                "sasl_plain_username": self.sasl_username,
                "sasl_plain_password": self.sasl_password.get_secret_value(),
            }
        return kwargs


S = TypeVar("S", bound=BaseSettings)


def read_settings(settings_class: type[S], what: str) -> S:
    """Read the environment into `settings_class`; any problem becomes one SettingsError naming the variables
    (and never quoting a value, which may be a secret)."""
    try:
        return settings_class()
    except ValidationError as exc:
        problems = "; ".join(
            _describe(settings_class, err["loc"], err["msg"]) for err in exc.errors(include_input=False)
        )
        raise SettingsError(f"invalid {what} settings: {problems}") from None


def _describe(settings_class: type[BaseSettings], loc: tuple[int | str, ...], msg: str) -> str:
    """Name the environment variable, not the Python field: that is what an operator can fix."""
    if not loc:
        # Cross-field checks raise SettingsError, whose text already names the variables.
        return msg.removeprefix("Value error, ")
    # pydantic-settings reports the variable it read; a field name appears only for defaults.
    for name, field in settings_class.model_fields.items():
        alias = field.validation_alias
        if alias is None:
            names = [f"{settings_class.model_config.get('env_prefix', '')}{name}".upper()]
        elif isinstance(alias, AliasChoices):
            names = [str(choice) for choice in alias.choices]
        else:
            names = [str(alias)]
        if loc[0] == name or loc[0] in names:
            return f"{' or '.join(names)}: {msg}"
    return f"{loc[0]}: {msg}"
