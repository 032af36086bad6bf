"""One database transaction of a consuming service: its state, the events it has handled and its outbox.

Because the three are written together, a crash either keeps all of them or none, and a redelivered event
is recognised by its handled-event id and skipped. This is the heart of "nothing lost, nothing twice".
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.storage.tables import HandledEvent, OutboxMessage

T = TypeVar("T")


class UnitOfWork:
    def __init__(self, session: AsyncSession, consumer: str) -> None:
        self.session = session
        self.consumer = consumer
        self.published = 0
        self._added: dict[type, list[Any]] = {}
        # What a stage's `prepare` found for the whole batch, for its handler to use message by message.
        self.scratch: Any = None

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
        self.session.add(HandledEvent(consumer=self.consumer, event_id=event_id, handled_at=_now()))

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
        self.session.add(
            OutboxMessage(
                producer=self.consumer,
                event_id=event_id,
                topic=topic,
                key=key.encode(),
                value=value,
                headers={"event-id": event_id, **(headers or {})},
                created_at=_now(),
            )
        )
        self.published += 1


def _now() -> datetime:
    return datetime.now(UTC)
