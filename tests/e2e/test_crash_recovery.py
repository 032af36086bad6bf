"""SIGKILL a consuming service mid-stream, restart it, and count: every input produced its outputs once."""

import asyncio
import random
import signal
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.codec import AvroCodec, SchemaStore
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import EPJ_KVITTERING, NAV_SYKMELDING, SYKMELDING_FRA_EPJ, Topics, catalogue
from sykmeldingsflyt.storage.database import Database
from tests.support.kafka import produce, read_topic
from tests.support.processes import start_services

pytestmark = [pytest.mark.integration, pytest.mark.fault]

MESSAGES = 3000


async def _start_mottak(settings: KafkaSettings, database: Database, log: Path) -> asyncio.subprocess.Process:
    return await start_services(settings, database.url.render_as_string(hide_password=False), "mottak", log=log)


async def _wait_for_output(settings: KafkaSettings, topic: str, at_least: int, timeout: float = 60) -> None:
    received = await read_topic(settings, topic, expected=at_least, timeout=timeout, until_quiet=False)
    assert len(received) >= at_least, f"only {len(received)} of {at_least} on {topic}"


async def test_sigkill_mid_stream_loses_nothing_and_duplicates_nothing(
    kafka_settings: KafkaSettings, database: Database, tmp_path: Path
) -> None:
    topics = Topics(kafka_settings.topic_prefix)
    codec = AvroCodec(SchemaStore())
    await create_topics(kafka_settings, catalogue(kafka_settings.topic_prefix))
    rng = random.Random(99)
    patients = {synthetic.synthetic_pasient_fnr(rng) for _ in range(MESSAGES * 2)}
    # One sykmelding per patient: two for one patient could be content duplicates, rightly refused.
    sykmeldinger = [synthetic.make_sykmelding(rng, fom=date.today(), pasient_fnr=fnr) for fnr in sorted(patients)][
        :MESSAGES
    ]
    source = topics.name(SYKMELDING_FRA_EPJ)
    await produce(
        kafka_settings, source, [(s.msg_id.encode(), contracts.encode(codec, s, source)) for s in sykmeldinger]
    )

    log = tmp_path / "mottak.log"
    for kill_after in (MESSAGES // 10, MESSAGES // 2):
        process = await _start_mottak(kafka_settings, database, log)
        await _wait_for_output(kafka_settings, topics.name(NAV_SYKMELDING), at_least=kill_after)
        process.send_signal(signal.SIGKILL)
        assert await process.wait() == -signal.SIGKILL

    process = await _start_mottak(kafka_settings, database, log)
    try:
        nav = await read_topic(kafka_settings, topics.name(NAV_SYKMELDING), expected=MESSAGES, timeout=120)
        kvitteringer = await read_topic(kafka_settings, topics.name(EPJ_KVITTERING), expected=MESSAGES, timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        exit_code = await process.wait()

    assert exit_code == 0, log.read_text()[-3000:]
    per_sykmelding = Counter(message.key for message in nav)
    per_msg_id = Counter(message.key for message in kvitteringer)
    assert set(per_sykmelding) == {s.sykmelding.id.encode() for s in sykmeldinger}
    assert set(per_msg_id) == {s.msg_id.encode() for s in sykmeldinger}
    assert max(per_sykmelding.values()) == 1, per_sykmelding.most_common(3)
    assert max(per_msg_id.values()) == 1, per_msg_id.most_common(3)
