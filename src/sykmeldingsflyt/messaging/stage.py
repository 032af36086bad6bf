"""A consuming stage: a batch of Kafka records applied in one database transaction, exactly once.

The Kafka offset is committed by the caller only after `process` returns, i.e. after the transaction has
committed. A crash before that redelivers the batch, and the handled-event ids make the replay a no-op.
A message that makes the handler raise (a bug, not bad input: bad input is answered by the handler itself)
is isolated and handed to `on_poison` so that one message can never stop a partition. A message is poison
only when it fails alone while the database answers: a database or broker that is away (messaging/transient)
makes the stage retry the whole batch with backoff, never dead-letter a good message.
"""

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog
from aiokafka import ConsumerRecord

from sykmeldingsflyt.messaging.transient import DependencyUnavailableError, Outage, is_transient
from sykmeldingsflyt.observability import tracing
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Inbound:
    """A record as a stage sees it; `event_id` identifies this delivery position, stable across replays."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    @property
    def event_id(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8", errors="replace")
        return None

    @classmethod
    def from_record(cls, record: "ConsumerRecord[bytes, bytes]") -> "Inbound":
        return cls(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            headers=tuple(record.headers or ()),
        )


Handler = Callable[[UnitOfWork, Inbound], Awaitable[None]]
PoisonHandler = Callable[[UnitOfWork, Inbound, Exception], Awaitable[None]]

# How long a stage retries a batch in place before it hands the batch back to be fetched again: well
# inside the consumer's max.poll.interval, so that a long outage does not also cost the group membership.
RETRY_IN_PLACE_SECONDS = 60.0


class Stage:
    def __init__(
        self,
        *,
        name: str,
        database: Database,
        handler: Handler,
        on_poison: PoisonHandler,
        on_commit: Callable[[], None] = lambda: None,
        retry_backoff: float = 0.5,
        autoflush: bool = True,
        prepare: Callable[[UnitOfWork, Sequence[Inbound]], Awaitable[None]] | None = None,
        serial: asyncio.Lock | None = None,
    ) -> None:
        self.name = name
        self.database = database
        self.handler = handler
        self.on_poison = on_poison
        self.on_commit = on_commit
        self.outage = Outage(f"stage:{name}", backoff=retry_backoff)
        # Off, every write waits for the commit: on SQLite that keeps the one write lock for milliseconds
        # instead of the whole batch, but the handler must look in `uow.added` for what the batch wrote.
        self.autoflush = autoflush
        # Called once per batch with its new records, before the handler sees them one by one: where a
        # service fetches in one query what it would otherwise fetch per record. What it decodes of a record
        # the handler gets again without decoding (services.wiring.decoded, UnitOfWork.once).
        self.prepare = prepare
        # Shared by the stages of one service whose topics meet in its tables: their transactions then take
        # turns in this process, so two messages that wait for each other (a plan and the SENDT it rests on)
        # arriving at once on two topics cannot each commit without having seen the other.
        self.serial = serial

    async def process(self, batch: Sequence[Inbound]) -> None:
        """Apply `batch`; while the database or broker is away, retry it with backoff, and after
        RETRY_IN_PLACE_SECONDS raise DependencyUnavailableError so that the consumer fetches it again."""
        loop = asyncio.get_running_loop()
        give_back_at = loop.time() + RETRY_IN_PLACE_SECONDS
        while True:
            try:
                await self._apply_or_isolate(batch)
            except Exception as error:
                if not is_transient(error):
                    raise
                delay = self.outage.failed(error)
                if loop.time() + delay > give_back_at:
                    # Without the cause: its text may quote the statement and its parameters.
                    raise DependencyUnavailableError(f"stage {self.name}: the database or broker is away") from None
                await asyncio.sleep(delay)
                continue
            self.outage.succeeded()
            self.on_commit()
            return

    async def _apply_or_isolate(self, batch: Sequence[Inbound]) -> None:
        try:
            await self._apply(batch, self.handler)
        except Exception as error:
            if is_transient(error):
                raise
            log.error("stage.batch_failed_isolating", stage=self.name, batch=len(batch), exc_info=True)
            for inbound in batch:
                await self._apply_alone(inbound)

    async def _apply_alone(self, inbound: Inbound) -> None:
        try:
            await self._apply([inbound], self.handler)
        except Exception as exc:
            if is_transient(exc):
                raise
            if not await self.database.answers():
                # The failure may be the database's going away in a form not known to be transient.
                raise DependencyUnavailableError(f"stage {self.name}: the database does not answer") from exc
            log.error("stage.poison_message", stage=self.name, event_id=inbound.event_id, exc_info=True)
            # Without `prepare`: it may be what failed, and the poison handler uses nothing it fetches.
            await self._apply([inbound], functools.partial(self._poisoned, error=exc), prepare=False)

    async def _poisoned(self, uow: UnitOfWork, inbound: Inbound, *, error: Exception) -> None:
        await self.on_poison(uow, inbound, error)

    async def _apply(self, batch: Sequence[Inbound], handler: Handler, *, prepare: bool = True) -> None:
        uow: UnitOfWork | None = None
        try:
            async with self.serial or contextlib.nullcontext(), self.database.session.begin() as session:
                session.sync_session.autoflush = self.autoflush
                uow = UnitOfWork(session, self.name)
                seen = await uow.already_handled(inbound.event_id for inbound in batch)
                fresh = [inbound for inbound in batch if inbound.event_id not in seen]
                if self.prepare and prepare and fresh:
                    await self.prepare(uow, fresh)
                for inbound in fresh:
                    with tracing.consuming(self.name, inbound):
                        await handler(uow, inbound)
                    uow.mark_handled(inbound.event_id)
        finally:
            if uow is not None:
                uow.close()
