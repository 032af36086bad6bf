"""The `sykmeldingsflyt` command."""

import asyncio
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
import yaml

from sykmeldingsflyt import nais, startup
from sykmeldingsflyt.domain.altinn import Systembruker
from sykmeldingsflyt.domain.identifiers import is_valid_fnr, is_valid_orgnr
from sykmeldingsflyt.gateway.devtokens import DEFAULT_FOLDER, DevIssuer
from sykmeldingsflyt.gateway.settings import GatewaySettings
from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings, SettingsError
from sykmeldingsflyt.messaging.topics import catalogue
from sykmeldingsflyt.observability.tracing import configure_tracing
from sykmeldingsflyt.operations.commands import case_app, dlq_app, outbox_app
from sykmeldingsflyt.operations.schemas import schemas_app
from sykmeldingsflyt.registers.files import FileRegistre, RegisterfilFeil
from sykmeldingsflyt.registers.settings import RegisterSettings, open_registre
from sykmeldingsflyt.services.process import run_services
from sykmeldingsflyt.services.registry import SERVICES
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database

# The demonstration, the gateway's app, the local Kafka and the simulation are imported by their
# commands only: `run` restarts a replica, and each second of start-up is a second its partitions
# stand still.

app = typer.Typer(help="sykmeldingsflyt: the message broker for Norwegian sick-leave follow-up.", no_args_is_help=True)
kafka_app = typer.Typer(help="A local Apache Kafka for development and tests.", no_args_is_help=True)
topics_app = typer.Typer(help="The topic catalogue.", no_args_is_help=True)
app.add_typer(kafka_app, name="kafka")
app.add_typer(topics_app, name="topics")
token_app = typer.Typer(help="Tokens for trying the gateway, from a local development key.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(dlq_app, name="dlq")
app.add_typer(outbox_app, name="outbox")
app.add_typer(case_app, name="case")
app.add_typer(schemas_app, name="schemas")


def _kafka_settings() -> KafkaSettings:
    with _settings_checked():
        return KafkaSettings.from_env()


@contextmanager
def _settings_checked() -> Iterator[None]:
    """A wrong setting is one line naming the variable, and exit code 2; never a traceback."""
    try:
        yield
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None


@kafka_app.command("start")
def kafka_start(
    data_dir: Annotated[
        Path | None, typer.Option(help="Keep the broker's data here (default: a temporary folder)")
    ] = None,
) -> None:
    """Start a single-node Apache Kafka (KRaft) on 127.0.0.1 and run it until Ctrl-C."""
    from sykmeldingsflyt import devkafka  # noqa: PLC0415

    configure_logging()
    try:
        devkafka.run_until_interrupted(data_dir)
    except devkafka.KafkaUnavailable as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


@topics_app.command("list")
def topics_list() -> None:
    """Print the catalogue: every topic, its key, value contract, retention and who may read and write it."""
    prefix = KafkaSettings().topic_prefix
    for topic in catalogue(prefix):
        retention = (
            "compacted" if topic.config()["cleanup.policy"] == "compact" else f"{topic.retention_ms // 86_400_000} days"
        )
        value = f"{topic.value_schema}.avsc" if topic.avro_value else topic.value_schema
        typer.echo(
            f"{topic.name}\n"
            f"    key: {topic.key}\n"
            f"    value: {value}   partitions: {topic.partitions}   kept: {retention}\n"
            f"    written by: {_parties(topic.writers)}   read by: {_parties(topic.readers)}\n"
            f"    {topic.description}"
        )


def _parties(parties: frozenset[object]) -> str:
    return ", ".join(sorted(map(str, parties))) or "sykmeldingsflyt only"


@topics_app.command("create")
def topics_create() -> None:
    """Create every topic of the catalogue that does not exist yet (safe to run on every deploy)."""
    configure_logging()
    settings = _kafka_settings()
    created = asyncio.run(create_topics(settings, catalogue(settings.topic_prefix)))
    typer.echo(f"created {len(created)} topics" + (f": {', '.join(created)}" if created else " (all existed)"))


@topics_app.command("nais")
def topics_nais(
    team: Annotated[str, typer.Option(help="The NAIS team (namespace); topics are named <team>.<topic>")],
    pool: Annotated[str, typer.Option(help="The Aiven Kafka pool, e.g. nav-dev or nav-prod")] = "nav-prod",
    image: Annotated[str, typer.Option(help="The image every application runs")] = nais.DEFAULT_IMAGE,
    party: Annotated[
        list[str] | None,
        typer.Option(help="Who a party inside NAV is on Aiven, as PARTY=TEAM/APPLICATION (APPLICATION may be *)"),
    ] = None,
    out: Annotated[Path, typer.Option(help="The folder to write topics/ and apps/ into")] = Path("deploy/nais"),
) -> None:
    """Write a kafka.nais.io Topic per catalogue topic (config and ACLs) and a NAIS Application per process."""
    with _settings_checked():
        parties = nais.parties(team, party or [])
    written = nais.resources(nais.Installation(team=team, pool=pool, image=image, parties=parties))
    for name, resource in written.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(resource, sort_keys=False, allow_unicode=True))
    typer.echo(f"wrote {len(written)} resources under {out}")


