"""Which failures are the infrastructure's, as the drivers raise them through SQLAlchemy, and how an
outage is logged."""

import asyncio
import contextlib
import logging

import asyncpg
import pytest
from aiokafka.errors import KafkaConnectionError, UnknownMemberIdError
from sqlalchemy.exc import DBAPIError, IntegrityError
from structlog.testing import capture_logs

from sykmeldingsflyt.messaging.transient import KafkaOutageLines, Outage, every, is_transient


def _through_sqlalchemy(driver_error: Exception, wrapper: type[DBAPIError] = DBAPIError) -> DBAPIError:
    """As SQLAlchemy's asyncpg dialect raises it: its DBAPI error, raised from asyncpg's, in `orig`."""
    adapted = Exception("adapted")
    adapted.__cause__ = driver_error
    return wrapper("UPDATE t SET fnr = $1", ("12345678910",), adapted)


@pytest.mark.parametrize(
    "error",
    [
        _through_sqlalchemy(asyncpg.exceptions.CannotConnectNowError("the database system is shutting down")),
        _through_sqlalchemy(asyncpg.exceptions.AdminShutdownError("terminating connection")),
        _through_sqlalchemy(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")),
        _through_sqlalchemy(asyncpg.exceptions.SerializationError("could not serialize access")),
        _through_sqlalchemy(asyncpg.exceptions.TooManyConnectionsError("too many clients")),
        _through_sqlalchemy(asyncpg.exceptions.IdleInTransactionSessionTimeoutError("idle-in-transaction timeout")),
        DBAPIError("SELECT 1", None, Exception("gone"), connection_invalidated=True),
        ConnectionRefusedError(111, "refused"),
        TimeoutError(),
        KafkaConnectionError("no broker"),
    ],
    ids=lambda error: type(error).__name__ + ":" + str(error)[:20],
)
def test_the_infrastructure_away_is_transient(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        _through_sqlalchemy(asyncpg.exceptions.UniqueViolationError("duplicate key"), IntegrityError),
        _through_sqlalchemy(asyncpg.exceptions.DataError("invalid input")),
        ZeroDivisionError(),
        KeyError("x"),
        UnknownMemberIdError(),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_message_of_its_own_or_a_bug_is_not_transient(error: Exception) -> None:
    assert not is_transient(error)


def test_an_outage_is_logged_when_it_begins_as_a_reminder_and_when_it_ends_without_the_statement() -> None:
    outage = Outage("stage:test", backoff=0.1, max_backoff=0.4, remind_every=0.0)
    error = _through_sqlalchemy(asyncpg.exceptions.CannotConnectNowError("shutting down"))
    with capture_logs() as logs:
        delays = [outage.failed(error) for _ in range(5)]
        outage.succeeded()
        outage.succeeded()

    assert [line["event"] for line in logs] == [
        "dependency.unavailable",
        *["dependency.still_unavailable"] * 4,
        "dependency.back",
    ]
    assert {line["error"] for line in logs[:-1]} == {"CannotConnectNowError"}
    assert "12345678910" not in repr(logs)
    assert all(0.05 <= delay <= 0.4 for delay in delays)
    assert delays[-1] >= 0.2


async def test_a_timer_round_failing_while_the_database_is_away_is_one_outage_and_a_bug_is_named_by_type() -> None:
    """A service's sweep (`every`) across an outage of three rounds, then a bug, then success."""
    outcomes: list[Exception | None] = [
        _through_sqlalchemy(asyncpg.exceptions.CannotConnectNowError("shutting down")),
        _through_sqlalchemy(asyncpg.exceptions.AdminShutdownError("terminating connection")),
        _through_sqlalchemy(asyncpg.exceptions.CannotConnectNowError("shutting down")),
        None,
        _through_sqlalchemy(IntegrityError("INSERT", {}, Exception("duplicate key")), IntegrityError),
        None,
    ]
    done = asyncio.Event()

    async def round_() -> None:
        outcome = outcomes.pop(0)
        if not outcomes:
            done.set()
        if outcome is not None:
            raise outcome

    with capture_logs() as logs:
        sweep = asyncio.create_task(every(0.001, round_, "personvern:ventende"))
        await asyncio.wait_for(done.wait(), timeout=30)
        sweep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweep

    assert [(line["event"], line.get("error")) for line in logs] == [
        ("dependency.unavailable", "CannotConnectNowError"),
        ("dependency.back", None),
        ("background.round_failed", "IntegrityError"),
    ]
    assert {line["component"] for line in logs} == {"personvern:ventende"}
    assert "12345678910" not in repr(logs)


async def test_aiokafka_s_lines_for_a_broker_away_become_one_warning_and_one_line_when_back() -> None:
    lines = KafkaOutageLines(quiet=1.0)
    template = "Unable connect to node with id %s: %s"
    unreachable = [logging.LogRecord("aiokafka", logging.ERROR, "", 1, template, (1, "x"), None) for _ in range(200)]
    other = logging.LogRecord("aiokafka", logging.ERROR, "", 1, "Unexpected error in sender routine", (), None)
    with capture_logs() as logs:
        passed = [lines.filter(record) for record in unreachable]
        await asyncio.sleep(0.5)
        lines.filter(unreachable[0])  # still away: "back" waits for a quiet second after the last line
        await asyncio.sleep(0.6)
        assert [line["event"] for line in logs] == ["dependency.unavailable"]
        await asyncio.sleep(1.5)

    assert not any(passed)
    assert lines.filter(other), "other errors are left as they are"
    assert [(line["event"], line["component"]) for line in logs] == [
        ("dependency.unavailable", "kafka"),
        ("dependency.back", "kafka"),
    ]
