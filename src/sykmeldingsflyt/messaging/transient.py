"""Which failures are the infrastructure's and pass (a database or broker down, shutting down, refusing,
timing out), and how their absence is logged: once when it goes, a reminder while away, once when back.

A message is never blamed for a transient failure: the work is retried with backoff, not dead-lettered.
"""

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import NoReturn

import structlog
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = structlog.get_logger(__name__)


class DependencyUnavailableError(Exception):
    """The database or broker did not answer; what failed is to be tried again later, as it is."""


_TRANSIENT_TYPES = (
    DependencyUnavailableError,
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeoutError,
    KafkaTimeoutError,
    TimeoutError,
    OSError,  # ConnectionError and refused, reset or unreachable sockets
)
# PostgreSQL's SQLSTATE classes of passing trouble: connection exception, transaction rollback
# (serialization failure, deadlock), insufficient resources, operator intervention (admin or crash
# shutdown, cannot connect now, statement timeout) and system error.
_TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})
# And one of class 25: the server ended a transaction left idle too long (storage.database's
# IDLE_IN_TRANSACTION_TIMEOUT), which only a frozen process meets; its work is to be done again.
_TRANSIENT_SQLSTATES = frozenset({"25P03"})


def is_transient(error: BaseException) -> bool:
    """Whether `error`, or what it wraps, is the infrastructure's rather than the message's."""
    for cause in _causes(error):
        if isinstance(cause, _TRANSIENT_TYPES):
            return True
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, KafkaError) and cause.retriable:
            return True
        sqlstate = str(getattr(cause, "sqlstate", None) or "")
        if sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES or sqlstate in _TRANSIENT_SQLSTATES:
            return True
    return False


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what it wraps: SQLAlchemy keeps the driver's error in `orig`, which raised it from
    asyncpg's own. Only explicit causes: an error raised while handling another is not caused by it."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = getattr(current, "orig", None) or current.__cause__


def _root_name(error: BaseException) -> str:
    """The innermost error's type: it names the trouble (CannotConnectNowError) without the statement
    and parameters an error's text may quote."""
    return type(list(_causes(error))[-1]).__name__


class Outage:
    """The state of one dependency as one component sees it, for its logs and its backoff."""

    def __init__(
        self, component: str, *, backoff: float = 0.5, max_backoff: float = 30.0, remind_every: float = 60.0
    ) -> None:
        self.component = component
        self.base_backoff = backoff
        self.max_backoff = max_backoff
        self.remind_every = remind_every
        self.failures = 0
        self._since = 0.0
        self._reminded = 0.0

    @property
    def away(self) -> bool:
        return self.failures > 0

    def failed(self, error: BaseException) -> float:
        """Note a transient failure; returns how long to wait before the next attempt."""
        now = time.monotonic()
        if not self.failures:
            self._since = self._reminded = now
            log.warning("dependency.unavailable", component=self.component, error=_root_name(error))
        elif now - self._reminded >= self.remind_every:
            self._reminded = now
            log.warning(
                "dependency.still_unavailable",
                component=self.component,
                error=_root_name(error),
                seconds=round(now - self._since),
                attempts=self.failures + 1,
            )
        self.failures += 1
        # Jitter: instances that lost the database together do not all come back at one instant.
        ceiling = min(self.max_backoff, self.base_backoff * 2 ** min(self.failures - 1, 16))
        return random.uniform(ceiling / 2, ceiling)

    def succeeded(self) -> None:
        if self.failures:
            log.info(
                "dependency.back",
                component=self.component,
                seconds=round(time.monotonic() - self._since),
                attempts=self.failures,
            )
            self.failures = 0


async def every(seconds: float, work: Callable[[], Awaitable[object]], component: str) -> NoReturn:
    """Do `work` now and every `seconds` until cancelled (a service's timers and sweeps). A round that
    fails because the database or broker is away is an outage, logged as one (once, reminders, once
    back) and backed off; any other failure is logged by its type only (a database error's text can
    hold the statement's parameters). Either way the next round tries again."""
    outage = Outage(component, backoff=seconds)
    while True:
        wait = seconds
        try:
            await work()
        except Exception as error:
            if not is_transient(error):
                log.warning("background.round_failed", component=component, error=type(error).__name__)
            else:
                wait = max(seconds, outage.failed(error))
        else:
            outage.succeeded()
        await asyncio.sleep(wait)


# What aiokafka logs, at ERROR and from every client, for each failed attempt to reach a broker.
_KAFKA_CONNECTION_TROUBLE = frozenset(
    {
        "Unable connect to node with id %s: %s",
        "Unable to update metadata from %s",
        "Unable to request metadata from node with id %s: %r",
        "Failed fetch messages from %s: %s",
        "Group Coordinator Request failed: %s",
        "Error sending %s to node %s [%s] -- marking coordinator dead",
        "Marking the coordinator dead (node %s)for group %s.",
    }
)


class KafkaOutageLines(logging.Filter):
    """While a broker is away aiokafka logs about a hundred lines a second; they become the outage's
    lines instead: one warning when it goes, a reminder a minute, one line when back. Back means no
    such line for `quiet` seconds: aiokafka retries every few hundred milliseconds while it is away."""

    def __init__(self, quiet: float = 5.0) -> None:
        super().__init__()
        self.quiet = quiet
        self._outage = Outage("kafka")
        self._last = 0.0

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("aiokafka") or record.msg not in _KAFKA_CONNECTION_TROUBLE:
            return True
        self._last = time.monotonic()
        if not self._outage.away:
            with contextlib.suppress(RuntimeError):  # aiokafka logs from its event loop; elsewhere, no "back"
                asyncio.get_running_loop().call_later(self.quiet, self._back_yet)
        self._outage.failed(KafkaConnectionError())
        return False

    def _back_yet(self) -> None:
        silent = time.monotonic() - self._last
        if silent >= self.quiet:
            self._outage.succeeded()
        else:
            asyncio.get_running_loop().call_later(self.quiet - silent, self._back_yet)
