"""The operator's commands, `sykmeldingsflyt dlq|outbox|case ...`, against the cluster in
KAFKA_BOOTSTRAP_SERVERS and the database in DATABASE_URL."""

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Protocol, TypeVar

import typer

from sykmeldingsflyt.domain.identifiers import is_valid_fnr
from sykmeldingsflyt.gateway.auth import Operator
from sykmeldingsflyt.messaging.dead_letter import KeyringError
from sykmeldingsflyt.messaging.settings import KafkaSettings, SettingsError
from sykmeldingsflyt.operations import case, dead_letters, outbox
from sykmeldingsflyt.operations.audit import command_line_operator
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database

dlq_app = typer.Typer(help="The dead-letter topics: what is there, one entry, replay.", no_args_is_help=True)
outbox_app = typer.Typer(help="What the services have yet to publish; sending an employer view again.")
case_app = typer.Typer(help="One person's case timeline.", no_args_is_help=True)

T = TypeVar("T")

Who = Annotated[
    str,
    typer.Option("--who", envvar="SYKMELDINGSFLYT_OPERATOR", help="Your NAV ident, for the audit log"),
]
Why = Annotated[str | None, typer.Option("--reason", help="Why you look: written to the audit log")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]


def _run(work: Callable[[Runtime], Awaitable[T]]) -> T:
    async def main() -> T:
        database = Database.from_env()
        try:
            await database.migrate()
            return await work(Runtime.from_env(KafkaSettings.from_env(), database))
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except (
        SettingsError,
        KeyringError,
        dead_letters.NotFoundError,
        outbox.NothingToRepublishError,
        case.UnknownPersonError,
    ) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    except TimeoutError:
        typer.echo("error: the Kafka cluster did not answer in time", err=True)
        raise typer.Exit(1) from None


def _operator(who: str) -> Operator:
    if not who.strip():
        typer.echo("error: give --who (or SYKMELDINGSFLYT_OPERATOR): every look is audited", err=True)
        raise typer.Exit(2)
    return command_line_operator(who.strip())


class _Row(Protocol):
    def to_json(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=_Row)


def _print_rows(rows: Sequence[R], as_json: bool, line: Callable[[R], str], none: str) -> None:
    """The rows as one JSON list, or a line each (`none` when there are none)."""
    if as_json:
        _print_json([row.to_json() for row in rows])
        return
    for row in rows:
        typer.echo(line(row))
    if not rows:
        typer.echo(none)


def _print_json(document: Any) -> None:
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


@dlq_app.command("list")
def dlq_list(
    topic: Annotated[str | None, typer.Option(help="Only this source topic, e.g. sykmelding.fra-epj")] = None,
    as_json: Json = False,
) -> None:
    """Dead letters per source topic and reason: how many, how many replayed, the oldest and newest."""
    groups = _run(lambda runtime: dead_letters.summary(runtime, topic))
    _print_rows(
        groups,
        as_json,
        lambda group: (
            f"{group.source_topic}  {group.reason}  {group.count} ({group.replayed} replayed)"
            f"  oldest {group.oldest:%Y-%m-%d %H:%M:%S}  newest {group.newest:%Y-%m-%d %H:%M:%S}"
        ),
        "no dead letters",
    )


@dlq_app.command("show")
def dlq_show(
    entry: Annotated[str, typer.Argument(help="The entry's id, sourceTopic:partition:offset")],
    who: Who = "",
    why: Why = None,
) -> None:
    """One dead letter: reason, headers and its body with fnr pseudonymised and all else but ids, dates and
    codes masked; with --reason the body as received (audited with that reason)."""
    operator = _operator(who)
    _print_json(_run(lambda runtime: dead_letters.show(runtime, entry, operator, why)))


@dlq_app.command("replay")
def dlq_replay(
    entry: Annotated[str | None, typer.Argument(help="One entry's id, sourceTopic:partition:offset")] = None,
    *,
    code: Annotated[str | None, typer.Option(help="Every entry with this dead-letter reason")] = None,
    all_entries: Annotated[bool, typer.Option("--all", help="Every entry")] = False,
    topic: Annotated[str | None, typer.Option(help="Only this source topic's dead letters")] = None,
    who: Who = "",
    why: Why = None,
) -> None:
    """Send dead letters back to their source topic once the cause is fixed; each is sent once, ever, so
    running this again changes nothing. Prints what happened to each."""
    if sum((entry is not None, code is not None, all_entries)) != 1:
        typer.echo("error: give one entry id, --code CODE, or --all", err=True)
        raise typer.Exit(2)
    operator = _operator(who)
    results = _run(
        lambda runtime: dead_letters.replay(runtime, operator, entry_id=entry, code=code, source=topic, why=why)
    )
    for result in results:
        typer.echo(result.line())
    replayed = sum(result.outcome is dead_letters.Outcome.REPLAYED for result in results)
    typer.echo(f"{replayed} replayed, {len(results) - replayed} not")


@outbox_app.command("status")
def outbox_status(as_json: Json = False) -> None:
    """Messages the services have committed but not yet published, per producer and topic."""
    pending = _run(outbox.status)
    _print_rows(
        pending,
        as_json,
        lambda row: f"{row.producer}  {row.topic}  {row.count} pending, oldest {row.oldest_age.total_seconds():.0f}s",
        "nothing pending",
    )


@outbox_app.command("republish")
def outbox_republish(
    sykmelding_id: Annotated[str, typer.Argument(help="The sykmelding whose employer view to send again")],
    who: Who = "",
    why: Why = None,
) -> None:
    """Send the employer view of a sykmelding again (or its retraction, if withdrawn), as last published."""
    operator = _operator(who)
    typer.echo(_run(lambda runtime: outbox.republish(runtime, sykmelding_id, operator, why)))


@case_app.command("show")
def case_show(
    person: Annotated[str, typer.Argument(help="An fnr (pseudonymised at once) or a sykmelding id")],
    who: Who = "",
    why: Why = None,
    as_json: Json = False,
) -> None:
    """The case timeline: sykmeldinger and status, stop points passed and due with dates, varsler, tasks,
    plans, møtebehov and dialogmøter. Audited with --who and --reason."""
    operator = _operator(who)
    if is_valid_fnr(person):
        asked = case.Who(fnr=person)
    elif (sykmelding_id := case.uuid_or_none(person)) is not None:
        asked = case.Who(sykmelding_id=sykmelding_id)
    else:
        typer.echo("error: give an fnr or a sykmelding id", err=True)
        raise typer.Exit(2)
    timeline = _run(lambda runtime: case.case_timeline(runtime, asked, operator, why))
    if as_json:
        _print_json(timeline)
    else:
        for line in case.table(timeline):
            typer.echo(line)
