"""One database transaction of a consuming service: its state, the events it has handled and its outbox.

Because the three are written together, a crash either keeps all of them or none, and a redelivered event
is recognised by its handled-event id and skipped. This is the heart of "nothing lost, nothing twice".
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from sykmeldingsflyt.storage.tables import HandledEvent, OutboxMessage

T = TypeVar("T")


class UnitOfWork:
    def __init__(self, session: AsyncSession, consumer: str) -> None:
        self.session = session
        self.consumer = consumer
        self._added: dict[type, list[Any]] = {}
        # What a stage's `prepare` found for the whole batch, for its handler to use message by message.
        self.scratch: Any = None
        # The outbox and handled ids go in with one executemany each, just before the commit: an ORM
        # object per row would cost several times the rest of a message's handling.
        self._outbox: list[dict[str, Any]] = []
        self._handled: list[dict[str, Any]] = []
        event.listen(session.sync_session, "before_commit", self._write_buffered)

    @property
    def published(self) -> int:
        return len(self._outbox)

    def add(self, row: T) -> T:
        """Add a row to the transaction, and remember it for `added` (it may not be flushed yet)."""
        self.session.add(row)
        self._added.setdefault(type(row), []).append(row)
        return row

    def added(self, kind: type[T]) -> list[T]:
        """The rows of `kind` this transaction added: what a query cannot see while autoflush is off."""
        return self._added.get(kind, [])

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
        self._handled.append({"consumer": self.consumer, "event_id": event_id, "handled_at": _now()})

    def publish(
        self,
        *,
        topic: str,
        key: str,
        value: bytes | None,
        event_id: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Queue a message for the relay. `event_id` must be stable: the same input gives the same id."""
        self._outbox.append(
            {
                "producer": self.consumer,
                "event_id": event_id,
                "topic": topic,
                "key": key.encode(),
                "value": value,
                "headers": {"event-id": event_id, **(headers or {})},
                "created_at": _now(),
            }
        )

    def _write_buffered(self, session: Session) -> None:
        # Runs once, inside the commit of the transaction this unit of work belongs to.
        if self._outbox:
            session.execute(insert(OutboxMessage), self._outbox)
        if self._handled:
            session.execute(insert(HandledEvent), self._handled)


def _now() -> datetime:
    return datetime.now(UTC)
