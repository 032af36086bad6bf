"""Settings that fail fast and safe: each bad setting is one line naming the variable, exit code 2, no
traceback, from the real command in a process of its own."""

import base64
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sykmeldingsflyt.gateway.devtokens import DEV_ISSUER, DevIssuer

STRONG_KEY = base64.b64encode(secrets.token_bytes(32)).decode()
SECRET_PASSWORD = "db-password-canary-5521"
_OURS = ("KAFKA_", "DATABASE_URL", "SYKMELDINGSFLYT_", "NAIS_", "LOG_LEVEL")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _command(cwd: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith(_OURS)}
    return subprocess.run(
        [sys.executable, "-m", "sykmeldingsflyt", *args],
        env=environment | {"KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{_closed_port()}"} | variables,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _refused(result: subprocess.CompletedProcess[str], *named: str) -> str:
    """The one line the operator sees; it names every variable in `named`."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    (line,) = lines
    assert line.startswith("error: ")
    for variable in named:
        assert variable in line, line
    return line


PRODUCTION = {
    "NAIS_APP_NAME": "sykmeldingsflyt-mottak",
    "NAIS_CLUSTER_NAME": "prod-gcp",
    "DATABASE_URL": "postgresql://sykmeldingsflyt@127.0.0.1:1/sykmeldingsflyt",
    "SYKMELDINGSFLYT_PSEUDONYM_KEY": STRONG_KEY,
    "SYKMELDINGSFLYT_DEAD_LETTER_KEYS": f"k1:{base64.b64encode(secrets.token_bytes(32)).decode()}",
    "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "KAFKA_SASL_USERNAME": "sykmeldingsflyt",
    "KAFKA_SASL_PASSWORD": "kafka-password",
}


@pytest.mark.parametrize("key", ["", "x", "a" * 31])
def test_a_short_pseudonym_key_is_refused_in_every_profile(tmp_path: Path, key: str) -> None:
    line = _refused(
        _command(tmp_path, "run", "mottak", SYKMELDINGSFLYT_PSEUDONYM_KEY=key), "SYKMELDINGSFLYT_PSEUDONYM_KEY"
    )

    assert "at least 32" in line


def test_production_needs_an_explicit_database(tmp_path: Path) -> None:
    variables = {name: value for name, value in PRODUCTION.items() if name != "DATABASE_URL"}

    line = _refused(_command(tmp_path, "run", "mottak", **variables), "DATABASE_URL")

    assert "production" in line
    assert not (tmp_path / "var").exists(), "no SQLite file is made before the refusal"


@pytest.mark.parametrize(
    "key",
    [None, "sykmeldingsflyt-development-only-pseudonym-key", "change-me-change-me-change-me-change-me", "ab" * 32],
)
def test_production_needs_a_random_key_of_its_own(tmp_path: Path, key: str | None) -> None:
    variables = {name: value for name, value in PRODUCTION.items() if name != "SYKMELDINGSFLYT_PSEUDONYM_KEY"}
    if key is not None:
        variables["SYKMELDINGSFLYT_PSEUDONYM_KEY"] = key

    line = _refused(_command(tmp_path, "run", "mottak", **variables), "SYKMELDINGSFLYT_PSEUDONYM_KEY")

    if key:
        assert key not in line


def test_production_needs_kafka_credentials(tmp_path: Path) -> None:
    variables = {name: value for name, value in PRODUCTION.items() if not name.startswith("KAFKA_")}

    _refused(_command(tmp_path, "run", "mottak", **variables), "KAFKA_CERTIFICATE_PATH", "KAFKA_SASL_USERNAME")


def test_the_profile_variable_chooses_production_without_nais(tmp_path: Path) -> None:
    result = _command(tmp_path, "run", "mottak", SYKMELDINGSFLYT_PROFILE="production")

    _refused(result, "SYKMELDINGSFLYT_PSEUDONYM_KEY")


def test_an_unknown_profile_is_named(tmp_path: Path) -> None:
    _refused(_command(tmp_path, "run", "mottak", SYKMELDINGSFLYT_PROFILE="staging"), "SYKMELDINGSFLYT_PROFILE")


@pytest.mark.parametrize("servers", ["kafka", "kafka:port", "kafka:9092;other:9092", "http://kafka:9092"])
def test_a_malformed_bootstrap_list_is_named(tmp_path: Path, servers: str) -> None:
    _refused(_command(tmp_path, "run", "mottak", KAFKA_BOOTSTRAP_SERVERS=servers), "KAFKA_BOOTSTRAP_SERVERS")


def test_an_unreachable_cluster_is_named(tmp_path: Path) -> None:
    line = _refused(_command(tmp_path, "run", "mottak"), "KAFKA_BOOTSTRAP_SERVERS")

    assert "no broker answers" in line


@pytest.mark.parametrize("url", ["not a url", "mysql://user@host/db"])
def test_a_wrong_database_url_is_named(tmp_path: Path, url: str) -> None:
    _refused(_command(tmp_path, "run", "mottak", DATABASE_URL=url), "DATABASE_URL")


def test_an_unreachable_database_is_named_without_its_password(tmp_path: Path) -> None:
    url = f"postgresql://sykmeldingsflyt:{SECRET_PASSWORD}@127.0.0.1:{_closed_port()}/sykmeldingsflyt"

    line = _refused(_command(tmp_path, "run", "mottak", DATABASE_URL=url), "DATABASE_URL")

    assert SECRET_PASSWORD not in line
    assert "no answer" in line


def test_an_unknown_log_level_is_named(tmp_path: Path) -> None:
    _refused(_command(tmp_path, "run", "mottak", LOG_LEVEL="CHATTY"), "LOG_LEVEL")


def _gateway(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    trusted = DevIssuer(tmp_path / "issuer").environment()
    return _command(tmp_path, "gateway", "--port", str(_closed_port()), **(trusted | variables))


def test_a_missing_jwks_file_is_named_at_start(tmp_path: Path) -> None:
    line = _refused(_gateway(tmp_path, SYKMELDINGSFLYT_JWKS=str(tmp_path / "absent.json")), "SYKMELDINGSFLYT_JWKS")

    assert "absent.json" in line


def test_a_file_that_is_no_jwks_is_named_at_start(tmp_path: Path) -> None:
    not_jwks = tmp_path / "jwks.json"
    not_jwks.write_text('{"keys": "none"}')

    _refused(_gateway(tmp_path, SYKMELDINGSFLYT_JWKS=str(not_jwks)), "SYKMELDINGSFLYT_JWKS")


def test_the_gateway_needs_its_issuer(tmp_path: Path) -> None:
    result = _command(tmp_path, "gateway", SYKMELDINGSFLYT_JWKS="/x", SYKMELDINGSFLYT_AUDIENCE="a")

    _refused(result, "SYKMELDINGSFLYT_ISSUER")


def test_production_does_not_trust_the_development_issuer(tmp_path: Path) -> None:
    line = _refused(_gateway(tmp_path, **PRODUCTION), "SYKMELDINGSFLYT_ISSUER")

    assert DEV_ISSUER not in line or "development issuer" in line


def test_production_trusts_only_https_issuers(tmp_path: Path) -> None:
    result = _gateway(tmp_path, **PRODUCTION, SYKMELDINGSFLYT_ISSUER="http://issuer.example")

    assert "https://" in _refused(result, "SYKMELDINGSFLYT_ISSUER")


def test_production_needs_dead_letter_keys_of_its_own(tmp_path: Path) -> None:
    variables = {name: value for name, value in PRODUCTION.items() if name != "SYKMELDINGSFLYT_DEAD_LETTER_KEYS"}

    _refused(_command(tmp_path, "run", "mottak", **variables), "SYKMELDINGSFLYT_DEAD_LETTER_KEYS")


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "OTEL_TRACES_EXPORTER"),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ),
    ],
)
def test_a_tracing_setting_the_sdk_cannot_follow_is_refused(
    tmp_path: Path, variables: dict[str, str], named: str
) -> None:
    _refused(_command(tmp_path, "run", "mottak", **variables), named)
