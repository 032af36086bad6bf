"""`dlq list`, `dlq show` and `dlq replay`: what is on the dead-letter topics, one entry in detail, and
sending entries back to their source topic once the cause is fixed.

An entry is named by its source position, `topic:partition:offset` (the dead letter's key). A replay
is recorded under that name in the same transaction that queues the message in the outbox, so a
dead letter is replayed once, however often it is asked for; the replayed message lands at a new
offset of the source topic and its service handles it as any new message.
"""

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sykmeldingsflyt.gateway.audit import Resource
from sykmeldingsflyt.gateway.auth import Operator
from sykmeldingsflyt.messaging.codec import DecodeError
from sykmeldingsflyt.messaging.dead_letter import DeadLetter, KeyringError
from sykmeldingsflyt.messaging.ids import stable_id
from sykmeldingsflyt.messaging.topics import DEAD_LETTER_SCHEMA, Topic, catalogue
from sykmeldingsflyt.operations.audit import audited
from sykmeldingsflyt.operations.publishing import NOT_YET_PUBLISHED, PRODUCER, publish_queued
from sykmeldingsflyt.operations.redaction import redacted
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.tables import OperationsReplay, OutboxMessage


@dataclass(frozen=True)
class Entry:
    """One record on a dead-letter topic."""

    topic: str
    offset: int
    headers: dict[str, str]
    letter: DeadLetter

    @property
    def id(self) -> str:
        return self.letter.source


class NotFoundError(LookupError):
    """No dead letter with this id."""


def dead_letter_topics(runtime: Runtime, source: str | None = None) -> list[Topic]:
    """The deployment's dead-letter topics, or the one of the source topic named (without the prefix)."""
    topics = [t for t in catalogue(runtime.topics.prefix) if t.value_schema == DEAD_LETTER_SCHEMA]
    if source is None:
        return topics
    chosen = [t for t in topics if t.name == f"{runtime.topics.prefix}{source}.dlq"]
    if not chosen:
        known = ", ".join(t.name.removeprefix(runtime.topics.prefix).removesuffix(".dlq") for t in topics)
        raise NotFoundError(f"{source} has no dead-letter topic; these do: {known}")
    return chosen


async def read_entries(runtime: Runtime, topics: Sequence[Topic], timeout: float = 60.0) -> list[Entry]:
    """Every committed dead letter on `topics`, oldest first per topic; TimeoutError if the cluster does
    not give them within `timeout` seconds."""
    partitions = [TopicPartition(t.name, p) for t in topics for p in range(t.partitions)]
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(
        **runtime.kafka.aiokafka_kwargs(), isolation_level="read_committed", enable_auto_commit=False
    )
    async with asyncio.timeout(timeout):
        await consumer.start()
        try:
            return await _read_to_end(runtime, consumer, partitions)
        finally:
            await consumer.stop()


async def _read_to_end(runtime: Runtime, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> list[Entry]:
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    ends = await consumer.end_offsets(partitions)
    remaining = {tp: end for tp, end in ends.items() if end > 0}
    entries: list[Entry] = []
    while remaining:
        batches = await consumer.getmany(*remaining, timeout_ms=500)
        for records in batches.values():
            await _learn_schemas(runtime, [record.value for record in records])
            entries.extend(
                Entry(
                    topic=record.topic,
                    offset=record.offset,
                    headers={name: value.decode("utf-8", "replace") for name, value in record.headers},
                    letter=runtime.dead_letters.read(record.value or b""),
                )
                for record in records
            )
        for tp in list(remaining):
            if await consumer.position(tp) >= remaining[tp]:
                del remaining[tp]
    return entries


@dataclass(frozen=True)
class Group:
    """Dead letters of one source topic with one reason."""

    source_topic: str
    reason: str
    count: int
    replayed: int
    oldest: datetime
    newest: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "sourceTopic": self.source_topic,
            "reason": self.reason,
            "count": self.count,
            "replayed": self.replayed,
            "oldest": self.oldest.isoformat(),
            "newest": self.newest.isoformat(),
        }


async def summary(runtime: Runtime, source: str | None = None) -> list[Group]:
    """`dlq list`: counts per source topic and reason, with the oldest and newest failure."""
    entries = await read_entries(runtime, dead_letter_topics(runtime, source))
    replayed = await _replayed(runtime, (entry.id for entry in entries))
    grouped: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        grouped.setdefault((entry.letter.source_topic, entry.letter.reason), []).append(entry)
    return [
        Group(
            source_topic=topic,
            reason=reason,
            count=len(members),
            replayed=sum(member.id in replayed for member in members),
            oldest=min(member.letter.failed_at for member in members),
            newest=max(member.letter.failed_at for member in members),
        )
        for (topic, reason), members in sorted(grouped.items())
    ]


async def _replayed(runtime: Runtime, ids: Iterable[str]) -> dict[str, OperationsReplay]:
    wanted = list(ids)
    if not wanted:
        return {}
    async with runtime.database.session() as session:
        rows = await session.scalars(select(OperationsReplay).where(OperationsReplay.source.in_(wanted)))
        return {row.source: row for row in rows}


async def find(runtime: Runtime, entry_id: str) -> Entry:
    topic, _, _ = entry_id.rpartition(":")[0].rpartition(":")
    candidates = [t for t in dead_letter_topics(runtime) if t.name == f"{topic}.dlq"]
    for entry in await read_entries(runtime, candidates):  # none when the id names no dead-letter topic
        if entry.id == entry_id:
            return entry
    raise NotFoundError(f"no dead letter for {entry_id} (ids are sourceTopic:partition:offset, see `dlq list`)")


