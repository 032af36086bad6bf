"""docker-compose.yml cannot run here (no Docker engine), so it is checked against the code instead."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from sykmeldingsflyt.cli import app
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.observability.probes import ProbeSettings
from sykmeldingsflyt.services.registry import SERVICES
from sykmeldingsflyt.services.runtime import ServiceSettings
from sykmeldingsflyt.storage.database import DatabaseSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
OURS = {name: spec for name, spec in COMPOSE["services"].items() if "build" in spec}


def _variables(settings: type[BaseSettings]) -> set[str]:
    prefix = settings.model_config.get("env_prefix", "")
    names: set[str] = set()
    for name, field in settings.model_fields.items():
        alias = field.validation_alias
        if alias is None:
            names.add(f"{prefix}{name}".upper())
        elif isinstance(alias, str):
            names.add(alias)
        else:
            names.update(str(choice) for choice in alias.choices)  # type: ignore[union-attr]
    return names


KNOWN_VARIABLES = (
    _variables(KafkaSettings)
    | _variables(DatabaseSettings)
    | _variables(ServiceSettings)
    | _variables(GatewaySettings)
    | _variables(ProbeSettings)
)


def test_every_service_of_the_product_has_a_container() -> None:
    commanded = {tuple(spec["command"]) for spec in OURS.values()}
    for name in SERVICES:
        assert ("run", name) in commanded, f"docker-compose.yml runs no container for {name}"


@pytest.mark.parametrize("container", sorted(OURS))
def test_commands_are_commands_of_the_cli(container: str) -> None:
    words = list(OURS[container]["command"])
    if words[0] == "run":
        assert set(words[1:]) <= set(SERVICES), f"{container}: unknown services in {words}"
        words = words[:1]
    result = CliRunner().invoke(app, [*words, "--help"])
    assert result.exit_code == 0, f"{container}: {OURS[container]['command']} is not a sykmeldingsflyt command"
    assert "Usage: " in result.output and "No such command" not in result.output


@pytest.mark.parametrize("container", sorted(OURS))
def test_environment_variables_are_ones_the_code_reads(container: str) -> None:
    unknown = set(OURS[container].get("environment", {})) - KNOWN_VARIABLES
    assert not unknown, f"{container} sets variables no code reads: {sorted(unknown)}"


def test_services_wait_for_their_topics_and_database() -> None:
    for name, spec in OURS.items():
        if spec["command"][0] == "run":
            assert spec["depends_on"]["topics"]["condition"] == "service_completed_successfully", name
            assert spec["depends_on"]["postgres"]["condition"] == "service_healthy", name
            assert spec["environment"]["DATABASE_URL"].startswith("postgresql://"), name


def test_the_kafka_container_runs_kraft_with_single_node_replication() -> None:
    kafka = COMPOSE["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:3.9")
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == 1
    assert OURS["mottak"]["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


def test_the_image_ships_the_schemas() -> None:
    dockerfile = (ROOT / "services" / "Dockerfile").read_text()
    assert "COPY schemas" in dockerfile and "SYKMELDINGSFLYT_SCHEMA_DIR=/app/schemas" in dockerfile


def test_every_service_has_its_deployment_folder() -> None:
    for name in SERVICES:
        readme = ROOT / "services" / name / "README.md"
        assert readme.is_file(), f"services/{name}/README.md is missing"
        assert f"sykmeldingsflyt run {name}" in readme.read_text()


def test_kafka_listens_inside_the_network_and_for_the_host() -> None:
    env = COMPOSE["services"]["kafka"]["environment"]
    advertised = dict(entry.split("://") for entry in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    published = {mapping.split(":")[0] for mapping in COMPOSE["services"]["kafka"]["ports"]}

    assert advertised["INTERNAL"] == OURS["mottak"]["environment"]["KAFKA_BOOTSTRAP_SERVERS"]
    host, port = advertised["EXTERNAL"].split(":")
    assert host == "localhost" and port in published
    protocols = dict(entry.split(":") for entry in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert set(advertised) <= set(protocols)


def test_every_long_running_container_is_checked_where_it_serves_its_probes() -> None:
    for name, spec in OURS.items():
        if spec["command"][0] == "topics":
            assert spec["healthcheck"]["disable"] is True
            continue
        probe = " ".join(spec["healthcheck"]["test"])
        port = "8080" if spec["command"][0] == "gateway" else str(spec["environment"]["SYKMELDINGSFLYT_PROBE_PORT"])
        assert f"127.0.0.1:{port}/internal/isready" in probe, name


def test_the_compose_pseudonym_key_is_accepted_by_the_development_profile() -> None:
    key = OURS["mottak"]["environment"]["SYKMELDINGSFLYT_PSEUDONYM_KEY"]

    assert ServiceSettings(SYKMELDINGSFLYT_PSEUDONYM_KEY=key, profile="development").pseudonym_key == key.encode()


def test_the_image_is_multi_stage_non_root_with_a_writable_folder_a_health_check_and_a_pinned_base() -> None:
    dockerfile = (ROOT / "services" / "Dockerfile").read_text()
    stages = [line for line in dockerfile.splitlines() if line.startswith("FROM ")]
    base = next(line for line in dockerfile.splitlines() if line.startswith("ARG PYTHON_IMAGE="))

    assert len(stages) == 2 and "AS build" in stages[0] and "COPY --from=build" in dockerfile
    assert "USER 10001" in dockerfile and "chown 10001:10001 /app/var" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/internal/isalive" in dockerfile
    assert re.fullmatch(r"ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base), base
