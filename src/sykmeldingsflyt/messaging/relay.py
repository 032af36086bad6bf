"""The outbox relay: publishes what a service committed to its outbox, in order, exactly once.

One relay per producing service holds a lease in the database and publishes; the others stand by, so
per-key order on a topic is the order of the outbox. It publishes each batch in a Kafka transaction
under a transactional id per service, which fences a zombie predecessor. The one gap left is a crash
after the Kafka commit and before the database marks the rows: a relay that takes the lease therefore
first reads the committed tail of every topic it still has pending rows for, from the last offsets it
recorded, and marks the rows whose `event-id` it finds there. Consumers reading with
isolation.level=read_committed thus see every outbox row exactly once.

Idle, a relay sleeps. It wakes when a commit fills its outbox: in its own process through `notify` (the
stages call it after each commit), from other processes through PostgreSQL's LISTEN/NOTIFY (a trigger on
the outbox notifies at commit, whoever wrote the rows). A slow poll catches what neither signals (SQLite
across processes, a lost listening connection) and renews the lease.
"""

import asyncio
import contextlib
import time
import weakref
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.messaging.transient import Outage, is_transient
from sykmeldingsflyt.observability import metrics
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import HandledEvent, OutboxMessage, RelayLease, RelayPosition

log = structlog.get_logger(__name__)

_RELAYS: "weakref.WeakSet[OutboxRelay]" = weakref.WeakSet()

POSITION_INTERVAL_SECONDS = 5.0
# The channel the outbox trigger (migration 0008_operable) notifies, with the producer as the payload.
OUTBOX_CHANNEL = "sykmeldingsflyt_outbox"


