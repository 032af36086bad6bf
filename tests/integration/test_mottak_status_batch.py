"""mottak's status stage in batches: a batch of the employee's events asks the database one question,
whatever its size, and leaves each sykmelding's latest status as the events applied one at a time do,
two events on one sykmelding not yet stored in the same batch included. No broker: the stage is handed the
records, as the broker would hand them (one partition, in order)."""

import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest
from faststream.kafka import KafkaBroker
from sqlalchemy import select

from sykmeldingsflyt.domain.status import StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.stage import Inbound, Stage
from sykmeldingsflyt.messaging.topics import SYKMELDING_STATUS
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import MottakSykmeldingStatus
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER
from tests.support.registers import registre_med
from tests.support.statements import statements

pytestmark = pytest.mark.integration


def _stage(database: Database, folder: Path) -> tuple[Runtime, Stage]:
    offline = KafkaSettings(bootstrap_servers="localhost:9", topic_prefix="t.")
    runtime = Runtime.from_env(offline, database, registre=registre_med(folder))
    mottak = Mottak(runtime)
    mottak.subscribe(KafkaBroker())  # never started
    return runtime, mottak.stages[runtime.topics.name(SYKMELDING_STATUS)]


def _records(runtime: Runtime, first: int, events: Sequence[tuple[str, StatusEvent]]) -> list[Inbound]:
    topic = runtime.topics.name(SYKMELDING_STATUS)
    made = [
        SykmeldingStatusEvent(
            event_id=str(uuid.uuid4()),
            sykmelding_id=sykmelding_id,
            timestamp=runtime.clock.now(),
            status_event=hendelse,
            arbeidsgiver=DEMO_ARBEIDSGIVER if hendelse is StatusEvent.SENDT else None,
        )
        for sykmelding_id, hendelse in events
    ]
    return [
        Inbound(topic, 0, first + n, e.sykmelding_id.encode(), contracts.encode(runtime.codec, e, topic), ())
        for n, e in enumerate(made)
    ]


async def _statuses(database: Database) -> dict[str, str]:
    async with database.session() as session:
        rows = await session.execute(select(MottakSykmeldingStatus.sykmelding_id, MottakSykmeldingStatus.status))
        return {sykmelding_id: status for sykmelding_id, status in rows}


async def test_a_batch_of_status_events_leaves_each_sykmelding_as_its_events_in_order_say(
    database: Database, tmp_path: Path
) -> None:
    runtime, stage = _stage(database, tmp_path / "registers")
    stored, new, other = (str(uuid.uuid4()) for _ in range(3))
    await stage.process(_records(runtime, 0, [(stored, StatusEvent.SENDT)]))

    batch = _records(
        runtime,
        1,
        [
            (new, StatusEvent.BEKREFTET),  # stored by neither run yet: both events in this batch find it
            (stored, StatusEvent.AVBRUTT),
            (new, StatusEvent.AVBRUTT),
            (other, StatusEvent.SENDT),
            (new, StatusEvent.SENDT),  # not allowed after AVBRUTT: unchanged
        ],
    )
    await stage.process(batch)
    assert await _statuses(database) == {stored: "AVBRUTT", new: "AVBRUTT", other: "SENDT"}

    await stage.process(batch)  # redelivered: every event is handled already
    assert await _statuses(database) == {stored: "AVBRUTT", new: "AVBRUTT", other: "SENDT"}


async def test_a_batch_of_status_events_asks_the_same_questions_whatever_its_size(
    database: Database, tmp_path: Path
) -> None:
    runtime, stage = _stage(database, tmp_path / "registers")
    asked, first = [], 0
    for size in (1, 2, 40):  # the first batch only opens the connection
        batch = _records(runtime, first, [(str(uuid.uuid4()), StatusEvent.SENDT) for _ in range(size)])
        with statements(database) as seen:
            await stage.process(batch)
        asked.append(sum(statement.lstrip().upper().startswith("SELECT") for statement in seen))
        first += size
    assert asked[1] == asked[2], asked
