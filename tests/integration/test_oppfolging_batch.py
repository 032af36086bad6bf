"""oppfolging's batches: plans, sykmeldinger and SENDTs read back from the real broker, applied a batch per topic
with what each batch fetches beforehand, leave the same rows, waiting plans, receipts, dead letters and outbox
(in the same order, each message once) as the same messages applied one at a time, each looked up on its own;
a redelivered batch changes nothing. The plans wait in between: a batch of SENDTs or of sykmeldinger is what
accepts them. And a batch asks the database the same few questions whatever its size."""

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from sqlalchemy import delete, select

from sykmeldingsflyt.domain.clock import VirtualClock
from sykmeldingsflyt.domain.oppfolgingsplan import ErrorType, PlanKvittering, PlanStatus
from sykmeldingsflyt.domain.privacy import arbeidsgiver_view
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import (
    ARBEIDSGIVER_SYKMELDING,
    DLQ_SUFFIX,
    HR_KVITTERING,
    NAV_SYKMELDING,
    OPPFOLGINGSPLAN_FRA_HR,
    Topic,
    catalogue,
)
from sykmeldingsflyt.services.oppfolging import Oppfolging
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.segl import Post, apne_post
from sykmeldingsflyt.storage.tables import (
    HandledEvent,
    OppfolgingPlan,
    OppfolgingSendtSykmelding,
    OppfolgingSykmelding,
    OppfolgingVentendePlan,
    OutboxMessage,
)
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER, make_oppfolgingsplan, make_sykmelding, synthetic_pasient_fnr
from tests.support.inputs import send, send_nav
from tests.support.kafka import produce, read_topic
from tests.support.registers import registre_med
from tests.support.statements import statements

pytestmark = pytest.mark.integration

TABLES = (
    OppfolgingSykmelding,
    OppfolgingSendtSykmelding,
    OppfolgingPlan,
    OppfolgingVentendePlan,
    HandledEvent,
    OutboxMessage,
)

Batches = list[list[Inbound]]
OK = ValidationResult(status=RuleStatus.OK)


async def _read_back(settings: KafkaSettings, runtime: Runtime, topic: Topic, expected: int) -> list[Inbound]:
    """The records as the broker hands them out, in one order that both runs use."""
    name = runtime.topics.name(topic)
    records = await read_topic(settings, name, expected)
    return [Inbound(name, 0, offset, r.key, r.value, ()) for offset, r in enumerate(records)]


async def _inputs(settings: KafkaSettings, runtime: Runtime, people: Sequence[str], stranger: str) -> Batches:
    """The batches in the order they are applied: the plans (all waiting, one refused: the `stranger` works
    nowhere), the first sykmeldinger (the first again, an INVALID one), the SENDTs (two that accept a plan,
    a withdrawal before one, one of a sykmelding never seen, one that comes before its sykmelding), and
    that last sykmelding, which accepts its plan. The third person's plan is still waiting at the end."""
    rng = random.Random(33)
    today = runtime.clock.today()
    first, second, third, fourth = (make_sykmelding(rng, fom=today, pasient_fnr=fnr) for fnr in people)
    unknown = make_sykmelding(rng, fom=today)
    invalid = make_sykmelding(rng, fom=today, pasient_fnr=people[0])
    plans = [make_oppfolgingsplan(fnr, today) for fnr in (*people, stranger)]
    await create_topics(settings, catalogue(settings.topic_prefix))
    await send(settings, runtime, OPPFOLGINGSPLAN_FRA_HR, *((p.plan_uuid, p) for p in (plans[0], *plans)))
    await send_nav(settings, runtime, first, second, third, first)
    await send_nav(settings, runtime, invalid, status=RuleStatus.INVALID)
    await send_nav(settings, runtime, fourth)
    sendt_topic = runtime.topics.name(ARBEIDSGIVER_SYKMELDING)

    def sendt(received: ReceivedSykmelding) -> tuple[bytes, bytes]:
        view = arbeidsgiver_view(received, DEMO_ARBEIDSGIVER, runtime.clock.now())
        return received.sykmelding.id.encode(), contracts.encode(runtime.codec, view, sendt_topic)

    withdrawn = (second.sykmelding.id.encode(), None)
    records: list[tuple[bytes, bytes | None]] = [sendt(first), withdrawn, sendt(second), sendt(unknown), sendt(fourth)]
    await produce(settings, sendt_topic, records)
    nav = await _read_back(settings, runtime, NAV_SYKMELDING, 6)
    return [
        await _read_back(settings, runtime, OPPFOLGINGSPLAN_FRA_HR, len(plans) + 1),
        nav[:5],
        await _read_back(settings, runtime, ARBEIDSGIVER_SYKMELDING, 5),
        nav[5:],
    ]


