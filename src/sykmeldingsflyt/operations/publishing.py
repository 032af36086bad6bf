"""What the operator's tools send goes through the outbox under the producer `operations`, like every
service's messages, and is published at once by a relay run for the moment."""

import asyncio

from sqlalchemy import func, select

from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.tables import OutboxMessage

PRODUCER = "operations"

NOT_YET_PUBLISHED = "queued, not yet published: see `outbox status`"


async def publish_queued(runtime: Runtime, patience: float = 15.0) -> int:
    """Publish what the tools queued; returns how many are still unpublished after `patience` seconds
    (Kafka unreachable, or another operator's relay kept its lease: it lapses after ten seconds)."""
    deadline = asyncio.get_running_loop().time() + patience
    while True:
        relay = runtime.relay_for(PRODUCER)
        relay.stop()
        await relay.run()
        pending = await _pending(runtime)
        if not pending or asyncio.get_running_loop().time() > deadline:
            return pending
        await asyncio.sleep(1.0)


async def _pending(runtime: Runtime) -> int:
    async with runtime.database.session() as session:
        pending = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.producer == PRODUCER, OutboxMessage.published_at.is_(None))
        )
    return pending or 0
