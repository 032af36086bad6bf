"""One database transaction of a consuming service: its state, the events it has handled and its outbox.

Because the three are written together, a crash either keeps all of them or none, and a redelivered event
is recognised by its handled-event id and skipped. This is the heart of "nothing lost, nothing twice".
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.storage.tables import HandledEvent, OutboxMessage


class UnitOfWork:
    def __init__(self, session: AsyncSession, consumer: str) -> None:
        self.session = session
        self.consumer = consumer
        self.published = 0

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
