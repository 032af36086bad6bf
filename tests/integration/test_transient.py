"""A PostgreSQL stopped and started during a stream: no good message is dead-lettered, none is lost or
doubled, and the outage is logged once when it begins and once when it ends."""

import asyncio
import random
from collections import Counter
from datetime import date

import pytest
from structlog.testing import capture_logs

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import NAV_SYKMELDING, SYKMELDING_FRA_EPJ, dead_letter_topic
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.storage.database import Database
from tests.support.kafka import produce, read_topic, settled_end_offsets
from tests.support.postgres import shut_down_slowly, stoppable_cluster
from tests.support.services import running

pytestmark = pytest.mark.integration

HALF = 800


async def test_a_database_stopped_mid_stream_makes_no_message_poison(kafka_settings: KafkaSettings) -> None:
    rng = random.Random(19)
    sykmeldinger = [
        synthetic.make_sykmelding(rng, fom=date.today(), pasient_fnr=fnr)
        for fnr in sorted({synthetic.synthetic_pasient_fnr(rng) for _ in range(HALF * 4)})[: HALF * 2]
    ]
    with stoppable_cluster() as cluster, capture_logs() as logs:
        database = Database(cluster.url)
        await database.migrate()
        async with running(kafka_settings, database, Mottak) as runtime:
            source = runtime.topics.name(SYKMELDING_FRA_EPJ)
            encoded = [(s.msg_id.encode(), contracts.encode(runtime.codec, s, source)) for s in sykmeldinger]
            output = runtime.topics.name(NAV_SYKMELDING)
            await produce(kafka_settings, source, encoded[:HALF])
            await read_topic(kafka_settings, output, expected=HALF // 4, until_quiet=False)

            await shut_down_slowly(cluster)
            await produce(kafka_settings, source, encoded[HALF:])
            await asyncio.sleep(3)
            await asyncio.to_thread(cluster.start)

            nav = await read_topic(kafka_settings, output, expected=HALF * 2, timeout=120)
            dead_letters = await settled_end_offsets(
                kafka_settings, runtime.topics.name(dead_letter_topic(SYKMELDING_FRA_EPJ))
            )
        await database.dispose()

    assert Counter(message.key for message in nav) == Counter(s.sykmelding.id.encode() for s in sykmeldinger)
    assert dead_letters == 0
    events = Counter((line["event"], line.get("component")) for line in logs)
    assert events[("stage.poison_message", None)] == 0
    assert events[("dependency.unavailable", "stage:mottak")] == 1, events
    assert events[("dependency.back", "stage:mottak")] == 1, events
