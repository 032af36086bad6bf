"""The read model applies a batch as it applies the same messages one at a time: the same rows, the same feed
in the same order, the sensitive view sealed; a redelivered batch adds nothing. Through the real broker and
by the service's own stages, on SQLite and PostgreSQL.

The batches name one sykmelding several times (twice from NAV, two kvitteringer for one msgId, its employer
view, withdrawal and a view to another employer), and the second round replaces rows the first stored: a
batch that looked up stale or missing rows would lose or double one of them.
"""

import asyncio
import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from sqlalchemy import delete, func, select

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.kvittering import Kvittering, KvitteringStatus
from sykmeldingsflyt.domain.privacy import arbeidsgiver_view
from sykmeldingsflyt.domain.status import ArbeidsgiverStatus
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import ARBEIDSGIVER_SYKMELDING, EPJ_KVITTERING, NAV_SYKMELDING, catalogue
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import (
    GatewayArbeidsgiverSykmelding,
    GatewayKvittering,
    GatewayRomSykmelding,
    GatewaySykmeldingEier,
    HandledEvent,
)
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER
from tests.support.kafka import produce
from tests.support.services import running

pytestmark = pytest.mark.integration

ANNEN = ArbeidsgiverStatus(orgnummer="311000128", juridisk_orgnummer="311000004", org_navn="Annet AS")
LEGEKONTOR = "223456789"
Dump = dict[str, Any]


