"""What the operator's tools send goes through the outbox under the producer `operations`, like every
service's messages, and is published at once by a relay run for the moment."""

from sqlalchemy import func, select

from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.tables import OutboxMessage

PRODUCER = "operations"

NOT_YET_PUBLISHED = "queued, not yet published: see `outbox status`"


async def publish_queued(runtime: Runtime) -> int:
    """Publish what the tools queued; returns how many are still unpublished (Kafka unreachable, or
    another operator's relay holds the lease and publishes them instead)."""
    relay = runtime.relay_for(PRODUCER)
    relay.stop()
    await relay.run()
    async with runtime.database.session() as session:
        pending = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.producer == PRODUCER, OutboxMessage.published_at.is_(None))
        )
    return pending or 0
