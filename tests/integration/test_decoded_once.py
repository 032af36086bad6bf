"""A stage's batch decodes each of its messages once, shared by the service's prepare and its handler
(`UnitOfWork.once`), on a real database: an unreadable message is still dead-lettered with its reason,
and a message that makes the handler fail is still isolated, its batch then read afresh in the new
transactions rather than from the failed one."""

import random
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from sqlalchemy import select

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.privacy import nav_view
from sykmeldingsflyt.domain.status import StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import (
    ARBEIDSGIVER_SYKMELDING,
    NAV_SYKMELDING,
    SYKMELDING_STATUS,
    Topic,
    dead_letter_topic,
)
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.runtime import Runtime, Service
from sykmeldingsflyt.services.tidslinje import TidslinjeService
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import OutboxMessage
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

pytestmark = pytest.mark.integration

NOT_AVRO = b"not an avro message"


def _runtime(database: Database, monkeypatch: pytest.MonkeyPatch) -> tuple[Runtime, Counter[bytes]]:
    """A runtime whose broker is never asked (the test hands the stages their records), and how often its
    codec has been asked to decode each message."""
    runtime = Runtime.from_env(KafkaSettings(bootstrap_servers="localhost:9", topic_prefix="lesing."), database)
    decodes: Counter[bytes] = Counter()
    decode = runtime.codec.decode

    def counted(schema_name: str, data: bytes) -> dict[str, Any]:
        decodes[data] += 1
        return decode(schema_name, data)

    monkeypatch.setattr(runtime.codec, "decode", counted)
    return runtime, decodes


def _records(runtime: Runtime, topic: Topic, keyed: Sequence[tuple[str, DomainModel | bytes]]) -> list[Inbound]:
    """Each (key, message) as the broker would hand it out, a message already in bytes as it is."""
    name = runtime.topics.name(topic)
    encoded = [(key, m if isinstance(m, bytes) else contracts.encode(runtime.codec, m, name)) for key, m in keyed]
    return [Inbound(name, 0, offset, key.encode(), value, ()) for offset, (key, value) in enumerate(encoded)]


def _sykmeldinger(runtime: Runtime, count: int) -> tuple[list[Inbound], list[Inbound]]:
    """NAV's view of `count` accepted sykmeldinger, and the employee's SENDT of each."""
    rng = random.Random(16)
    received = [synthetic.make_sykmelding(rng, fom=date.today()) for _ in range(count)]
    views = [nav_view(r, ValidationResult(status=RuleStatus.OK)) for r in received]
    sendt = [
        SykmeldingStatusEvent(
            event_id=str(uuid.uuid4()),
            sykmelding_id=r.sykmelding.id,
            timestamp=datetime.now(UTC),
            status_event=StatusEvent.SENDT,
            arbeidsgiver=synthetic.DEMO_ARBEIDSGIVER,
        )
        for r in received
    ]
    nav = _records(runtime, NAV_SYKMELDING, [(v.received_sykmelding.sykmelding.id, v) for v in views])
    status = _records(runtime, SYKMELDING_STATUS, [*((e.sykmelding_id, e) for e in sendt), ("ukjent", NOT_AVRO)])
    return nav, status


def _subscribed(service: Service) -> Service:
    service.subscribe(KafkaBroker())  # never started: only to have the service make its stages
    return service


async def _outbox(database: Database, topic: str) -> list[OutboxMessage]:
    async with database.session() as session:
        return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic)))


@pytest.mark.parametrize("make", [Personvern, TidslinjeService], ids=["personvern", "tidslinje"])
async def test_a_batch_decodes_each_message_once_and_dead_letters_the_unreadable_with_its_reason(
    database: Database, monkeypatch: pytest.MonkeyPatch, make: Callable[[Runtime], Service]
) -> None:
    runtime, decodes = _runtime(database, monkeypatch)
    service = _subscribed(make(runtime))
    nav, statuses = _sykmeldinger(runtime, 4)

    for batch in (nav, statuses):
        await service.stages[batch[0].topic].process(batch)
        # Asked for by the stage's prepare and again by its handler; personvern also decodes each stored
        # sykmelding again to publish its employer view, a message of an earlier transaction.
        assert {inbound.value: decodes[inbound.value or b""] for inbound in batch} == {
            inbound.value: 1 for inbound in batch
        }

    handled = await _outbox(database, runtime.topics.name(ARBEIDSGIVER_SYKMELDING))
    assert len(handled) == (4 if make is Personvern else 0)
    dead = await _outbox(database, runtime.topics.name(dead_letter_topic(SYKMELDING_STATUS)))
    # The status topic is personvern's to answer for: tidslinje only logs what it cannot read.
    expected = [(statuses[-1].event_id.encode(), "MALFORMED_MESSAGE")] if make is Personvern else []
    assert [(row.key, row.headers["reason"]) for row in dead] == expected


class _Fragile(Personvern):
    """personvern with a bug that one readable status event meets, after it has been read: in the handler,
    or in the batch's prepare."""

    poison: str = ""
    met_in: str = ""

    async def prepare_status(self, uow: UnitOfWork, batch: Sequence[Inbound]) -> None:
        await super().prepare_status(uow, batch)
        if self.met_in == "prepare" and any(inbound.event_id == self.poison for inbound in batch):
            raise RuntimeError("a bug this event meets")

    async def on_status(self, uow: UnitOfWork, inbound: Inbound) -> None:
        await super().on_status(uow, inbound)
        if self.met_in == "handler" and inbound.event_id == self.poison:
            raise RuntimeError("a bug this event meets")


@pytest.mark.parametrize("met_in", ["handler", "prepare"])
async def test_a_message_that_fails_is_isolated_and_dead_lettered_and_the_retries_read_afresh(
    database: Database, monkeypatch: pytest.MonkeyPatch, met_in: str
) -> None:
    runtime, decodes = _runtime(database, monkeypatch)
    service = _subscribed(_Fragile(runtime))
    nav, statuses = _sykmeldinger(runtime, 3)
    poison = statuses[1]
    _Fragile.poison, _Fragile.met_in = poison.event_id, met_in
    await service.stages[nav[0].topic].process(nav)
    decodes.clear()

    await service.stages[poison.topic].process(statuses)

    dead = await _outbox(database, runtime.topics.name(dead_letter_topic(SYKMELDING_STATUS)))
    assert sorted((row.key, row.headers["reason"]) for row in dead) == sorted(
        [(poison.event_id.encode(), "INTERNAL_ERROR"), (statuses[-1].event_id.encode(), "MALFORMED_MESSAGE")]
    )
    views = await _outbox(database, runtime.topics.name(ARBEIDSGIVER_SYKMELDING))
    assert sorted(row.key for row in views) == sorted(s.key or b"" for s in statuses[:-1] if s is not poison)
    # Once in the batch's transaction, which failed, and once alone in its own: nothing read in the failed
    # transaction was carried into the next. The poison's dead letter is written without the batch's
    # prepare, which may be what failed.
    assert {inbound.value: decodes[inbound.value or b""] for inbound in statuses} == {
        inbound.value: 2 for inbound in statuses
    }
