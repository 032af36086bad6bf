"""mottak through the real broker and database: every outcome on every output topic."""

import asyncio
import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.kvittering import Kvittering, KvitteringStatus
from sykmeldingsflyt.domain.sykmelding import KontaktMedPasient, ReceivedSykmelding
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import (
    EPJ_KVITTERING,
    NAV_SYKMELDING,
    SYKMELDING_FRA_EPJ,
    catalogue,
    dead_letter_topic,
)
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.process import run_services
from sykmeldingsflyt.services.runtime import Runtime, ServiceSettings
from sykmeldingsflyt.storage.database import Database
from tests.support.kafka import produce, read_topic
from tests.support.services import running

pytestmark = pytest.mark.integration


async def _kvitteringer(settings: KafkaSettings, runtime: Runtime, expected: int) -> dict[str, list[Kvittering]]:
    """Every kvittering by the msgId it answers, in the order they were sent."""
    received = await read_topic(settings, runtime.topics.name(EPJ_KVITTERING), expected)
    assert len(received) == expected
    by_msg_id: dict[str, list[Kvittering]] = {}
    for message in received:
        kvittering = contracts.decode(runtime.codec, message.value or b"", Kvittering)
        assert message.key == kvittering.msg_id.encode()
        by_msg_id.setdefault(kvittering.msg_id, []).append(kvittering)
    return by_msg_id


async def test_valid_invalid_duplicate_and_garbage_messages(kafka_settings: KafkaSettings, database: Database) -> None:
    rng = random.Random(7)
    async with running(kafka_settings, database, Mottak) as runtime:
        today = runtime.clock.today()
        valid = synthetic.make_sykmelding(rng, fom=today - timedelta(days=1))
        backdated = synthetic.make_sykmelding(
            rng,
            fom=today - timedelta(days=20),
            signatur_dato=datetime.combine(today, time(9), UTC),
            mottatt_dato=datetime.combine(today, time(9, 5), UTC),
            kontakt_med_pasient=KontaktMedPasient(),
        )
        same_content_new_msg_id = valid.model_copy(update={"msg_id": synthetic.synthetic_uuid(rng)})
        source = runtime.topics.name(SYKMELDING_FRA_EPJ)

        def encode(model: ReceivedSykmelding) -> bytes:
            return contracts.encode(runtime.codec, model, source)

        await produce(kafka_settings, source, [(valid.msg_id.encode(), encode(valid))])
        # Different keys land on different partitions: the copies must come after the original is decided.
        await read_topic(kafka_settings, runtime.topics.name(EPJ_KVITTERING), expected=1, until_quiet=False)
        await produce(
            kafka_settings,
            source,
            [
                (backdated.msg_id.encode(), encode(backdated)),
                (valid.msg_id.encode(), encode(valid)),  # the EPJ retried
                (same_content_new_msg_id.msg_id.encode(), encode(same_content_new_msg_id)),
                (b"garbage-1", b"<html>not avro</html>"),
                (b"12345678901", b"\xc3\x01" + b"\x00" * 8),  # an fnr as key must not be echoed
            ],
        )

        kvitteringer = await _kvitteringer(kafka_settings, runtime, expected=6)
        nav = await read_topic(kafka_settings, runtime.topics.name(NAV_SYKMELDING), expected=2)
        dead = await read_topic(kafka_settings, runtime.topics.name(dead_letter_topic(SYKMELDING_FRA_EPJ)), 2)

    first, retry = kvitteringer[valid.msg_id]
    assert first.status is KvitteringStatus.OK and not first.avvisningsgrunner
    assert [g.rule_name for g in retry.avvisningsgrunner] == ["DUPLIKAT"] and "msgId" in retry.avvisningsgrunner[
        0
    ].message_for_sender
    [rejected] = kvitteringer[backdated.msg_id]
    assert rejected.status is KvitteringStatus.AVVIST
    assert {g.rule_name for g in rejected.avvisningsgrunner} >= {"MINDRE_ENN_1_MAANED"}
    [copy] = kvitteringer[same_content_new_msg_id.msg_id]
    assert [g.rule_name for g in copy.avvisningsgrunner] == ["DUPLIKAT"]
    assert kvitteringer["garbage-1"][0].avvisningsgrunner[0].rule_name == "MALFORMED_MESSAGE"
    assert kvitteringer["ukjent"][0].avvisningsgrunner[0].rule_name == "UNKNOWN_SCHEMA"
    outcomes = {
        view.received_sykmelding.msg_id: view.validation_result.status
        for view in (contracts.decode(runtime.codec, message.value or b"", NavSykmelding) for message in nav)
    }
    assert outcomes == {valid.msg_id: RuleStatus.OK, backdated.msg_id: RuleStatus.INVALID}
    assert {message.headers["reason"] for message in dead} == {"MALFORMED_MESSAGE", "UNKNOWN_SCHEMA"}
    assert all(b"12345678901" not in (message.key or b"") for message in dead)


async def test_a_valid_sykmelding_gets_an_ok_kvittering_keyed_by_msg_id(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(8)
    async with running(kafka_settings, database, Mottak) as runtime:
        valid = synthetic.make_sykmelding(rng, fom=runtime.clock.today())
        source = runtime.topics.name(SYKMELDING_FRA_EPJ)
        await produce(kafka_settings, source, [(valid.msg_id.encode(), contracts.encode(runtime.codec, valid, source))])
        received = await read_topic(kafka_settings, runtime.topics.name(EPJ_KVITTERING), expected=1)

    assert [message.key for message in received] == [valid.msg_id.encode()]
    kvittering = contracts.decode(runtime.codec, received[0].value or b"", Kvittering)
    assert kvittering.status is KvitteringStatus.OK and kvittering.sykmelding_id == valid.sykmelding.id
    assert received[0].headers["legekontor-orgnr"] == valid.legekontor_orgnr


async def test_two_instances_accept_each_content_once(kafka_settings: KafkaSettings, database: Database) -> None:
    """Copies of one sykmelding under different msgIds land on different partitions, so on different
    instances: the unique content hash makes exactly one of them the original."""
    await create_topics(kafka_settings, catalogue(kafka_settings.topic_prefix))
    runtimes = [
        Runtime.from_env(kafka_settings, database).with_settings(ServiceSettings(instance_id=f"mottak-{n}"))
        for n in (1, 2)
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(run_services(runtime, [Mottak(runtime)], stop)) for runtime in runtimes]
    rng = random.Random(9)
    originals = [synthetic.make_sykmelding(rng, fom=date.today()) for _ in range(20)]
    copies = [s.model_copy(update={"msg_id": synthetic.synthetic_uuid(rng)}) for s in originals]
    source = runtimes[0].topics.name(SYKMELDING_FRA_EPJ)
    try:
        await produce(
            kafka_settings,
            source,
            [(s.msg_id.encode(), contracts.encode(runtimes[0].codec, s, source)) for s in originals + copies],
        )
        kvitteringer = await _kvitteringer(kafka_settings, runtimes[0], expected=40)
        nav = await read_topic(kafka_settings, runtimes[0].topics.name(NAV_SYKMELDING), expected=20)
    finally:
        stop.set()
        await asyncio.gather(*tasks)

    for original, copy in zip(originals, copies, strict=True):
        statuses = sorted(
            (k.status.value, [g.rule_name for g in k.avvisningsgrunner])
            for k in kvitteringer[original.msg_id] + kvitteringer[copy.msg_id]
        )
        assert statuses == [("AVVIST", ["DUPLIKAT"]), ("OK", [])]
    assert sorted(m.key or b"" for m in nav) == sorted(s.sykmelding.id.encode() for s in originals)
