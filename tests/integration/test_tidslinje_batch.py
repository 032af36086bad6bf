"""tidslinje's batches: events read back from the real broker, applied as one batch per topic, leave the
same cases, candidature changes, fired timers and outbox (in the same order, each message once) as the
same events applied one at a time; a redelivered batch changes nothing, and a message that makes the
handler fail is isolated without changing what the others give."""

import random
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from sqlalchemy import delete, select

from sykmeldingsflyt.domain.clock import VirtualClock
from sykmeldingsflyt.domain.status import ArbeidsgiverStatus, StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import NAV_SYKMELDING, SYKMELDING_STATUS, Topic, catalogue
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.services.tidslinje import TidslinjeService
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import (
    HandledEvent,
    OutboxMessage,
    TidslinjeDialogmote,
    TidslinjeFiredAction,
    TidslinjeKandidatEndring,
    TidslinjeOppfolgingsplan,
    TidslinjePerson,
    TidslinjeSoknad,
    TidslinjeSykmelding,
    TidslinjeTilfelle,
)
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER
from tests.support.inputs import send, send_nav
from tests.support.kafka import read_topic
from tests.support.timeline import START, Sykmeldt, sykmelding, sykmeldt

pytestmark = pytest.mark.integration

OTHER_EMPLOYER = ArbeidsgiverStatus(
    orgnummer="311000128", juridisk_orgnummer=DEMO_ARBEIDSGIVER.juridisk_orgnummer, org_navn="Andre AS"
)
TABLES = (
    TidslinjeSykmelding,
    TidslinjeTilfelle,
    TidslinjeFiredAction,
    TidslinjeKandidatEndring,
    TidslinjePerson,
    TidslinjeSoknad,
    TidslinjeDialogmote,
    TidslinjeOppfolgingsplan,
    HandledEvent,
    OutboxMessage,
)


def _sykmeldinger(rng: random.Random, people: Sequence[Sykmeldt]) -> list[ReceivedSykmelding]:
    """Several per person, in an order that moves a case's start, merges two cases and splits none."""
    first, second, third = people
    return [
        sykmelding(rng, first, 40, 60),
        sykmelding(rng, second, 0, 80),
        sykmelding(rng, first, 0, 30),  # the case now starts on day 0 and keeps the id it was announced with
        sykmelding(rng, third, 0, 10),
        sykmelding(rng, first, 25, 45, grad=50),
        sykmelding(rng, third, 50, 70),  # forty days later: a second case
        sykmelding(rng, second, 81, 90),
    ]


def _statuses(runtime: Runtime, sykmeldinger: Sequence[ReceivedSykmelding]) -> list[SykmeldingStatusEvent]:
    """Each sent to an employer (the third to another), and the second's SENDT withdrawn a minute later."""
    now = runtime.clock.now()
    events = [
        SykmeldingStatusEvent(
            event_id=str(uuid.uuid4()),
            sykmelding_id=s.sykmelding.id,
            timestamp=now,
            status_event=StatusEvent.SENDT,
            arbeidsgiver=OTHER_EMPLOYER if n == 2 else DEMO_ARBEIDSGIVER,
        )
        for n, s in enumerate(sykmeldinger)
    ]
    avbrutt = SykmeldingStatusEvent(
        event_id=str(uuid.uuid4()),
        sykmelding_id=sykmeldinger[1].sykmelding.id,
        timestamp=now + timedelta(minutes=1),
        status_event=StatusEvent.AVBRUTT,
    )
    return [*events, avbrutt]


async def _read_back(settings: KafkaSettings, runtime: Runtime, topic: Topic, expected: int) -> list[Inbound]:
    """The records as the broker hands them out, in one order that both runs use."""
    name = runtime.topics.name(topic)
    records = await read_topic(settings, name, expected)
    return [Inbound(name, 0, offset, r.key, r.value, ()) for offset, r in enumerate(records)]


async def _inputs(settings: KafkaSettings, runtime: Runtime) -> tuple[list[Inbound], list[Inbound]]:
    rng = random.Random(16)
    people = [sykmeldt(rng, runtime) for _ in range(3)]
    sykmeldinger = _sykmeldinger(rng, people)
    statuses = _statuses(runtime, sykmeldinger)
    await create_topics(settings, catalogue(settings.topic_prefix))
    await send_nav(settings, runtime, *sykmeldinger)
    await send(settings, runtime, SYKMELDING_STATUS, *((e.sykmelding_id, e) for e in statuses))
    return (
        await _read_back(settings, runtime, NAV_SYKMELDING, len(sykmeldinger)),
        await _read_back(settings, runtime, SYKMELDING_STATUS, len(statuses)),
    )