class OutboxRelay:
    def __init__(
        self,
        database: Database,
        producer_name: str,
        holder: str,
        kafka: dict[str, Any],
        *,
        transactional_id: str,
        batch_size: int = 1000,
        poll_interval: float = 3.0,
        lease_ttl: timedelta = timedelta(seconds=10),
        keep_published: timedelta = timedelta(hours=1),
        keep_handled: timedelta = timedelta(days=7),
    ) -> None:
        self.database = database
        self.producer_name = producer_name
        self.holder = holder
        self.kafka = kafka
        self.transactional_id = transactional_id
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.lease_ttl = lease_ttl
        self.keep_published = keep_published
        self.keep_handled = keep_handled
        self._wake = asyncio.Event()
        self._stopping = False
        self._positions: dict[tuple[str, int], int] = {}
        self._positions_recorded = float("-inf")
        self._producer: AIOKafkaProducer | None = None
        self._last_prune = datetime.min.replace(tzinfo=UTC)
        _RELAYS.add(self)
        self._outage = Outage(f"relay:{producer_name}", max_backoff=5.0)

    def notify(self) -> None:
        """Called after a stage commits, so its messages go out now rather than at the next poll. Every relay of
        the producer in this process wakes: the one holding the lease may be another instance's."""
        for relay in _RELAYS:
            if relay.producer_name == self.producer_name:
                relay._wake.set()

    def stop(self) -> None:
        """Publish what is committed, then let `run` return."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        try:
            async with self._listening():
                while True:
                    # Cleared before the step: a commit during the step wakes the next one at once.
                    self._wake.clear()
                    await self._step()
                    if self._stopping:
                        return
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
        finally:
            await self._release_producer()
            if self._stopping:
                await self._give_up_lease()

    @contextlib.asynccontextmanager
    async def _listening(self) -> AsyncIterator[None]:
        """On PostgreSQL, wake on OUTBOX_CHANNEL notices naming this producer while inside."""
        if self.database.is_sqlite:
            yield
            return
        try:
            connection = await self.database.engine.connect()
            listener: Any = (await connection.get_raw_connection()).driver_connection
            await listener.add_listener(OUTBOX_CHANNEL, self._noticed)
        except Exception:
            log.warning("relay.not_listening", producer=self.producer_name, exc_info=True)
            yield
            return
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                await listener.remove_listener(OUTBOX_CHANNEL, self._noticed)
            await connection.close()

    def _noticed(self, _connection: object, _pid: int, _channel: str, producer: str) -> None:
        if producer == self.producer_name:
            self._wake.set()

    async def _step(self) -> None:
        try:
            if not await self._hold_lease():
                self._outage.succeeded()  # the database answered, and a standby needs nothing else
                await self._release_producer()
                return
            if self._producer is None:
                await self._recover()
                self._producer = AIOKafkaProducer(
                    **self.kafka,
                    transactional_id=self.transactional_id,
                    enable_idempotence=True,
                    acks="all",
                    linger_ms=5,
                    max_batch_size=256 * 1024,
                )
                await self._producer.start()
            # The lease is renewed before every batch: a long backlog must not outlast it, or a standby
            # would take it meanwhile and the two would fence each other's producers in turn.
            while await self.publish_pending() == self.batch_size and await self._hold_lease():
                pass
            await self._prune()
            self._outage.succeeded()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            await self._release_producer()
            if not is_transient(error):
                log.warning("relay.error", producer=self.producer_name, exc_info=True)
                await asyncio.sleep(1.0)
                return
            await asyncio.sleep(self._outage.failed(error))

    async def publish_pending(self) -> int:
        """Publish the oldest unpublished rows in one transaction; returns how many."""
        assert self._producer is not None
        async with self.database.session() as session:
            rows = (await session.execute(self._pending().limit(self.batch_size))).all()
        if not rows:
            return 0
        async with self._producer.transaction():
            deliveries = [
                await self._producer.send(
                    row.topic,
                    value=row.value,
                    key=row.key,
                    headers=[(name, value.encode()) for name, value in row.headers.items()],
                )
                for row in rows
            ]
        # Awaited one by one, not gathered: all are done or failing by now, and a gather of a thousand
        # futures costs more than the rest of the relay's work on them.
        for delivery in deliveries:
            metadata = await delivery
            place = (metadata.topic, metadata.partition)
            self._positions[place] = max(self._positions.get(place, -1), metadata.offset)
        metrics.published(self.producer_name, [(row.topic, row.headers) for row in rows])
        async with self.database.session.begin() as session:
            await self._mark_published(session, [row.id for row in rows])
            # The positions only bound how far back recovery reads, so a few seconds' lag costs a little
            # reading after a crash and saves a write per batch.
            if self._stopping or time.monotonic() - self._positions_recorded > POSITION_INTERVAL_SECONDS:
                await self._record_positions(session, self._positions)
                self._positions_recorded = time.monotonic()
        return len(rows)

    def _pending(self) -> Any:
        return (
            select(
                OutboxMessage.id,
                OutboxMessage.event_id,
                OutboxMessage.topic,
                OutboxMessage.key,
                OutboxMessage.value,
                OutboxMessage.headers,
            )
            .where(OutboxMessage.producer == self.producer_name, OutboxMessage.published_at.is_(None))
            .order_by(OutboxMessage.id)
        )

    async def _recover(self) -> None:
        """Mark rows a predecessor committed to Kafka but did not live to mark in the database."""
        async with self.database.session() as session:
            topics = set(
                await session.scalars(
                    select(OutboxMessage.topic)
                    .where(OutboxMessage.producer == self.producer_name, OutboxMessage.published_at.is_(None))
                    .distinct()
                )
            )
            if not topics:
                return
            known = {
                (position.topic, position.partition): position.offset
                for position in await session.scalars(
                    select(RelayPosition).where(RelayPosition.producer == self.producer_name)
                )
            }
        found = await _committed_event_ids(self.kafka, topics, known)
        if not found:
            return
        async with self.database.session.begin() as session:
            ids = list(
                await session.scalars(
                    select(OutboxMessage.id).where(
                        OutboxMessage.producer == self.producer_name,
                        OutboxMessage.published_at.is_(None),
                        OutboxMessage.event_id.in_(found),
                    )
                )
            )
            await self._mark_published(session, ids)
        log.info("relay.recovered", producer=self.producer_name, already_published=len(ids))

    async def _mark_published(self, session: AsyncSession, ids: list[int]) -> None:
        if ids:
            # A Core update: the ORM's would first look for each row among the session's objects.
            outbox = cast(Table, OutboxMessage.__table__)
            await session.execute(update(outbox).where(outbox.c.id.in_(ids)).values(published_at=datetime.now(UTC)))

    async def _record_positions(self, session: AsyncSession, positions: dict[tuple[str, int], int]) -> None:
        for (topic, partition), offset in positions.items():
            statement = self._insert(RelayPosition).values(
                producer=self.producer_name, topic=topic, partition=partition, offset=offset
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["producer", "topic", "partition"],
                    set_={"offset": func.max(statement.excluded.offset, RelayPosition.offset)}
                    if self.database.is_sqlite
                    else {"offset": func.greatest(statement.excluded.offset, RelayPosition.offset)},
                )
            )

    def _insert(self, table: Any) -> Any:
        return sqlite_insert(table) if self.database.is_sqlite else pg_insert(table)

    async def _hold_lease(self) -> bool:
        now = datetime.now(UTC)
        expires = now + self.lease_ttl
        async with self.database.session.begin() as session:
            taken = await session.execute(
                update(RelayLease)
                .where(
                    RelayLease.producer == self.producer_name,
                    (RelayLease.holder == self.holder) | (RelayLease.expires_at < now),
                )
                .values(holder=self.holder, expires_at=expires)
            )
            if taken.rowcount:  # type: ignore[attr-defined]
                return True
            created = await session.execute(
                self._insert(RelayLease)
                .values(producer=self.producer_name, holder=self.holder, expires_at=expires)
                .on_conflict_do_nothing()
            )
            return bool(created.rowcount)  # type: ignore[attr-defined]

    async def _give_up_lease(self) -> None:
        """An orderly stop hands the lease on at once: the next instance (or this one restarted, under a
        new instance id) need not wait for it to expire."""
        try:
            async with self.database.session.begin() as session:
                await session.execute(
                    update(RelayLease)
                    .where(RelayLease.producer == self.producer_name, RelayLease.holder == self.holder)
                    .values(expires_at=datetime.now(UTC))
                )
        except Exception as error:
            if not is_transient(error):
                raise
            log.info("relay.lease_left_to_expire", producer=self.producer_name)

    async def _release_producer(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()

    async def _prune(self) -> None:
        """Published rows and old handled-event ids are kept a while for diagnosis, not for ever."""
        now = datetime.now(UTC)
        if now - self._last_prune < timedelta(minutes=1):
            return
        self._last_prune = now
        async with self.database.session.begin() as session:
            await session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.producer == self.producer_name,
                    OutboxMessage.published_at < now - self.keep_published,
                )
            )
            await session.execute(
                delete(HandledEvent).where(
                    HandledEvent.consumer == self.producer_name,
                    HandledEvent.handled_at < now - self.keep_handled,
                )
            )


async def _committed_event_ids(
    kafka: dict[str, Any], topics: Iterable[str], known: dict[tuple[str, int], int]
) -> set[str]:
    """The event ids committed to `topics` after the offsets this relay last recorded."""
    partitions = await _partitions_of(kafka, topics)
    consumer = AIOKafkaConsumer(**kafka, isolation_level="read_committed", enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {}
        for tp in partitions:
            start = known.get((tp.topic, tp.partition), -1) + 1
            if start < ends[tp]:
                consumer.seek(tp, start)
                remaining[tp] = ends[tp]
        found: set[str] = set()
        deadline = asyncio.get_running_loop().time() + 60
        while remaining:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"could not read the committed tail of {sorted(map(str, remaining))}")
            batches = await consumer.getmany(*remaining, timeout_ms=1000)
            for records in batches.values():
                for record in records:
                    found.update(value.decode() for key, value in record.headers if key == "event-id")
            for tp in list(remaining):
                if await consumer.position(tp) >= remaining[tp]:
                    del remaining[tp]
        return found
    finally:
        await consumer.stop()


async def _partitions_of(kafka: dict[str, Any], topics: Iterable[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(**kafka)
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    return [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        for partition in topic["partitions"]
    ]
