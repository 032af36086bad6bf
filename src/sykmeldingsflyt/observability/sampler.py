"""Gauges read from the world rather than counted as things happen: outbox depth and age, consumer lag.

Sampled every `interval` seconds in the service's event loop (Prometheus's collectors are synchronous, and
the database is not), so a scrape reads values at most that old.
"""

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime

import structlog
from faststream.kafka import KafkaBroker
from sqlalchemy import func, select

from sykmeldingsflyt.messaging.transient import every
from sykmeldingsflyt.observability.metrics import CONSUMER_LAG, OUTBOX_DEPTH, OUTBOX_OLDEST_SECONDS
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import OutboxMessage

log = structlog.get_logger(__name__)


async def sample(database: Database, broker: KafkaBroker, producers: Iterable[str], interval: float = 15.0) -> None:
    """Runs until cancelled; a failed sample is logged (see `every`) and the next one tried."""
    names = list(producers)

    async def once() -> None:
        await sample_outbox(database, names)
        await sample_lag(broker)

    await every(interval, once, "metrics")


async def sample_outbox(database: Database, producers: list[str]) -> None:
    async with database.session() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.producer, func.count(), func.min(OutboxMessage.created_at))
                .where(OutboxMessage.producer.in_(producers), OutboxMessage.published_at.is_(None))
                .group_by(OutboxMessage.producer)
            )
        ).all()
    pending = {producer: (count, oldest) for producer, count, oldest in rows}
    now = datetime.now(UTC)
    for producer in producers:
        count, oldest = pending.get(producer, (0, None))
        OUTBOX_DEPTH.labels(producer).set(count)
        # SQLite hands back naive datetimes for what was written in UTC.
        age = (now - (oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC))).total_seconds() if oldest else 0.0
        OUTBOX_OLDEST_SECONDS.labels(producer).set(max(age, 0.0))


async def sample_lag(broker: KafkaBroker) -> None:
    for subscriber in broker.subscribers:
        consumer = getattr(subscriber, "consumer", None)
        group = getattr(subscriber, "group_id", None) or ""
        if consumer is None:
            continue
        for partition in consumer.assignment():
            # Read committed: the end a consumer can reach is the last stable offset, not the high watermark.
            end = consumer.last_stable_offset(partition)
            if end is None:
                continue  # nothing fetched from it yet
            async with asyncio.timeout(1.0):
                position = await consumer.position(partition)
            CONSUMER_LAG.labels(group, partition.topic, str(partition.partition)).set(max(end - position, 0))