async def test_a_batch_gives_what_one_at_a_time_gives_and_a_redelivered_one_adds_nothing(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(16)
    await create_topics(kafka_settings, catalogue(kafka_settings.topic_prefix))
    runtime = Runtime.from_env(kafka_settings, database)
    sykmelding, other = (synthetic.make_sykmelding(rng, fom=runtime.clock.today()) for _ in range(2))
    first, second = _rounds(runtime, sykmelding, other)

    # Each round produced before the service reads it, so that its messages come in few batches.
    for inbound in first:
        await _produce(kafka_settings, inbound)
    async with running(kafka_settings, database, GatewayReadModel):
        await _handled(database, len(first))
        passed = await _positions(database)
        for inbound in second:
            await _produce(kafka_settings, inbound)
        await _handled(database, len(first) + len(second))
    through_broker = await _dump(database)
    _assert_expected(through_broker, sykmelding, other)
    # Every entry the second round wrote comes after all a reader could have read before it.
    assert min(await _positions(database)) > max(passed)

    service = _stages(runtime)
    await _forget(database)
    for inbound in first + second:
        await service.stages[inbound.topic].process([inbound])
    assert await _dump(database) == through_broker

    await _forget(database)
    for round_ in (first, second):
        for topic, batch in _by_topic(round_).items():
            await service.stages[topic].process(batch)
    assert await _dump(database) == through_broker
    handled = await _count_handled(database)

    for topic, batch in _by_topic(first + second).items():
        await service.stages[topic].process(batch)
    assert await _dump(database) == through_broker
    assert await _count_handled(database) == handled


def _rounds(
    runtime: Runtime, sykmelding: ReceivedSykmelding, other: ReceivedSykmelding
) -> tuple[list[Inbound], list[Inbound]]:
    """The messages of the two rounds, as the services upstream write them (offsets: the order produced)."""
    nav = runtime.topics.name(NAV_SYKMELDING)
    kvittering = runtime.topics.name(EPJ_KVITTERING)
    employer = runtime.topics.name(ARBEIDSGIVER_SYKMELDING)
    offsets = iter(range(1000))

    def message(topic: str, key: str, value: bytes | None, **headers: str) -> Inbound:
        encoded = tuple((name.replace("_", "-"), text.encode()) for name, text in headers.items())
        return Inbound(topic, 0, next(offsets), key.encode(), value, encoded)

    def nav_view(received: ReceivedSykmelding) -> Inbound:
        view = NavSykmelding(received_sykmelding=received, validation_result=ValidationResult(status=RuleStatus.OK))
        return message(nav, received.sykmelding.id, contracts.encode(runtime.codec, view, nav))

    def receipt(kvittering_id: str, **headers: str) -> Inbound:
        answer = Kvittering(
            kvittering_id=kvittering_id,
            msg_id=sykmelding.msg_id,
            sykmelding_id=sykmelding.sykmelding.id,
            status=KvitteringStatus.OK,
            mottatt_dato=datetime(2026, 12, 5, 12, tzinfo=UTC),
        )
        return message(kvittering, sykmelding.msg_id, contracts.encode(runtime.codec, answer, kvittering), **headers)

    def sent(received: ReceivedSykmelding, to: ArbeidsgiverStatus) -> Inbound:
        view = arbeidsgiver_view(received, to, datetime(2026, 12, 5, 12, tzinfo=UTC))
        value = contracts.encode(runtime.codec, view, employer)
        return message(employer, received.sykmelding.id, value, **_employer_headers(to))

    def withdrawn(received: ReceivedSykmelding, to: ArbeidsgiverStatus) -> Inbound:
        return message(employer, received.sykmelding.id, None, **_employer_headers(to))

    first = [
        nav_view(sykmelding),
        nav_view(sykmelding),
        nav_view(other),
        receipt("00000000-0000-4000-8000-000000000001", legekontor_orgnr=LEGEKONTOR),
        receipt("00000000-0000-4000-8000-000000000002", legekontor_orgnr=LEGEKONTOR),
        receipt("00000000-0000-4000-8000-000000000003"),
        sent(sykmelding, DEMO_ARBEIDSGIVER),
        withdrawn(sykmelding, DEMO_ARBEIDSGIVER),
        sent(sykmelding, ANNEN),
        sent(other, DEMO_ARBEIDSGIVER),
    ]
    second = [
        nav_view(sykmelding),
        receipt("00000000-0000-4000-8000-000000000004", legekontor_orgnr=LEGEKONTOR),
        withdrawn(sykmelding, ANNEN),
        sent(sykmelding, DEMO_ARBEIDSGIVER),
        withdrawn(other, DEMO_ARBEIDSGIVER),
    ]
    return first, second


def _employer_headers(to: ArbeidsgiverStatus) -> dict[str, str]:
    return {"orgnummer": to.orgnummer, "juridisk_orgnummer": to.juridisk_orgnummer}


def _assert_expected(dump: Dump, sykmelding: ReceivedSykmelding, other: ReceivedSykmelding) -> None:
    ids = sykmelding.sykmelding.id, other.sykmelding.id
    assert {row[0] for row in dump["eier"]} == set(ids)
    # NAV's view, fnr and diagnoses included, only sealed.
    assert {row[0] for row in dump["rom"]} == set(ids)
    assert all(row[3] is None and row[4] for row in dump["rom"])
    # The first kvittering per msgId and clinic; one without a clinic is another.
    assert dump["kvittering"] == sorted(
        [
            ("00000000-0000-4000-8000-000000000001", sykmelding.msg_id, LEGEKONTOR),
            ("00000000-0000-4000-8000-000000000003", sykmelding.msg_id, None),
        ],
        key=str,
    )
    # Each employer's entry moved to the end of the feed by every change, withdrawn ones without a view.
    assert [(org, view is not None) for org, _, view in dump["feed"][ids[0]]] == [
        (ANNEN.orgnummer, False),
        (DEMO_ARBEIDSGIVER.orgnummer, True),
    ]
    assert [(org, view is not None) for org, _, view in dump["feed"][ids[1]]] == [(DEMO_ARBEIDSGIVER.orgnummer, False)]


async def _dump(database: Database) -> Dump:
    """The read model's rows as its readers see them: each sykmelding's feed entries in their order (the
    positions themselves, and the order between sykmeldinger on different partitions, are the database's)."""
    async with database.session() as session:
        feed: dict[str, list[tuple[str, str, Any]]] = {}
        entries = GatewayArbeidsgiverSykmelding
        for row in await session.scalars(select(entries).order_by(entries.position)):
            feed.setdefault(row.sykmelding_id, []).append((row.orgnummer, row.juridisk_orgnummer, row.view))
        eier = await session.scalars(select(GatewaySykmeldingEier))
        rom = await session.scalars(select(GatewayRomSykmelding))
        kvitteringer = await session.scalars(select(GatewayKvittering))
        return {
            "eier": sorted((r.sykmelding_id, r.person_ref) for r in eier),
            "rom": sorted(
                (r.sykmelding_id, r.sak_ref, r.behandler_ref, r.sykmelding, r.forseglet is not None, r.key_id)
                for r in rom
            ),
            "kvittering": sorted(((r.kvittering_id, r.msg_id, r.legekontor_orgnr) for r in kvitteringer), key=str),
            "feed": feed,
        }


async def _positions(database: Database) -> list[int]:
    async with database.session() as session:
        return list(await session.scalars(select(GatewayArbeidsgiverSykmelding.position)))


async def _forget(database: Database) -> None:
    async with database.session.begin() as session:
        for table in (GatewaySykmeldingEier, GatewayRomSykmelding, GatewayKvittering, GatewayArbeidsgiverSykmelding):
            await session.execute(delete(table))
        await session.execute(delete(HandledEvent).where(HandledEvent.consumer == GatewayReadModel.name))


async def _count_handled(database: Database) -> int:
    async with database.session() as session:
        query = select(func.count()).select_from(HandledEvent).where(HandledEvent.consumer == GatewayReadModel.name)
        return int(await session.scalar(query) or 0)


async def _handled(database: Database, expected: int, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (handled := await _count_handled(database)) < expected:
        assert loop.time() < deadline, f"the read model handled {handled} of {expected} messages"
        await asyncio.sleep(0.2)


async def _produce(settings: KafkaSettings, inbound: Inbound) -> None:
    await produce(settings, inbound.topic, [(inbound.key, inbound.value)], headers=inbound.headers)


def _stages(runtime: Runtime) -> GatewayReadModel:
    service = GatewayReadModel(runtime)
    service.subscribe(KafkaBroker())  # never started: only to have the service make its stages
    return service


def _by_topic(batch: Sequence[Inbound]) -> dict[str, list[Inbound]]:
    topics: dict[str, list[Inbound]] = {}
    for inbound in batch:
        topics.setdefault(inbound.topic, []).append(inbound)
    return topics