def _service(runtime: Runtime) -> Oppfolging:
    made = Oppfolging(runtime)
    made.subscribe(KafkaBroker())  # never started: the test hands its stages the records
    return made


async def _one_at_a_time(runtime: Runtime, batches: Batches) -> None:
    """Each message on its own, each look-up asking the database: as before the batches fetched beforehand."""
    service = _service(runtime)
    for stage in service.stages.values():
        stage.prepare = None
    for batch in batches:
        for record in batch:
            await service.stages[record.topic].process([record])


async def _as_batches(service: Oppfolging, batches: Batches) -> None:
    for batch in batches:
        await service.stages[batch[0].topic].process(batch)


async def _state(runtime: Runtime) -> dict[str, list[Any]]:
    """What oppfolging has made: its rows, its waiting plans opened, and its outbox in the order of publishing
    (a dead letter as read back, without when it was written and its seal, which differ by the moment)."""
    keyring, dead_letters = runtime.dead_letters.keyring, runtime.dead_letters
    async with runtime.database.session() as session:
        sykmeldinger = await session.scalars(select(OppfolgingSykmelding))
        sendt = await session.scalars(select(OppfolgingSendtSykmelding))
        plans = await session.scalars(select(OppfolgingPlan))
        waiting = await session.scalars(select(OppfolgingVentendePlan))
        outbox = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        handled = await session.scalars(select(HandledEvent.event_id))
        return {
            "sykmeldinger": sorted((s.sykmelding_id, s.person_ref, s.siste_tom) for s in sykmeldinger),
            "sendt": sorted((s.sykmelding_id, s.orgnummer, s.juridisk_orgnummer) for s in sendt),
            "plans": sorted((p.plan_uuid, p.kvittering, p.mottatt) for p in plans),
            "waiting": sorted(
                (
                    w.plan_uuid,
                    w.person_ref,
                    w.key_id is not None,
                    apne_post(
                        keyring, OppfolgingVentendePlan.__tablename__, w.plan_uuid, Post(w.key_id, w.key, w.value)
                    ),
                    (w.source_topic, w.source_partition, w.source_offset),
                )
                for w in waiting
            ),
            "outbox": [
                (
                    m.topic,
                    m.key,
                    m.event_id,
                    m.headers,
                    _dead_letter(dead_letters.read(m.value), dead_letters.original)
                    if m.topic.endswith(DLQ_SUFFIX) and m.value is not None
                    else m.value,
                )
                for m in outbox
            ],
            "handled": sorted(handled),
        }


def _dead_letter(letter: Any, original: Any) -> tuple[Any, ...]:
    return (letter.reason, letter.detail, letter.field, letter.source, letter.references, original(letter))


async def _forget(database: Database) -> None:
    async with database.session.begin() as session:
        for table in TABLES:
            await session.execute(delete(table))


def _kvitteringer(runtime: Runtime, state: dict[str, list[Any]]) -> list[PlanKvittering]:
    topic = runtime.topics.name(HR_KVITTERING)
    return [
        contracts.decode(runtime.codec, value, PlanKvittering)
        for name, _, _, _, value in state["outbox"]
        if name == topic
    ]