async def show(runtime: Runtime, entry_id: str, who: Operator, reason: str | None = None) -> dict[str, Any]:
    """`dlq show`: the entry with its reason, headers and body. The body is redacted (fnr pseudonymised,
    everything that is not an id, a date or a code masked) unless a reason is given: then it is shown
    as received, and the look is in the audit log with that reason."""
    entry = await find(runtime, entry_id)
    letter = entry.letter
    await audited(runtime, who, Resource.DEAD_LETTER, [entry.id], reason)
    key, value = runtime.dead_letters.original(letter)
    await _learn_schemas(runtime, [value])
    body = _body(runtime, letter.source_topic, value)
    clear = reason is not None
    pseudonym_key = runtime.settings.pseudonym_key
    return {
        "id": entry.id,
        "deadLetterTopic": entry.topic,
        "deadLetterOffset": entry.offset,
        "reason": letter.reason,
        "detail": letter.detail,
        "field": letter.field,
        "service": letter.service,
        "failedAt": letter.failed_at.isoformat(),
        "references": dict(letter.references),
        "headers": entry.headers,
        "redacted": not clear,
        "key": (
            key.decode("utf-8", "replace") if clear else redacted(key.decode("utf-8", "replace"), "key", pseudonym_key)
        )
        if key is not None
        else None,
        "body": body if clear else redacted(body, "body", pseudonym_key),
    }


async def _learn_schemas(runtime: Runtime, values: list[bytes | None]) -> None:
    """The schemas these values name that this process does not know yet, from the registry or schema topic."""
    if runtime.schema_topic is not None:
        await runtime.schema_topic.learn_unknown(values)


def _body(runtime: Runtime, source_topic: str, value: bytes | None) -> Any:
    """The value decoded with its source topic's contract; its size alone when it is not Avro."""
    if value is None:
        return None
    schema = next((t.value_schema for t in catalogue(runtime.topics.prefix) if t.name == source_topic), None)
    if schema is None:
        return {"unreadable": f"{len(value)} bytes from a topic not in the catalogue"}
    try:
        return _jsonable(runtime.codec.decode(schema, value))
    except DecodeError as error:
        return {"unreadable": f"{len(value)} bytes, not a {schema} message ({error.reason})"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _jsonable(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


class Outcome(StrEnum):
    REPLAYED = "REPLAYED"
    ALREADY_REPLAYED = "ALREADY_REPLAYED"
    NOTHING_KEPT = "NOTHING_KEPT"
    CANNOT_OPEN = "CANNOT_OPEN"


@dataclass(frozen=True)
class Replayed:
    id: str
    reason: str
    outcome: Outcome
    note: str

    def line(self) -> str:
        return f"{self.id}  {self.reason}  {self.outcome.value}  {self.note}"

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "reason": self.reason, "outcome": self.outcome.value, "note": self.note}


async def replay(
    runtime: Runtime,
    who: Operator,
    *,
    entry_id: str | None = None,
    code: str | None = None,
    source: str | None = None,
    why: str | None = None,
) -> list[Replayed]:
    """`dlq replay`: one entry (`entry_id`), every entry with a reason `code`, or all (of `source`'s
    dead-letter topic, or of every one); each sent back to its source topic once, ever."""
    if entry_id is not None:
        chosen = [await find(runtime, entry_id)]
    else:
        chosen = [
            entry
            for entry in await read_entries(runtime, dead_letter_topics(runtime, source))
            if code is None or entry.letter.reason == code
        ]
    await audited(runtime, who, Resource.DEAD_LETTER, [entry.id for entry in chosen], why)
    results = [await _replay_one(runtime, who, entry) for entry in chosen]
    if any(result.outcome is Outcome.REPLAYED for result in results) and await publish_queued(runtime):
        return [
            replace(result, note=NOT_YET_PUBLISHED) if result.outcome is Outcome.REPLAYED else result
            for result in results
        ]
    return results


async def _replay_one(runtime: Runtime, who: Operator, entry: Entry) -> Replayed:
    letter = entry.letter

    def outcome(kind: Outcome, note: str) -> Replayed:
        return Replayed(entry.id, letter.reason, kind, note)

    if not letter.replayable:
        return outcome(Outcome.NOTHING_KEPT, "the dead letter keeps no original to send")
    try:
        key, value = runtime.dead_letters.original(letter)
    except KeyringError as error:
        return outcome(Outcome.CANNOT_OPEN, str(error))
    before = (await _replayed(runtime, [entry.id])).get(entry.id)
    if before is not None:
        return outcome(Outcome.ALREADY_REPLAYED, f"by {before.replayed_by} at {before.replayed_at.isoformat()}")
    event_id = stable_id(PRODUCER, "replay", entry.id)
    now = datetime.now(UTC)
    try:
        async with runtime.database.session.begin() as session:
            session.add(OperationsReplay(source=entry.id, event_id=event_id, replayed_at=now, replayed_by=who.ident))
            session.add(
                OutboxMessage(
                    producer=PRODUCER,
                    event_id=event_id,
                    topic=letter.source_topic,
                    key=key or b"",
                    value=value,
                    headers={"event-id": event_id, "replay-of": entry.id},
                    created_at=now,
                )
            )
    except IntegrityError:
        return outcome(Outcome.ALREADY_REPLAYED, "by another operator just now")
    return outcome(Outcome.REPLAYED, f"sent back to {letter.source_topic}")
