"""docker-compose.yml cannot run here (no Docker engine), so it is checked against the code instead."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from sykmeldingsflyt.cli import app
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.messaging.settings import KafkaSettings
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
    _variables(KafkaSettings) | _variables(DatabaseSettings) | _variables(ServiceSettings) | _variables(GatewaySettings)
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