async def test_a_batch_gives_what_its_messages_one_at_a_time_give_and_a_redelivery_nothing_more(
    kafka_settings: KafkaSettings, database: Database, tmp_path: Path
) -> None:
    rng = random.Random(34)
    people = [synthetic_pasient_fnr(rng) for _ in range(4)]
    stranger = synthetic_pasient_fnr(rng)
    employer = (DEMO_ARBEIDSGIVER.orgnummer, DEMO_ARBEIDSGIVER.juridisk_orgnummer)
    registre = registre_med(tmp_path / "registers", *((fnr, *employer) for fnr in people))
    clock = VirtualClock(datetime.now(UTC))
    runtime = Runtime.from_env(kafka_settings, database, clock=clock, registre=registre)
    batches = await _inputs(kafka_settings, runtime, people, stranger)

    await _one_at_a_time(runtime, batches)
    one_at_a_time = await _state(runtime)
    await _forget(database)
    service = _service(runtime)
    await _as_batches(service, batches)
    batched = await _state(runtime)
    await _as_batches(service, batches)  # redelivered, as after a crash before the offsets were committed

    assert batched == one_at_a_time
    assert await _state(runtime) == batched
    kvitteringer = _kvitteringer(runtime, batched)
    assert [k.status for k in kvitteringer] == [PlanStatus.REFUSED, *[PlanStatus.ACCEPTED] * 3]
    assert kvitteringer[0].code is ErrorType.NO_ACTIVE_EMPLOYMENT
    assert [w[2] for w in batched["waiting"]] == [True], "the third person's plan waits, sealed"
    assert len(batched["sykmeldinger"]) == 4 and len(batched["sendt"]) == 4
    outbox = batched["outbox"]
    assert len({event_id for _, _, event_id, _, _ in outbox}) == len(outbox)
    assert len(batched["handled"]) == sum(len(batch) for batch in batches)


def _records(runtime: Runtime, topic: Topic, first: int, messages: Sequence[tuple[str, Any]]) -> list[Inbound]:
    name = runtime.topics.name(topic)
    return [
        Inbound(name, 0, first + n, key.encode(), contracts.encode(runtime.codec, model, name), ())
        for n, (key, model) in enumerate(messages)
    ]


async def _selects(database: Database, service: Oppfolging, batch: Sequence[Inbound]) -> int:
    with statements(database) as seen:
        await service.stages[batch[0].topic].process(batch)
    return sum(statement.lstrip().upper().startswith("SELECT") for statement in seen)


async def test_a_batch_without_waiting_plans_asks_one_question_per_table_whatever_its_size(
    database: Database, tmp_path: Path
) -> None:
    """A batch of sykmeldinger asks which are handled already, which are known and who has a plan waiting; a
    batch of SENDTs also where they were sent: the same for two messages as for forty. No broker: the stages
    are handed the records."""
    rng = random.Random(35)
    offline = KafkaSettings(bootstrap_servers="localhost:9", topic_prefix="t.")
    runtime = Runtime.from_env(offline, database, registre=registre_med(tmp_path / "registers"))
    service = _service(runtime)
    today, first = runtime.clock.today(), 0
    asked: list[tuple[int, int]] = []
    for size in (1, 2, 40):  # the first batch only opens the connection
        sykmeldinger = [make_sykmelding(rng, fom=today) for _ in range(size)]
        nav = [(s.sykmelding.id, NavSykmelding(received_sykmelding=s, validation_result=OK)) for s in sykmeldinger]
        sendt = [(s.sykmelding.id, arbeidsgiver_view(s, DEMO_ARBEIDSGIVER, runtime.clock.now())) for s in sykmeldinger]
        asked.append(
            (
                await _selects(database, service, _records(runtime, NAV_SYKMELDING, first, nav)),
                await _selects(database, service, _records(runtime, ARBEIDSGIVER_SYKMELDING, first, sendt)),
            )
        )
        first += size
    assert asked[1:] == [(3, 4), (3, 4)]
