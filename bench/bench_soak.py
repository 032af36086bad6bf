"""Soak: every service, each in its own process, at a steady rate for a long time; memory must stay flat.

    python -m bench.bench_soak [--minutes 60] [--rate 50] [--every 60] [--plot soak.png] [--output FILE]

The load is the latency benchmark's (sykmeldinger from the EPJ at a fixed rate, each accepted one sent
to the employer). Every `--every` seconds it prints each service process's resident memory, the lag of
every service's consumer group (read_committed end offsets less committed offsets, summed over partitions;
the benchmark's own reader left out) and the outbox rows not yet published, per service. The baseline is
the first sample: the summary compares the last to it, and to the sample a third from the end (growth
there is what "flat" is about: a process warms up first). At the end it draws RSS per service and the lag
and outbox depth over the run in the terminal, and with --plot in a PNG.
"""

import argparse
import asyncio
import os
import time
from pathlib import Path
from typing import Any

from rich.table import Table
from sqlalchemy import func, select

from bench import report
from bench.bench_latency import READER_GROUP, offered_load, prepare
from bench.cluster import ServiceProcesses, bench_kafka, consumer_lag
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.services.registry import SERVICES
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import OutboxMessage


async def outbox_depth(database: Database) -> dict[str, int]:
    async with database.session() as session:
        rows = await session.execute(
            select(OutboxMessage.producer, func.count())
            .where(OutboxMessage.published_at.is_(None))
            .group_by(OutboxMessage.producer)
        )
        return {producer: count for producer, count in rows}


class Monitor:
    def __init__(self, settings: KafkaSettings, database: Database, every: float) -> None:
        self.settings = settings
        self.database = database
        self.every = every
        self.samples: list[dict[str, Any]] = []

    async def run(self, processes: ServiceProcesses) -> None:
        started = time.monotonic()
        while True:
            await asyncio.sleep(self.every)
            seconds = round(time.monotonic() - started)
            rss_mb = processes.rss_mb()
            lag = {g: n for g, n in (await consumer_lag(self.settings)).items() if not g.startswith(READER_GROUP)}
            outbox = await outbox_depth(self.database)
            self.samples.append({"seconds": seconds, "rss_mb": rss_mb, "lag": lag, "outbox": outbox})
            memory = ", ".join(f"{name} {mb:.0f}" for name, mb in rss_mb.items())
            report.console.print(
                f"[{seconds:>5} s] RSS MB: {memory} | consumer lag {sum(lag.values()):,}"
                f" | outbox unpublished {sum(outbox.values()):,}"
            )


async def main(
    minutes: float, rate: float, every: float, *, database_url: str | None, plot: str | None, output: Path | None
) -> None:
    with bench_kafka() as settings:
        url = await prepare(settings, database_url)
        database = Database(url)
        monitor = Monitor(settings, database, every)
        try:
            await offered_load(settings, url, list(SERVICES), rate=rate, seconds=minutes * 60, beside=monitor.run)
        finally:
            await database.dispose()
    samples = monitor.samples
    if not samples:
        report.console.print("no sample: run longer than --every")
        return
    first, last = samples[0], samples[-1]
    # A process warms up (caches, pools, the allocator's arenas) before it levels off: flat means no growth
    # in the run's last third, whatever the first samples did.
    warm = samples[len(samples) * 2 // 3]
    table = Table(title=f"soak: {minutes:g} min at {rate:g}/s, {len(samples)} samples ({os.cpu_count()} cores)")
    for column in ("process", "RSS first MB", "RSS last MB", "growth", f"growth after {warm['seconds']} s, MB"):
        table.add_column(column, justify="left" if column == "process" else "right")
    for name, mb in last["rss_mb"].items():
        start = first["rss_mb"].get(name, mb)
        late = mb - warm["rss_mb"].get(name, mb)
        table.add_row(name, f"{start:.0f}", f"{mb:.0f}", f"{(mb - start) / start:+.0%}", f"{late:+.0f}")
    report.console.print(table)
    report.save(
        "soak",
        {
            **{f"RSS growth {name} MB": mb - first["rss_mb"].get(name, mb) for name, mb in last["rss_mb"].items()},
            **{
                f"RSS growth {name} MB, last third": mb - warm["rss_mb"].get(name, mb)
                for name, mb in last["rss_mb"].items()
            },
            "max consumer lag": max(sum(sample["lag"].values()) for sample in samples),
            "max outbox depth": max(sum(sample["outbox"].values()) for sample in samples),
        },
        {"minutes": minutes, "rate": rate, "samples": samples},
        output,
    )
    xs = [sample["seconds"] for sample in samples]
    rss = {name: (xs, [sample["rss_mb"].get(name, 0.0) for sample in samples]) for name in last["rss_mb"]}
    behind = {
        what: (xs, [sum(sample[key].values()) for sample in samples])
        for what, key in (("consumer lag", "lag"), ("outbox unpublished", "outbox"))
    }
    report.plot(
        Path(plot) if plot else None,
        report.Panel(f"RSS per service at {rate:g}/s", "MB", rss),
        report.Panel("consumer lag and outbox depth, all services", "messages", behind),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=100.0, help="sykmeldinger offered per second")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between samples")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--plot", help="also write the plots of the run to this PNG")
    parser.add_argument("--output", type=Path, help="the result file (default: bench/results/soak.json)")
    arguments = parser.parse_args()
    asyncio.run(
        main(
            arguments.minutes,
            arguments.rate,
            arguments.every,
            database_url=arguments.database_url,
            plot=arguments.plot,
            output=arguments.output,
        )
    )
