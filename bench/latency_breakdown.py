"""Where an answer's latency goes: the points each answered message passes, from the sender's produce to a
reader seeing the answer, and the time between each two (bench_latency prints and saves them).

The points, each on the wall clock (`time.time()`, UTC) of the process that takes it: all run on one
machine, so the clocks are one. To the millisecond where Kafka keeps the time, else to the microsecond.

    produced     the benchmark, just before its producer's `send` of the input (EPJ's sykmelding, SENDT)
    handled      the service, when its handler queued the outbox row: the row's `created_at`, inside the
                 stage's transaction, before the rest of the batch is handled and before the commit
    committed    PostgreSQL, when that transaction committed: `pg_xact_commit_timestamp` of the input's
                 handled-event row (written in the same transaction, never updated). Only where the
                 server runs with track_commit_timestamp=on; otherwise this point is left out
    relayed      the relay's producer, when its `send` appended the record to a batch: the record's Kafka
                 timestamp (CreateTime), inside the relay's Kafka transaction
    acknowledged the relay, when the broker acknowledged the transaction's commit (EndTxn): the row's
                 `published_at`. The broker writes the commit markers after that acknowledgement, so a
                 reader may see the record a little before or after this point
    seen         the benchmark, when its read_committed consumer handed the record over

Every input's rows are read from the database after the run. The relay deletes published rows once they
are older than its `keep_published` (an hour) and at most once a minute, so a run whose first answers are
older than that loses them: fine for a latency run of minutes, not for the hour-long soak.
"""

import asyncio
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise

from aiokafka import ConsumerRecord
from aiokafka.structs import RecordMetadata
from sqlalchemy import select, text

from bench import report
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import OutboxMessage

