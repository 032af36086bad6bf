"""The gateway's read model's own work per event, without Kafka: CPU microseconds and events per second.

    python -m bench.bench_lesemodell_cpu [--sykmeldinger 1000] [--batch 500] [--profile FOLDER]

Feeds the gateway service (gateway/readmodel.py) what it reads for each sykmelding sent to an employer: NAV's
view, the kvittering and the employer's view, and for every tenth the view's withdrawal, in batches, to the
stages its subscribers run (DATABASE_URL, or a SQLite file). Reports the CPU time of this process per event
for the least and the median batch, and events per second of wall time: on PostgreSQL that includes the
round trips, which were the read model's limit (one at a time, several per message).
"""

import asyncio
import cProfile
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from faststream.kafka import KafkaBroker

from bench import cpu, report
from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.kvittering import Kvittering, KvitteringStatus
from sykmeldingsflyt.domain.privacy import arbeidsgiver_view, nav_view
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult
from sykmeldingsflyt.gateway.readmodel import GatewayReadModel
from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import ARBEIDSGIVER_SYKMELDING, EPJ_KVITTERING, NAV_SYKMELDING
from sykmeldingsflyt.services.runtime import Runtime, settle_heap


def inputs(runtime: Runtime, count: int) -> dict[str, list[Inbound]]:
    """The gateway's inbound messages for `count` sykmeldinger sent to an employer, per topic name."""
    rng = random.Random(1)
    name = runtime.topics.name
    nav, kvitteringer, employer = name(NAV_SYKMELDING), name(EPJ_KVITTERING), name(ARBEIDSGIVER_SYKMELDING)
    events: dict[str, list[Inbound]] = {nav: [], kvitteringer: [], employer: []}
    withdrawals: list[Inbound] = []
    to = synthetic.DEMO_ARBEIDSGIVER
    headers = (("orgnummer", to.orgnummer.encode()), ("juridisk-orgnummer", to.juridisk_orgnummer.encode()))
    for index in range(count):
        received = synthetic.make_sykmelding(rng, fom=date.today())
        key = received.sykmelding.id.encode()
        now = datetime.now(UTC)
        kvittering = Kvittering(
            kvittering_id=str(uuid.uuid4()),
            msg_id=received.msg_id,
            sykmelding_id=received.sykmelding.id,
            status=KvitteringStatus.OK,
            mottatt_dato=now,
        )
        messages: tuple[tuple[str, DomainModel, tuple[tuple[str, bytes], ...]], ...] = (
            (nav, nav_view(received, ValidationResult(status=RuleStatus.OK)), ()),
            (kvitteringer, kvittering, ()),
            (employer, arbeidsgiver_view(received, to, now), headers),
        )
        for topic, message, sent_with in messages:
            value = contracts.encode(runtime.codec, message, topic)
            events[topic].append(Inbound(topic, 0, index, key, value, sent_with))
        if index % 10 == 0:
            withdrawals.append(Inbound(employer, 0, count + index, key, None, headers))
    events[employer] += withdrawals
    return events


async def main(count: int, batch: int, profile: Path | None) -> None:
    configure_logging("WARNING")
    async with cpu.database("lesemodell-cpu") as database:
        runtime = cpu.runtime(database)
        service = GatewayReadModel(runtime)
        service.subscribe(KafkaBroker())  # never started: only to have the service make its stages
        events = inputs(runtime, count)
        total = sum(len(messages) for messages in events.values())
        settle_heap()  # as a started service does
        profiler = cProfile.Profile() if profile else None
        per_batch: list[float] = []
        wall = 0.0
        for topic, messages in events.items():
            for start in range(0, len(messages), batch):
                chunk = messages[start : start + batch]
                if profiler:
                    profiler.enable()
                began, began_wall = time.process_time(), time.perf_counter()
                await service.stages[topic].process(chunk)
                per_batch.append((time.process_time() - began) * 1e6 / len(chunk))
                wall += time.perf_counter() - began_wall
                if profiler:
                    profiler.disable()
        if profiler and profile:
            profiler.dump_stats(profile / "lesemodell-cpu.prof")
        least, median, rate = min(per_batch), statistics.median(per_batch), total / wall
        report.console.print(
            f"gateway read model: {least:.0f} CPU us per event (least batch), median batch {median:.0f}; "
            f"{rate:,.0f} events/s ({total} events)"
        )
        backend = database.url.get_backend_name()
        report.save(
            f"lesemodell-cpu-{backend}" + ("-profiled" if profile else ""),
            {"CPU us, least batch": least, "CPU us, median batch": median, "events/s": rate},
            {"sykmeldinger": count, "batch": batch, "database": backend},
        )


if __name__ == "__main__":
    arguments = cpu.arguments(__doc__, "sykmeldinger", 1000, "the read model's time goes in this folder")
    asyncio.run(main(arguments.sykmeldinger, arguments.batch, arguments.profile))
