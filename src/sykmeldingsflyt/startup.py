"""What a command checks before it starts anything: every setting read and judged under the profile, the
database and Kafka reached, the token issuers' keys read. A problem is one SettingsError naming the variable
and what is wrong; the CLI prints it as one line and exits with code 2.
"""

import asyncio
from dataclasses import dataclass, field

import structlog
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from sykmeldingsflyt.gateway.auth import KeySource
from sykmeldingsflyt.gateway.devtokens import DEV_ISSUER
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.messaging.admin import admin_client
from sykmeldingsflyt.messaging.settings import KafkaSettings, SettingsError, read_settings
from sykmeldingsflyt.observability.probes import ProbeSettings
from sykmeldingsflyt.profiles import PSEUDONYM_KEY_VARIABLE, Profile, check_issuer, check_production
from sykmeldingsflyt.services.runtime import ServiceSettings
from sykmeldingsflyt.storage.database import Database, DatabaseSettings, async_url

log = structlog.get_logger(__name__)

_BOOTSTRAP = "KAFKA_BOOTSTRAP_SERVERS (or KAFKA_BROKERS)"
_REACH_SECONDS = 15.0


@dataclass(frozen=True)
class Settings:
    """Every setting a service process runs with, judged under its profile."""

    kafka: KafkaSettings
    service: ServiceSettings
    database_url: str
    database_given: bool
    probes: ProbeSettings = field(default_factory=ProbeSettings)

    @property
    def profile(self) -> Profile:
        return self.service.profile


def read() -> Settings:
    kafka = KafkaSettings.from_env()
    kafka.require_bootstrap()
    service = ServiceSettings.from_env()
    database = read_settings(DatabaseSettings, "database")
    _check_database_url(database.url)
    given = "url" in database.model_fields_set
    if service.profile is Profile.PRODUCTION:
        check_production(kafka=kafka, database_given=given)
    probes = read_settings(ProbeSettings, "probe")
    return Settings(kafka=kafka, service=service, database_url=database.url, database_given=given, probes=probes)


def read_gateway(settings: Settings) -> GatewaySettings:
    gateway = GatewaySettings.from_env()
    check_issuer("SYKMELDINGSFLYT_ISSUER", gateway.issuer, DEV_ISSUER, settings.profile)
    if gateway.tokenx_issuer:
        check_issuer("SYKMELDINGSFLYT_TOKENX_ISSUER", gateway.tokenx_issuer, DEV_ISSUER, settings.profile)
    return gateway


def _check_database_url(url: str) -> None:
    try:
        backend = make_url(async_url(url)).get_backend_name()
    except ArgumentError:
        raise SettingsError(
            "DATABASE_URL: not a database URL; e.g. postgresql://user:password@host:5432/name"
        ) from None
    if backend not in ("postgresql", "sqlite"):
        raise SettingsError(
            f"DATABASE_URL: {backend!r} is not supported; use postgresql:// (or sqlite:// in development)"
        )


async def reach(settings: Settings, database: Database) -> None:
    """The database answers and a Kafka broker answers, or a SettingsError says which does not."""
    shown = database.url.render_as_string(hide_password=True)
    try:
        async with asyncio.timeout(_REACH_SECONDS), database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        raise SettingsError(f"DATABASE_URL: no answer from {shown} ({_reason(error)})") from None
    await reach_kafka(settings.kafka)


async def reach_kafka(kafka: KafkaSettings) -> None:
    bootstrap = kafka.require_bootstrap()
    # A bare TCP connect first: aiokafka logs every refused bootstrap server as an error with a traceback.
    reasons = []
    for server in bootstrap.split(","):
        host, port = server.strip().rsplit(":", 1)
        try:
            async with asyncio.timeout(5.0):
                _, writer = await asyncio.open_connection(host.strip("[]"), int(port))
        except (OSError, TimeoutError) as error:
            reasons.append(f"{server.strip()}: {_reason(error)}")
            continue
        writer.close()
        await writer.wait_closed()
        break
    else:
        raise SettingsError(f"{_BOOTSTRAP}: no broker answers ({'; '.join(reasons)})")
    try:
        async with (
            asyncio.timeout(_REACH_SECONDS),
            admin_client(kafka, request_timeout_ms=int(_REACH_SECONDS * 1000)) as admin,
        ):
            await admin.describe_cluster()
    except Exception as error:
        raise SettingsError(
            f"{_BOOTSTRAP} and the KAFKA_* credentials: {bootstrap} answers but not as a Kafka cluster we may use "
            f"({_reason(error)})"
        ) from None


async def read_keys(gateway: GatewaySettings) -> None:
    """Each trusted issuer's JWKS is read at start, so a wrong path or URL stops the start, not the first call."""
    sources = [("SYKMELDINGSFLYT_JWKS", gateway.jwks)]
    if gateway.tokenx_jwks:
        sources.append(("SYKMELDINGSFLYT_TOKENX_JWKS", gateway.tokenx_jwks))
    for variable, location in sources:
        try:
            keys = await KeySource(location).load()
        except Exception as error:
            raise SettingsError(f"{variable}: no JWKS could be read from {location} ({_reason(error)})") from None
        if not keys:
            raise SettingsError(f"{variable}: the JWKS at {location} holds no keys")


def announce(settings: Settings) -> None:
    """One line at start saying which profile runs, and in development what it took from the embedded defaults."""
    if settings.profile is Profile.PRODUCTION:
        log.info("settings.profile", profile=settings.profile.value)
        return
    embedded = [name for name, given in _defaults(settings) if not given]
    log.warning(
        "settings.profile: development, with embedded defaults; never for production data",
        profile=settings.profile.value,
        embedded_defaults=embedded,
    )


def _defaults(settings: Settings) -> list[tuple[str, bool]]:
    return [
        ("DATABASE_URL", settings.database_given),
        (PSEUDONYM_KEY_VARIABLE, "pseudonym_key_text" in settings.service.model_fields_set),
    ]


def _reason(error: BaseException) -> str:
    first_line = (str(error).strip().splitlines() or [""])[0][:160]
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__