# Kafka's timestamp type of a record stamped by its producer (1 is LogAppendTime, the broker's).
CREATE_TIME = 0
# Event ids per query: well under the parameter limits of SQLite and asyncpg.
CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer stream (`seen` of the benchmark's clock), the input stream it answers (`sent`), and the
    service whose stage and relay make it."""

    stream: str
    offer: str
    service: str


@dataclass(frozen=True, slots=True)
class Relayed:
    """What an answer's record says of its way: the outbox row it came from and when the relay sent it."""

    event_id: str
    at: float


@dataclass(frozen=True, slots=True)
class _Row:
    handled: float
    acknowledged: float | None


@dataclass
class Passages:
    """What the benchmark notes of each message, besides its clock, to break its latency down afterwards."""

    relayed: dict[str, dict[str, Relayed]] = field(default_factory=dict)
    """Per answer stream and key, the record's outbox event id and Kafka timestamp."""
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per input stream and key, the handled-event id of the input (stage.Inbound.event_id): its offset's."""

    def forget(self) -> None:
        self.relayed.clear()
        self.inputs.clear()

    def produced(self, offer: str, key: str, delivery: "asyncio.Future[RecordMetadata]") -> None:
        """Note where the input lands once it is delivered: the id, not the future, is kept for the run."""

        def note(done: "asyncio.Future[RecordMetadata]") -> None:
            if not done.cancelled() and done.exception() is None:
                metadata = done.result()
                handled_id = f"{metadata.topic}:{metadata.partition}:{metadata.offset}"
                self.inputs.setdefault(offer, {}).setdefault(key, handled_id)

        delivery.add_done_callback(note)

    def saw(self, stream: str, key: str, record: "ConsumerRecord[bytes, bytes]") -> None:
        """Note the first record of `key` on `stream`, if it carries its producer's time and an event id."""
        event_id = next((value.decode() for name, value in record.headers if name == "event-id"), None)
        if event_id is not None and record.timestamp_type == CREATE_TIME:
            self.relayed.setdefault(stream, {}).setdefault(key, Relayed(event_id, record.timestamp / 1000))

    async def breakdown(
        self,
        url: str,
        sent: Mapping[str, Mapping[str, float]],
        seen: Mapping[str, Mapping[str, float]],
        answers: Iterable[Answer],
    ) -> dict[str, dict[str, dict[str, float]]]:
        """Per answer stream, per segment between two consecutive points: count, p50, p95, p99, max in ms."""
        answers = list(answers)
        event_ids = [relayed.event_id for answer in answers for relayed in self.relayed.get(answer.stream, {}).values()]
        database = Database(url)
        try:
            rows = await _outbox_rows(database, event_ids)
            commits = {
                (service, offer): await _commit_times(database, service, self.inputs.get(offer, {}))
                for service, offer in {(answer.service, answer.offer) for answer in answers}
            }
        finally:
            await database.dispose()
        result = {}
        for answer in answers:
            segments: dict[str, list[float]] = {}
            for points in self._points(answer, sent, seen, rows, commits[answer.service, answer.offer]):
                for (start, at), (end, later) in pairwise(points):
                    segments.setdefault(f"{start} -> {end}", []).append((later - at) * 1000)
                # (c) whole, as the issue names it: the acknowledgement only marks a point inside it.
                segments.setdefault("relayed -> seen", []).append((points[-1][1] - dict(points)["relayed"]) * 1000)
            result[answer.stream] = {name: report.percentiles(samples) for name, samples in segments.items()}
        return result

    def _points(
        self,
        answer: Answer,
        sent: Mapping[str, Mapping[str, float]],
        seen: Mapping[str, Mapping[str, float]],
        rows: Mapping[str, _Row],
        commits: Mapping[str, float],
    ) -> Iterator[list[tuple[str, float]]]:
        """Each answered message's points in order, where its outbox row was still there to read."""
        input_ids = self.inputs.get(answer.offer, {})
        for key, seen_at in seen[answer.stream].items():
            relayed = self.relayed.get(answer.stream, {}).get(key)
            row = rows.get(relayed.event_id) if relayed else None
            produced = sent[answer.offer].get(key)
            if relayed is None or row is None or produced is None:
                continue
            points = [("produced", produced), ("handled", row.handled)]
            committed = commits.get(input_ids.get(key, ""))
            # Earlier than the handler: the input waited (personvern's SENDT before its sykmelding) and its
            # answer was made in a later transaction, whose commit is not known here.
            if committed is not None and committed >= row.handled:
                points.append(("committed", committed))
            points.append(("relayed", relayed.at))
            if row.acknowledged is not None:
                points.append(("acknowledged", row.acknowledged))
            points.append(("seen", seen_at))
            yield points


def _seconds(at: datetime) -> float:
    # SQLite hands timestamps back without their time zone; they were written in UTC.
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


async def _outbox_rows(database: Database, event_ids: list[str]) -> dict[str, _Row]:
    rows = {}
    async with database.session() as session:
        for chunk in _chunks(event_ids):
            query = select(OutboxMessage.event_id, OutboxMessage.created_at, OutboxMessage.published_at).where(
                OutboxMessage.event_id.in_(chunk)
            )
            for event_id, created, published in await session.execute(query):
                rows[event_id] = _Row(_seconds(created), None if published is None else _seconds(published))
    return rows


async def _commit_times(database: Database, consumer: str, inputs: Mapping[str, str]) -> dict[str, float]:
    """When the transaction that handled each input (handled-event id by key) committed, where PostgreSQL
    keeps commit times."""
    if database.is_sqlite:
        return {}
    async with database.session() as session:
        if await session.scalar(text("SELECT current_setting('track_commit_timestamp')")) != "on":
            return {}
        times = {}
        query = text(
            "SELECT event_id, pg_xact_commit_timestamp(xmin) FROM handled_event"
            " WHERE consumer = :consumer AND event_id = ANY(:ids)"
        )
        for chunk in _chunks(list(inputs.values())):
            for event_id, committed in await session.execute(query, {"consumer": consumer, "ids": chunk}):
                if committed is not None:
                    times[event_id] = _seconds(committed)
        return times
