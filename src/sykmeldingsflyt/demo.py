"""The demonstration: the whole flow on the embedded defaults, as each party sees it.

Starts a local Apache Kafka (or uses KAFKA_BOOTSTRAP_SERVERS), creates the topics, runs every service in
this process on a fresh SQLite database (or DATABASE_URL), plays a scenario through the Kafka topics as
the parties' own systems would, prints what each party received, and stops.
"""

import asyncio
import os
import random
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from sykmeldingsflyt import devkafka, synthetic
from sykmeldingsflyt.domain.kvittering import Kvittering
from sykmeldingsflyt.domain.sykmelding import KontaktMedPasient
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import (
    EPJ_KVITTERING,
    NAV_SYKMELDING,
    SYKMELDING_FRA_EPJ,
    Topic,
    catalogue,
    dead_letter_topic,
)
from sykmeldingsflyt.services import SERVICES
from sykmeldingsflyt.services.runtime import Runtime, run_services
from sykmeldingsflyt.storage.database import Database

Printer = Callable[[str], None]


async def run_demo(out: Printer = print) -> None:
    started = time.monotonic()
    async with _kafka(out) as settings, _database(out) as database:
        await database.migrate()
        created = await create_topics(settings, catalogue(settings.topic_prefix))
        out(f"topics: {len(created)} created from the catalogue")
        runtime = Runtime.from_env(settings, database)
        stop = asyncio.Event()
        services = asyncio.create_task(run_services(runtime, [service(runtime) for service in SERVICES.values()], stop))
        try:
            await _play(runtime, out)
        finally:
            stop.set()
            await services
    out(f"\ndone in {time.monotonic() - started:.1f} s; everything stopped cleanly")


@asynccontextmanager
async def _kafka(out: Printer) -> AsyncIterator[KafkaSettings]:
    settings = KafkaSettings.from_env()
    if settings.bootstrap_servers:
        out(f"kafka: using {settings.bootstrap_servers}")
        yield settings
        return
    kafka = devkafka.LocalKafka()
    began = time.monotonic()
    bootstrap = kafka.start()
    out(
        f"kafka: Apache Kafka {devkafka.KAFKA_VERSION} (KRaft) on {bootstrap}, ready in {time.monotonic() - began:.1f} s"
    )
    try:
        yield settings.model_copy(update={"bootstrap_servers": bootstrap})
    finally:
        kafka.stop()


@asynccontextmanager
async def _database(out: Printer) -> AsyncIterator[Database]:
    if os.environ.get("DATABASE_URL"):
        database = Database.from_env()
        out(f"database: {database.url.render_as_string(hide_password=True)}")
        try:
            yield database
        finally:
            await database.dispose()
        return
    with tempfile.TemporaryDirectory(prefix="sykmeldingsflyt-demo-") as folder:
        database = Database(f"sqlite+aiosqlite:///{Path(folder) / 'sykmeldingsflyt.sqlite'}")
        out(f"database: SQLite in {folder}")
        try:
            yield database
        finally:
            await database.dispose()


async def _play(runtime: Runtime, out: Printer) -> None:
    rng = random.Random(2026)
    today = runtime.clock.today()
    accepted = synthetic.make_sykmelding(rng, fom=today - timedelta(days=2))
    backdated = synthetic.make_sykmelding(
        rng,
        fom=today - timedelta(days=20),
        signatur_dato=datetime.combine(today, datetime.min.time(), UTC),
        kontakt_med_pasient=KontaktMedPasient(),
    )
    out("\n== EPJ (Testjournal EPJ at Testlegene Legesenter) sends three messages to sykmelding.fra-epj ==")
    out(f"  1. a sykmelding for 14 days from {accepted.sykmelding.perioder[0].fom} (msgId {accepted.msg_id})")
    out(f"  2. a sykmelding backdated 20 days without a reason (msgId {backdated.msg_id})")
    out("  3. bytes that are not a sykmelding at all (key demo-garbage)")
    source = runtime.topics.name(SYKMELDING_FRA_EPJ)
    await _send(
        runtime,
        source,
        [
            (accepted.msg_id, contracts.encode(runtime.codec, accepted, source)),
            (backdated.msg_id, contracts.encode(runtime.codec, backdated, source)),
            ("demo-garbage", b"<html>not avro</html>"),
        ],
    )

    out("\n== what the EPJ received on epj.kvittering ==")
    for kvittering in await _receive(
        runtime, EPJ_KVITTERING, 3, lambda value: contracts.decode(runtime.codec, value, Kvittering)
    ):
        out(f"  msgId {kvittering.msg_id}: {kvittering.status.value}")
        for grunn in kvittering.avvisningsgrunner:
            out(f"      {grunn.rule_name}: {grunn.message_for_sender}")

    out("\n== what NAV received on nav.sykmelding ==")
    for nav in await _receive(
        runtime, NAV_SYKMELDING, 2, lambda value: contracts.decode(runtime.codec, value, NavSykmelding)
    ):
        sykmelding = nav.received_sykmelding.sykmelding
        diagnose = sykmelding.medisinsk_vurdering.hoved_diagnose
        hits = ", ".join(hit.rule_name for hit in nav.validation_result.rule_hits) or "no rule hits"
        out(
            f"  sykmelding {sykmelding.id}: {nav.validation_result.status.value} ({hits}); "
            f"diagnosis {diagnose.kode if diagnose else '-'} (NAV may see it)"
        )

    out("\n== what the operators see on sykmelding.fra-epj.dlq ==")
    dead = await _receive(
        runtime, dead_letter_topic(SYKMELDING_FRA_EPJ), 1, lambda value: runtime.codec.decode("dead_letter", value)
    )
    for letter in dead:
        out(
            f"  from {letter['sourceTopic']}@{letter['sourcePartition']}:{letter['sourceOffset']}: {letter['reason']}: {letter['detail']}"
        )


async def _send(runtime: Runtime, topic: str, messages: list[tuple[str, bytes]]) -> None:
    producer = AIOKafkaProducer(**runtime.kafka.aiokafka_kwargs(), acks="all")
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic, value=value, key=key.encode())
    finally:
        await producer.stop()


async def _receive(
    runtime: Runtime, topic: Topic, expected: int, decode: Callable[[bytes], Any], timeout: float = 30.0
) -> list[Any]:
    """Read a topic as the entitled party's own client would: from the start, committed messages only."""
    consumer = AIOKafkaConsumer(
        runtime.topics.name(topic),
        **runtime.kafka.aiokafka_kwargs(),
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    await consumer.start()
    received: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        while len(received) < expected and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                received.extend(decode(record.value) for record in records if record.value is not None)
        return received
    finally:
        await consumer.stop()
