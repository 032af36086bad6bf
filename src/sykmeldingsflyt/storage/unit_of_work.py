"""One database transaction of a consuming service: its state, the events it has handled and its outbox.

Because the three are written together, a crash either keeps all of them or none, and a redelivered event
is recognised by its handled-event id and skipped. This is the heart of "nothing lost, nothing twice".
"""

from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, event, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from sykmeldingsflyt.observability import tracing
from sykmeldingsflyt.storage.tables import Base, HandledEvent, OutboxMessage

T = TypeVar("T")


class UnitOfWork:
    def __init__(self, session: AsyncSession, consumer: str) -> None:
        self.session = session
        self.consumer = consumer
        # What a stage's `prepare` found for the whole batch, for its handler to use message by message.
        self.scratch: Any = None
        # What `once` has read of this transaction's messages: forgotten with the transaction, so that a retry
        # (a batch's messages applied alone after the batch failed) reads each message afresh.
        self._read: dict[tuple[str, Hashable], Any] = {}
        # Rows to insert go in with one executemany per table just before the commit, the outbox first
        # so its ids follow the order of publishing: an ORM object per row would cost several times the
        # rest of a message's handling.
        self._inserts: dict[type[Base], list[dict[str, Any]]] = {OutboxMessage: [], HandledEvent: []}
        event.listen(session.sync_session, "before_commit", self._write_buffered)

    @property
    def published(self) -> int:
        return len(self._inserts[OutboxMessage])

    def insert(self, table: type[Base], values: dict[str, Any]) -> None:
        """Insert a row at commit. Queries in this transaction do not see it: `inserted` does."""
        self._inserts.setdefault(table, []).append(values)

    def inserted(self, table: type[Base]) -> list[dict[str, Any]]:
        """The rows this transaction will insert into `table`."""
        return self._inserts.get(table, [])

    def once(self, event_id: str, what: Hashable, read: Callable[[], T]) -> T:
        """`read()` of the message `event_id` the first time this transaction asks for `what` of it, the same
        object after: a stage's prepare and its handler share one decode. `what` names what `read` makes (the
        model it decodes to), so one key always holds one type. Nothing is kept if `read` raises."""
        key = (event_id, what)
        if key in self._read:
            return cast(T, self._read[key])
        value = self._read[key] = read()
        return value

    async def already_handled(self, event_ids: Iterable[str]) -> set[str]:
        wanted = list(event_ids)
        if not wanted:
            return set()
        rows = await self.session.scalars(
            select(HandledEvent.event_id).where(
                HandledEvent.consumer == self.consumer, HandledEvent.event_id.in_(wanted)
            )
        )
        return set(rows)

    def mark_handled(self, event_id: str) -> None:
        self.insert(HandledEvent, {"consumer": self.consumer, "event_id": event_id, "handled_at": _now()})

    def publish(
        self,
        *,
        topic: str,
        key: str,
        value: bytes | None,
        event_id: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Queue a message for the relay. `event_id` must be stable: the same input gives the same id. When
        tracing is on, the message carries the current span's traceparent, which the relay publishes with it."""
        self.insert(
            OutboxMessage,
            {
                "producer": self.consumer,
                "event_id": event_id,
                "topic": topic,
                "key": key.encode(),
                "value": value,
                "headers": {"event-id": event_id, **(headers or {}), **tracing.current_headers()},
                "created_at": _now(),
            },
        )

    def close(self) -> None:
        """Let go of the session's listener, the batch's scratch and the messages it read once the transaction has
        ended: they make reference cycles (session, listener, this; this, scratch, a repository holding this),
        which left a whole batch's decoded messages and rows to the garbage collector instead of reference
        counting."""
        event.remove(self.session.sync_session, "before_commit", self._write_buffered)
        self.scratch = None
        self._read.clear()

    def _write_buffered(self, session: Session) -> None:
        # Runs once, inside the commit of the transaction this unit of work belongs to. A Core insert of the
        # table, not of the mapped class: the ORM's bulk path would build its insert commands row by row.
        for table, rows in self._inserts.items():
            if rows:
                session.execute(insert(cast(Table, table.__table__)), rows)


def _now() -> datetime:
    return datetime.now(UTC)