def _service(runtime: Runtime, service: type[TidslinjeService] = TidslinjeService) -> TidslinjeService:
    made = service(runtime)
    made.subscribe(KafkaBroker())  # never started: the test hands its stages the records
    return made


async def _one_at_a_time(service: TidslinjeService, *topics: list[Inbound]) -> None:
    for records in topics:
        for record in records:
            await service.stages[record.topic].process([record])


async def _as_batches(service: TidslinjeService, *topics: list[Inbound]) -> None:
    for records in topics:
        await service.stages[records[0].topic].process(records)


async def _state(database: Database) -> dict[str, list[Any]]:
    """What tidslinje has made: its rows and its outbox in the order of publishing."""
    async with database.session() as session:
        tilfeller = await session.scalars(select(TidslinjeTilfelle))
        sykmeldinger = await session.scalars(select(TidslinjeSykmelding))
        endringer = await session.scalars(select(TidslinjeKandidatEndring).order_by(TidslinjeKandidatEndring.position))
        fired = await session.scalars(select(TidslinjeFiredAction.action_id))
        outbox = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        handled = await session.scalars(select(HandledEvent.event_id))
        return {
            "tilfeller": sorted(
                (t.tilfelle_id, t.person_ref, t.start, t.slutt, t.sykedager, tuple(t.arbeidsgivere), t.next_due)
                for t in tilfeller
            ),
            "sykmeldinger": sorted((s.sykmelding_id, s.person_ref, s.status, s.orgnummer) for s in sykmeldinger),
            "kandidat": [(e.uuid, e.person_ref, e.tilfelle_id, e.kandidat, e.arsak) for e in endringer],
            "fired": sorted(fired),
            "outbox": [(m.topic, m.key, m.event_id, m.value) for m in outbox],
            "handled": sorted(handled),
        }


async def _forget(database: Database) -> None:
    async with database.session.begin() as session:
        for table in TABLES:
            await session.execute(delete(table))


async def test_a_batch_gives_what_its_events_one_at_a_time_give_and_a_redelivery_nothing_more(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    runtime = Runtime.from_env(kafka_settings, database, clock=VirtualClock.on(START + timedelta(days=70)))
    nav, statuses = await _inputs(kafka_settings, runtime)

    await _one_at_a_time(_service(runtime), nav, statuses)
    one_at_a_time = await _state(database)
    await _forget(database)
    service = _service(runtime)
    await _as_batches(service, nav, statuses)
    batched = await _state(database)
    await _as_batches(service, nav, statuses)  # redelivered, as after a crash before the offsets were committed

    assert batched == one_at_a_time
    assert await _state(database) == batched
    outbox = batched["outbox"]
    assert len(outbox) >= 5, "the backdated cases are due to tell something"
    assert len({event_id for _, _, event_id, _ in outbox}) == len(outbox)
    assert len({row[1] for row in batched["tilfeller"]}) == 3
    assert len(batched["handled"]) == len(nav) + len(statuses)


class _Fragile(TidslinjeService):
    """tidslinje with a bug that one status event meets (that event only: its sykmelding has others)."""

    poison: str = ""

    async def on_status(self, uow: UnitOfWork, inbound: Inbound) -> None:
        if inbound.event_id == self.poison:
            raise RuntimeError("a bug this event meets")
        await super().on_status(uow, inbound)


async def test_a_message_that_fails_is_isolated_and_the_rest_of_its_batch_gives_what_it_would_alone(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    runtime = Runtime.from_env(kafka_settings, database, clock=VirtualClock.on(START + timedelta(days=70)))
    nav, statuses = await _inputs(kafka_settings, runtime)
    poison = statuses[3]
    _Fragile.poison = poison.event_id

    await _one_at_a_time(_service(runtime), nav, [s for s in statuses if s is not poison])
    without_poison = await _state(database)
    await _forget(database)
    await _as_batches(_service(runtime, _Fragile), nav, statuses)
    batched = await _state(database)

    assert batched == {**without_poison, "handled": sorted([*without_poison["handled"], poison.event_id])}
    assert len({event_id for _, _, event_id, _ in batched["outbox"]}) == len(batched["outbox"]) > 0
