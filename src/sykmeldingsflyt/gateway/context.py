"""What the HTTP side holds while it runs: settings, database, token verifier, rate limiter and producer."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sykmeldingsflyt.domain.altinn import Altinn
from sykmeldingsflyt.domain.pseudonym import ansatt_ref, person_ref
from sykmeldingsflyt.gateway.altinn import AltinnPdp, AltinnTilgangsfil
from sykmeldingsflyt.gateway.auth import CallerKind, KeySource, TokenVerifier, TrustedIssuer
from sykmeldingsflyt.gateway.idempotency import Idempotency
from sykmeldingsflyt.gateway.limits import RateLimiter
from sykmeldingsflyt.gateway.publisher import Publisher
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database


@dataclass(frozen=True)
class Gateway:
    settings: GatewaySettings
    runtime: Runtime
    verifier: TokenVerifier
    limiter: RateLimiter
    publisher: Publisher
    idempotency: Idempotency
    altinn: Altinn

    @property
    def database(self) -> Database:
        return self.runtime.database

    def pseudonym(self, fnr: str) -> str:
        return person_ref(fnr, self.runtime.settings.pseudonym_key)

    def ansatt(self, orgnr: str, person: str) -> str:
        """The employee as employer `orgnr` may know them, from their NAV-internal pseudonym."""
        configured = self.settings.ansatt_pseudonym_key
        key = self.runtime.settings.pseudonym_key if configured is None else configured.get_secret_value().encode()
        return ansatt_ref(orgnr, person, key)


@asynccontextmanager
async def open_gateway(settings: GatewaySettings, kafka: KafkaSettings, database_url: str) -> AsyncIterator[Gateway]:
    """Everything started, in the running event loop; stopped on exit."""
    database = Database(database_url)
    try:
        await database.migrate()
        runtime = Runtime.from_env(kafka, database)
        publisher = Publisher(runtime)
        await publisher.start()
        altinn = altinn_of(settings)
        try:
            yield Gateway(
                settings=settings,
                runtime=runtime,
                verifier=TokenVerifier(
                    trusted_issuers(settings),
                    runtime.settings.pseudonym_key,
                    leeway=settings.clock_skew_seconds,
                ),
                limiter=RateLimiter(settings.rate_per_second, settings.rate_burst),
                publisher=publisher,
                idempotency=Idempotency(database),
                altinn=altinn,
            )
        finally:
            await altinn.aclose()
            await publisher.stop()
    finally:
        await database.dispose()


def altinn_of(settings: GatewaySettings) -> AltinnPdp | AltinnTilgangsfil:
    if settings.altinn_pdp_url is None:
        return AltinnTilgangsfil(Path(settings.altinn_tilganger))
    key, token = settings.altinn_subscription_key, settings.altinn_token
    return AltinnPdp(
        settings.altinn_pdp_url,
        settings.altinn_ressurs,
        None if key is None else key.get_secret_value(),
        None if token is None else token.get_secret_value(),
    )


def trusted_issuers(settings: GatewaySettings) -> list[TrustedIssuer]:
    azure = (
        [
            TrustedIssuer(
                settings.azure_issuer,
                settings.azure_audience,
                KeySource(settings.azure_jwks),
                frozenset({CallerKind.OPERATOR}),
            )
        ]
        if settings.azure_issuer and settings.azure_jwks and settings.azure_audience
        else []
    )
    # With Azure AD configured, it alone vouches for operators.
    both = frozenset(CallerKind) - ({CallerKind.OPERATOR} if azure else set())
    if not (settings.tokenx_issuer and settings.tokenx_jwks and settings.tokenx_audience):
        return [TrustedIssuer(settings.issuer, settings.audience, KeySource(settings.jwks), both), *azure]
    return [
        TrustedIssuer(
            settings.issuer, settings.audience, KeySource(settings.jwks), frozenset({CallerKind.ORGANISATION})
        ),
        TrustedIssuer(
            settings.tokenx_issuer,
            settings.tokenx_audience,
            KeySource(settings.tokenx_jwks),
            frozenset({CallerKind.PERSON}),
        ),
        *azure,
    ]
