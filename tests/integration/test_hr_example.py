"""The README's example HR consumer, run against the real broker: it sees its own and nothing else."""

import random
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from examples.hr_arbeidsgiver_consumer import load_schema, sykmeldinger_for

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.status import StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import ARBEIDSGIVER_SYKMELDING, SYKMELDING_FRA_EPJ, SYKMELDING_STATUS
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER
from tests.support.kafka import produce, read_topic
from tests.support.services import running

pytestmark = pytest.mark.integration
SCHEMA = load_schema(Path(__file__).resolve().parents[2] / "schemas" / "arbeidsgiver_sykmelding.avsc")


def _event(sykmelding_id: str, status: StatusEvent) -> SykmeldingStatusEvent:
    return SykmeldingStatusEvent(
        event_id=str(uuid.uuid4()),
        sykmelding_id=sykmelding_id,
        timestamp=datetime.now(UTC),
        status_event=status,
        arbeidsgiver=DEMO_ARBEIDSGIVER if status is StatusEvent.SENDT else None,
    )


async def test_the_example_consumer_sees_what_was_sent_to_its_orgnr_and_forgets_what_was_withdrawn(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(21)
    async with running(kafka_settings, database, Mottak, Personvern) as runtime:
        kept, withdrawn = (synthetic.make_sykmelding(rng, fom=runtime.clock.today()) for _ in range(2))
        source = runtime.topics.name(SYKMELDING_FRA_EPJ)
        await produce(
            kafka_settings,
            source,
            [(s.msg_id.encode(), contracts.encode(runtime.codec, s, source)) for s in (kept, withdrawn)],
        )
        status = runtime.topics.name(SYKMELDING_STATUS)
        events = [
            _event(kept.sykmelding.id, StatusEvent.SENDT),
            _event(withdrawn.sykmelding.id, StatusEvent.SENDT),
            _event(withdrawn.sykmelding.id, StatusEvent.AVBRUTT),
        ]
        await produce(
            kafka_settings,
            status,
            [(e.sykmelding_id.encode(), contracts.encode(runtime.codec, e, status)) for e in events],
        )
        topic = runtime.topics.name(ARBEIDSGIVER_SYKMELDING)
        await read_topic(kafka_settings, topic, expected=3)

    bootstrap = kafka_settings.require_bootstrap()
    mine = await sykmeldinger_for(bootstrap, topic, DEMO_ARBEIDSGIVER.orgnummer, SCHEMA, idle_seconds=2)
    as_legal_entity = await sykmeldinger_for(
        bootstrap, topic, DEMO_ARBEIDSGIVER.juridisk_orgnummer, SCHEMA, idle_seconds=2
    )
    someone_else = await sykmeldinger_for(bootstrap, topic, "311000128", SCHEMA, idle_seconds=2)

    assert list(mine) == [kept.sykmelding.id] and list(as_legal_entity) == [kept.sykmelding.id]
    assert mine[kept.sykmelding.id]["orgnummer"] == DEMO_ARBEIDSGIVER.orgnummer
    assert someone_else == {}
