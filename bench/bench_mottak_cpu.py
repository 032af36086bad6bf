"""mottak's own work per sykmelding, without Kafka: CPU microseconds per sykmelding through its stage.

    python -m bench.bench_mottak_cpu [--messages 10000] [--batch 500] [--profile FILE]

Feeds encoded sykmeldinger in batches to mottak's stage (decode, registers, duplicates, rules, NAV's
record and the kvittering, one database transaction per batch with the outbox rows; DATABASE_URL, or a
SQLite file) and reports the CPU time of this process per sykmelding, for the least and the median
batch. No broker and no relay: what is left is mottak's own code, and CPU time, unlike a rate, moves
less with what else a shared machine runs (with a PostgreSQL server, its time is not counted). The
baseline in the same run is a bare loop that only decodes each message's Avro.
"""

import asyncio
import cProfile
import random
import statistics
import time
from datetime import date
from pathlib import Path

from bench import cpu, report
from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import SYKMELDING_FRA_EPJ
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.runtime import settle_heap


async def main(messages: int, batch: int, profile: Path | None) -> None:
    configure_logging("WARNING")
    async with cpu.database("mottak-cpu") as database:
        runtime = cpu.runtime(database)
        topic = runtime.topics.name(SYKMELDING_FRA_EPJ)
        rng = random.Random(1)
        values = [
            contracts.encode(runtime.codec, synthetic.make_sykmelding(rng, fom=date.today()), topic)
            for _ in range(messages)
        ]
        inbound = [Inbound(topic, 0, offset, None, value, ()) for offset, value in enumerate(values)]

        started = time.process_time()
        for value in values:
            runtime.codec.decode(contracts.SCHEMA_OF[ReceivedSykmelding], value)
        decode_us = (time.process_time() - started) * 1e6 / messages

        stage = Mottak(runtime).sykmelding_stage()
        settle_heap()  # as a started service does
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        per_batch = []
        with report.progress() as bar:
            task = bar.add_task("mottak's stage", total=messages)
            for start in range(0, messages, batch):
                began = time.process_time()
                await stage.process(inbound[start : start + batch])
                per_batch.append((time.process_time() - began) * 1e6 / batch)
                bar.advance(task, batch)
        if profiler and profile:
            profiler.disable()
            profiler.dump_stats(profile)
        # The least and the median batch: other jobs' bursts only ever add to a batch's CPU time.
        least, median = min(per_batch), statistics.median(per_batch)
        print(f"Avro decode alone: {decode_us:.0f} CPU us per sykmelding; mottak's stage: {least:.0f} (least batch)")
        print(f"    median batch {median:.0f}, on a free core about {1e6 / least:.0f} sykmeldinger/s")
        figures = {"decode CPU us": decode_us, "mottak stage CPU us, least batch": least, "median batch": median}
        backend = database.url.get_backend_name()
        details = {"sykmeldinger": messages, "batch": batch, "database": backend}
        report.save(f"mottak-cpu-{backend}" + ("-profiled" if profile else ""), figures, details)


if __name__ == "__main__":
    arguments = cpu.arguments(__doc__, "messages", 10_000, "the stage's time goes to this file")
    asyncio.run(main(arguments.messages, arguments.batch, arguments.profile))