@app.command("asyncapi")
def asyncapi_command(
    out: Annotated[Path | None, typer.Option(help="Write the document to this file instead of printing it")] = None,
) -> None:
    """The AsyncAPI 3.0 document: every topic with its Avro contract, and what each service sends and receives."""
    from sykmeldingsflyt.asyncapi import asyncapi_document, render  # noqa: PLC0415

    text = render(asyncapi_document())
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)


@app.command("run")
def run(
    services: Annotated[
        list[str] | None, typer.Argument(help=f"Services to run (default: all of {', '.join(SERVICES)})")
    ] = None,
) -> None:
    """Run services against the cluster in KAFKA_BOOTSTRAP_SERVERS and the database in DATABASE_URL."""
    names = services or list(SERVICES)
    unknown = sorted(set(names) - set(SERVICES))
    if unknown:
        typer.echo(f"error: unknown service {', '.join(unknown)}; known: {', '.join(SERVICES)}", err=True)
        raise typer.Exit(2)
    with _settings_checked():
        configure_logging()
        # Named as NAIS names the application, unless OTEL_SERVICE_NAME says otherwise.
        configure_tracing(f"sykmeldingsflyt-{names[0]}" if len(names) == 1 else "sykmeldingsflyt")
        settings = startup.read()
        register_settings = RegisterSettings.from_env()
        asyncio.run(_run(settings, names, register_settings))


async def _run(settings: startup.Settings, names: list[str], register_settings: RegisterSettings) -> None:
    database = Database(settings.database_url)
    try:
        await startup.reach(settings, database)
        # Opened only once all else is reached: a refused start stays one line, without the registers' notes.
        registre = open_registre(register_settings)
    except SettingsError:
        await database.dispose()
        raise
    startup.announce(settings)
    await database.migrate()
    runtime = Runtime.from_env(settings.kafka, database, registre=registre).with_settings(settings.service)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await run_services(runtime, [SERVICES[name](runtime) for name in names], stop, settings.probes)
    finally:
        await database.dispose()


