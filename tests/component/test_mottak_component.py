"""mottak's handling on FastStream's in-memory TestKafkaBroker: fast, no Kafka, a real SQLite database.

What it shows is what mottak decides and queues in its outbox for each kind of input. The in-memory
broker numbers every message offset 0, so each test sends one message; delivery itself (offsets,
redelivery, the relay) is tested against the real broker in tests/integration and tests/e2e.
"""

import random
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from sqlalchemy import select

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.kvittering import Kvittering, KvitteringStatus
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import OutboxMessage

SOURCE = "sykmelding.fra-epj"


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/mottak.sqlite")
    await database.migrate()
    runtime = Runtime.from_env(KafkaSettings(KAFKA_BOOTSTRAP_SERVERS="in-memory:9092"), database)
    # The in-memory broker has no schema topic to look an unknown schema up in.
    yield replace(runtime, schema_topic=None)
    await database.dispose()


async def _outbox_after(runtime: Runtime, key: bytes, value: bytes) -> dict[str, OutboxMessage]:
    """Send one message through mottak; what it queued, by topic."""
    broker = KafkaBroker("in-memory:9092")
    Mottak(runtime).subscribe(broker)
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(value, SOURCE, key=key)
    async with runtime.database.session() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    return {row.topic: row for row in rows}


async def test_a_valid_sykmelding_queues_nav_view_and_ok_kvittering(runtime: Runtime) -> None:
    sykmelding = synthetic.make_sykmelding(random.Random(1), fom=date.today())
    queued = await _outbox_after(
        runtime, sykmelding.msg_id.encode(), contracts.encode(runtime.codec, sykmelding, SOURCE)
    )

    assert set(queued) == {"nav.sykmelding", "epj.kvittering"}
    assert queued["nav.sykmelding"].key == sykmelding.sykmelding.id.encode()
    kvittering = contracts.decode(runtime.codec, queued["epj.kvittering"].value or b"", Kvittering)
    assert kvittering.status is KvitteringStatus.OK and kvittering.msg_id == sykmelding.msg_id


async def test_garbage_queues_an_avvist_kvittering_and_a_dead_letter(runtime: Runtime) -> None:
    queued = await _outbox_after(runtime, b"epj-42", b"<html>not avro</html>")

    assert set(queued) == {"epj.kvittering", "sykmelding.fra-epj.dlq"}
    kvittering = contracts.decode(runtime.codec, queued["epj.kvittering"].value or b"", Kvittering)
    assert kvittering.msg_id == "epj-42"
    assert [grunn.rule_name for grunn in kvittering.avvisningsgrunner] == ["MALFORMED_MESSAGE"]
    assert queued["sykmelding.fra-epj.dlq"].headers["reason"] == "MALFORMED_MESSAGE"


async def test_an_fnr_used_as_key_is_never_echoed(runtime: Runtime) -> None:
    fnr = synthetic.synthetic_pasient_fnr(random.Random(2)).encode()
    queued = await _outbox_after(runtime, fnr, b"\xc3\x01" + bytes(8))

    receipt = queued["epj.kvittering"]
    assert contracts.decode(runtime.codec, receipt.value or b"", Kvittering).msg_id == "ukjent"
    assert fnr not in receipt.key and fnr not in (receipt.value or b"")
    # The dead letter keeps the bytes as received, for an operator to replay; its key is the position.
    assert queued["sykmelding.fra-epj.dlq"].key == f"{SOURCE}:0:0".encode()


async def test_a_sykmelding_refused_at_intake_is_dead_lettered_sealed_with_its_ids_and_pseudonym(
    runtime: Runtime,
) -> None:
    valid = synthetic.make_sykmelding(random.Random(3), fom=date(2024, 3, 4))
    orgnr = valid.legekontor_orgnr or ""
    refused = valid.model_copy(update={"legekontor_orgnr": orgnr[:8] + str((int(orgnr[8]) + 1) % 10)})
    sent = contracts.encode(runtime.codec, refused, SOURCE)
    queued = await _outbox_after(runtime, refused.msg_id.encode(), sent)

    dead = queued["sykmelding.fra-epj.dlq"]
    assert refused.pasient_fnr.encode() not in (dead.value or b"")
    letter = runtime.dead_letters.read(dead.value or b"")
    assert letter.field == "legekontorOrgnr"
    assert letter.references == {
        "key": refused.msg_id,  # a UUID: an id, so visible
        "sykmeldingId": refused.sykmelding.id,
        "personRef": person_ref(refused.pasient_fnr, runtime.settings.pseudonym_key),
    }
    assert runtime.dead_letters.original(letter) == (refused.msg_id.encode(), sent)
