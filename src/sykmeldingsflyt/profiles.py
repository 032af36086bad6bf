"""Settings profiles: development runs on embedded defaults and says so; production refuses to start
without what it must be given.

The profile is SYKMELDINGSFLYT_PROFILE (`development` or `production`). Unset, it is production where NAV's
platform runs the app (it sets NAIS_APP_NAME, NAIS_CLUSTER_NAME and NAIS_NAMESPACE) and development elsewhere.
Every rule here raises a SettingsError naming the variable and what is wrong, never quoting a secret.
"""

import os
from enum import StrEnum

from sykmeldingsflyt.messaging.settings import KafkaSettings, SecurityProtocol, SettingsError


class Profile(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


PROFILE_VARIABLE = "SYKMELDINGSFLYT_PROFILE"
NAIS_VARIABLES = ("NAIS_APP_NAME", "NAIS_CLUSTER_NAME", "NAIS_NAMESPACE")
PSEUDONYM_KEY_VARIABLE = "SYKMELDINGSFLYT_PSEUDONYM_KEY"
MIN_KEY_BYTES = 32
# A key of 32 random bytes, in base64 or hex, shows far more different characters than this; a word
# repeated to length (or "change-me" padded) shows fewer.
_MIN_DISTINCT_KEY_CHARACTERS = 10


def detect_profile() -> Profile:
    """SYKMELDINGSFLYT_PROFILE, or production on NAIS and development elsewhere."""
    chosen = os.environ.get(PROFILE_VARIABLE, "").strip().lower()
    if not chosen:
        return Profile.PRODUCTION if any(os.environ.get(name) for name in NAIS_VARIABLES) else Profile.DEVELOPMENT
    try:
        return Profile(chosen)
    except ValueError:
        raise SettingsError(f"{PROFILE_VARIABLE}: {chosen!r} is neither 'development' nor 'production'") from None


def check_pseudonym_key(key: bytes, *, given: bool, development_key: bytes, profile: Profile) -> None:
    """Pseudonyms are only as safe as their key: an fnr has so few possible values that anyone holding a
    weak or known key turns a pseudonym back into the fnr by trying them all."""
    if len(key) < MIN_KEY_BYTES:
        raise SettingsError(
            f"{PSEUDONYM_KEY_VARIABLE}: {len(key)} bytes; give at least {MIN_KEY_BYTES} random bytes "
            "(e.g. `openssl rand -base64 32`)"
        )
    if profile is not Profile.PRODUCTION:
        return
    if not given or key == development_key:
        raise SettingsError(
            f"{PSEUDONYM_KEY_VARIABLE}: the production profile needs a key of its own; the development key is public"
        )
    if len(set(key)) < _MIN_DISTINCT_KEY_CHARACTERS:
        raise SettingsError(
            f"{PSEUDONYM_KEY_VARIABLE}: does not look random; give {MIN_KEY_BYTES} random bytes "
            "(e.g. `openssl rand -base64 32`)"
        )


def check_production(*, kafka: KafkaSettings, database_given: bool) -> None:
    """What every service process must be given explicitly in production."""
    if not database_given:
        raise SettingsError("DATABASE_URL: the production profile needs an explicit database (PostgreSQL)")
    has_certificate = kafka.effective_protocol is SecurityProtocol.SSL and kafka.certificate_path is not None
    if not (has_certificate or kafka.effective_protocol is SecurityProtocol.SASL_SSL):
        raise SettingsError(
            "KAFKA_CERTIFICATE_PATH, KAFKA_PRIVATE_KEY_PATH and KAFKA_CA_PATH (or KAFKA_SECURITY_PROTOCOL=SASL_SSL "
            "with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD): the production profile needs Kafka credentials over TLS"
        )


def check_issuer(variable: str, issuer: str, development_issuer: str, profile: Profile) -> None:
    """Tokens signed by the development issuer's key (on every developer's disk) must never open production."""
    if profile is not Profile.PRODUCTION:
        return
    if issuer == development_issuer:
        raise SettingsError(f"{variable}: the development issuer is not trusted in the production profile")
    if not issuer.startswith("https://"):
        raise SettingsError(f"{variable}: the production profile trusts only https:// issuers (as tokens name them)")