@app.command("demo")
def demo(
    log_file: Annotated[Path, typer.Option(help="Where the services' own JSON log lines go")] = Path("var/demo.log"),
    hold: Annotated[
        bool | None,
        typer.Option(
            "--hold/--no-hold",
            show_default="when run in a terminal",
            help="At the end, keep the case room (and every service) serving until Ctrl-C",
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Where a held room serves")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="The held room's port")] = 8080,
) -> None:
    """The main job: local Kafka, topics, every service, and a scenario showing what each party receives;
    it ends with the case room's address and development logins."""
    from sykmeldingsflyt import devkafka  # noqa: PLC0415
    from sykmeldingsflyt.demo import run_demo  # noqa: PLC0415
    from sykmeldingsflyt.demo.rom import Rom, RoomUnavailableError  # noqa: PLC0415

    # Held by default only with a person at the keyboard: a script or harness (no terminal on stdin) never waits.
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    where = Rom(host=host, port=port, hold=interactive if hold is None else hold)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("w") as stream:
        with _settings_checked():
            configure_logging(stream=stream)
        try:
            # Flushed line by line: a held demo's output piped to a file or `tee` shows the room's address at once.
            asyncio.run(run_demo(lambda line: print(line, flush=True), where))
        except (devkafka.KafkaUnavailable, RoomUnavailableError) as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo("stopped (Ctrl-C); everything stopped cleanly")
    typer.echo(f"the services' log lines (JSON, redacted): {log_file}")


@app.command("simulate")
def simulate(
    cases: Annotated[int, typer.Option(min=1, help="How many synthetic cases to play")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed for the synthetic cases: the same seed plays the same cases")] = 2026,
) -> None:
    """Play synthetic cases for 52 weeks through the case timeline on a virtual clock, in memory (no Kafka, no
    database): the stop points reached, the varsler and tasks emitted, and events and timers per second."""
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import Progress  # noqa: PLC0415

    from sykmeldingsflyt.simulation import Simulation, synthetic_cases  # noqa: PLC0415

    simulation = Simulation(synthetic_cases(cases, seed))
    # Only on a terminal's stderr, and gone when done: stdout is the report alone, in a pipe or a CI log too.
    stderr = Console(stderr=True)
    with Progress(console=stderr, transient=True, disable=not stderr.is_terminal) as bar:
        day = bar.add_task("days played", total=simulation.report.days)
        played = simulation.run(lambda: bar.advance(day))
    for line in played.lines():
        typer.echo(line)


@app.command("gateway")
def gateway(
    host: Annotated[str, typer.Option(help="The address to listen on (0.0.0.0 in a container)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on")] = 8080,
) -> None:
    """Serve the HTTP gateway (OpenAPI at /docs) in front of KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL.

    Tokens are verified against SYKMELDINGSFLYT_JWKS, SYKMELDINGSFLYT_ISSUER and SYKMELDINGSFLYT_AUDIENCE.
    The read model it answers from is kept by the `gateway` service: `sykmeldingsflyt run gateway`.
    """
    from sykmeldingsflyt.gateway.app import serve  # noqa: PLC0415

    with _settings_checked():
        configure_logging()
        configure_tracing(f"sykmeldingsflyt-{nais.HTTP_GATEWAY}")
        settings = startup.read()
        gateway_settings = startup.read_gateway(settings)
        asyncio.run(_check_gateway(settings, gateway_settings))
    startup.announce(settings)
    serve(gateway_settings, settings.kafka, settings.database_url, host, port)


async def _check_gateway(settings: startup.Settings, gateway_settings: GatewaySettings) -> None:
    database = Database(settings.database_url)
    try:
        await startup.read_keys(gateway_settings)
        await startup.reach(settings, database)
    finally:
        await database.dispose()


@token_app.command("issue")
def token_issue(
    *,
    scope: Annotated[
        list[str] | None, typer.Option(help="A scope for an organisation, e.g. nav:sykmeldingsflyt/epj.write")
    ] = None,
    orgnr: Annotated[
        str | None, typer.Option(help="An organisation token (Maskinporten's shape) for this orgnr")
    ] = None,
    pid: Annotated[str | None, typer.Option(help="A person token (TokenX's shape) for this fnr")] = None,
    systembruker: Annotated[
        str | None,
        typer.Option(help="For an HR vendor: its customer's Altinn system user, as <uuid>:<customer orgnr>"),
    ] = None,
    her_id: Annotated[str | None, typer.Option(help="For an EPJ: its clinic's HER id")] = None,
    operator: Annotated[
        str | None, typer.Option(help="A NAV employee's token (Azure AD's shape) for this NAV ident")
    ] = None,
    group: Annotated[list[str] | None, typer.Option(help="With --operator: an Azure AD group id they are in")] = None,
    minutes: Annotated[int, typer.Option(min=1, help="How long the token is valid")] = 60,
    folder: Annotated[Path, typer.Option(help="The development key and its JWKS")] = DEFAULT_FOLDER,
) -> None:
    """Print a signed token for the gateway; stderr says how to make a gateway trust this key."""
    if sum(given is not None for given in (orgnr, pid, operator)) != 1:
        typer.echo("error: give --orgnr (with --scope), --pid, or --operator (with --group)", err=True)
        raise typer.Exit(2)
    issuer = DevIssuer(folder)
    ttl = timedelta(minutes=minutes)
    if operator is not None:
        token = issuer.operator_token(operator, group or [], ttl)
    elif orgnr is not None:
        if not is_valid_orgnr(orgnr):
            typer.echo("error: --orgnr is not a valid organisation number", err=True)
            raise typer.Exit(2)
        user_id, _, customer = (systembruker or "").partition(":")
        if systembruker is not None and not (user_id and is_valid_orgnr(customer)):
            typer.echo("error: --systembruker is <uuid>:<customer orgnr>", err=True)
            raise typer.Exit(2)
        user = Systembruker(id=user_id, orgnr=customer) if systembruker else None
        token = issuer.organisation_token(orgnr, scope or [], ttl, systembruker=user, her_id=her_id)
    else:
        assert pid is not None
        if not is_valid_fnr(pid):
            typer.echo("error: --pid is not a valid fødselsnummer", err=True)
            raise typer.Exit(2)
        token = issuer.person_token(pid, ttl)
    for name, value in issuer.environment().items():
        typer.echo(f"export {name}={value}", err=True)
    typer.echo(token)


registers_app = typer.Typer(help="The registers the services consult.", no_args_is_help=True)
app.add_typer(registers_app, name="registers")


@registers_app.command("check")
def registers_check(
    path: Annotated[Path, typer.Argument(help="A folder of register files (behandlere.yaml, personer.yaml, ...)")],
) -> None:
    """Validate a folder of register files; every problem names its file, entry and field (exit 2 on any)."""
    try:
        FileRegistre.read(path)
    except RegisterfilFeil as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{path}: the register files are valid")
