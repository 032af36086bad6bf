"""personvern's and tidslinje's own work per event, without Kafka: CPU microseconds per event through their stages.

    python -m bench.bench_services_cpu [--sykmeldinger 2000] [--batch 500] [--profile FOLDER]

Feeds each service the events bench_services sends it (NAV's view of each sykmelding, then the employee's
SENDT of it), in batches, to the stages its subscribers run (decode, the database transaction per batch
with the outbox rows; DATABASE_URL, or a SQLite file), and reports the CPU time of this process per event,
for the least and the median batch, as bench_mottak_cpu does for mottak. The baseline in the same run is
a bare loop that only decodes each event's Avro.
"""

import asyncio
import cProfile
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from faststream.kafka import KafkaBroker

from bench import cpu, report
from bench.bench_services import inputs
from sykmeldingsflyt.domain.status import SykmeldingStatusEvent
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import NAV_SYKMELDING, SYKMELDING_STATUS
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.runtime import Service, settle_heap
from sykmeldingsflyt.services.tidslinje import TidslinjeService


async def per_event(
    service: Service, events: dict[str, list[tuple[bytes, bytes]]], batch: int, profile: Path | None
) -> tuple[float, float]:
    """The least and the median batch's CPU microseconds per event, the topics one after the other."""
    service.subscribe(KafkaBroker())  # never started: only to have the service make its stages
    profiler = cProfile.Profile() if profile else None
    per_batch: list[float] = []
    with report.progress() as bar:
        task = bar.add_task(service.name, total=sum(len(messages) for messages in events.values()))
        for topic, messages in events.items():
            inbound: Sequence[Inbound] = [
                Inbound(topic, 0, offset, key, value, ()) for offset, (key, value) in enumerate(messages)
            ]
            for start in range(0, len(inbound), batch):
                chunk = inbound[start : start + batch]
                if profiler:
                    profiler.enable()
                began = time.process_time()
                await service.stages[topic].process(chunk)
                per_batch.append((time.process_time() - began) * 1e6 / len(chunk))
                if profiler:
                    profiler.disable()
                bar.advance(task, len(chunk))
    if profiler and profile:
        profiler.dump_stats(profile / f"{service.name}-cpu.prof")
    return min(per_batch), statistics.median(per_batch)


async def main(count: int, batch: int, profile: Path | None) -> None:
    configure_logging("WARNING")
    async with cpu.database("services-cpu") as database:
        runtime = cpu.runtime(database)
        events = inputs(runtime, count)
        started = time.process_time()
        for _, value in events[runtime.topics.name(NAV_SYKMELDING)]:
            contracts.decode(runtime.codec, value, NavSykmelding)
        for _, value in events[runtime.topics.name(SYKMELDING_STATUS)]:
            contracts.decode(runtime.codec, value, SykmeldingStatusEvent)
        decode_us = (time.process_time() - started) * 1e6 / (2 * count)
        report.console.print(f"Avro decode and validation alone: {decode_us:.0f} CPU us per event")
        figures = {"decode CPU us": decode_us}
        settle_heap()  # as a started service does
        for service in (Personvern(runtime), TidslinjeService(runtime)):
            least, median = await per_event(service, events, batch, profile)
            report.console.print(
                f"{service.name}: {least:.0f} CPU us per event (least batch), median batch {median:.0f}"
            )
            figures[f"{service.name} CPU us, least batch"] = least
            figures[f"{service.name} median batch"] = median
        backend = database.url.get_backend_name()
        report.save(
            f"services-cpu-{backend}" + ("-profiled" if profile else ""),
            figures,
            {"sykmeldinger": count, "batch": batch, "database": backend},
        )


if __name__ == "__main__":
    arguments = cpu.arguments(__doc__, "sykmeldinger", 2000, "each service's time goes in this folder")
    asyncio.run(main(arguments.sykmeldinger, arguments.batch, arguments.profile))
