"""`sykmeldingsflyt schemas register|check`: the Avro schemas this build writes, in the schema registry at
KAFKA_SCHEMA_REGISTRY (KAFKA_SCHEMA_REGISTRY_USER and _PASSWORD on Aiven), under `<topic>-value` subjects."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
import typer

from sykmeldingsflyt.messaging.codec import SchemaStore
from sykmeldingsflyt.messaging.schema_registry import ConfluentSchemaRegistry, SchemaRegistryError
from sykmeldingsflyt.messaging.settings import KafkaSettings, SettingsError

schemas_app = typer.Typer(help="The Avro schemas this build writes, in the schema registry.", no_args_is_help=True)

T = TypeVar("T")


def _asking(call: Callable[[ConfluentSchemaRegistry], Coroutine[Any, Any, T]]) -> T:
    """The registry's answer; a bad setting is one line and exit 2, a refusing or absent registry exit 1."""
    try:
        registry = ConfluentSchemaRegistry.from_settings(KafkaSettings.from_env(), SchemaStore())
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    try:
        return asyncio.run(call(registry))
    except SchemaRegistryError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    except httpx.HTTPError as error:
        typer.echo(f"error: the schema registry at {registry.url} did not answer ({type(error).__name__})", err=True)
        raise typer.Exit(1) from None


@schemas_app.command("register")
def schemas_register() -> None:
    """Register every schema this build writes under its topic's subject; safe to run on every deploy (a
    schema registered before keeps its id). The registry refuses one its compatibility rule does not allow."""
    for subject, schema_id in _asking(lambda registry: registry.publish()).items():
        typer.echo(f"{subject}: id {schema_id}")


@schemas_app.command("check")
def schemas_check() -> None:
    """Whether each schema this build writes is compatible with the latest version of its subject, by the
    subject's compatibility rule; exit 1 if any is not. Run it before a deploy."""
    results = _asking(lambda registry: registry.check())
    for result in results:
        if result.compatible is None:
            typer.echo(f"{result.subject}: new (no version registered yet)")
        elif result.compatible:
            typer.echo(f"{result.subject}: compatible")
        else:
            typer.echo(f"{result.subject}: INCOMPATIBLE")
            for message in result.messages:
                typer.echo(f"    {message}")
    refused = sum(result.compatible is False for result in results)
    if refused:
        typer.echo(f"error: {refused} schema(s) incompatible with the registry's latest version", err=True)
        raise typer.Exit(1)
