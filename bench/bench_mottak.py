"""Sykmeldinger per second through mottak, beside a raw aiokafka loop on the same broker in the same run.

    python -m bench.bench_mottak [--messages 20000] [--instances 1] [--profile mottak.prof]

The raw loop is the ceiling: it consumes the same encoded sykmeldinger and produces two messages per
input (as mottak does: the NAV view and the kvittering), committing offsets per batch, with no decoding,
no rules and no database. mottak is timed from start until every kvittering is committed on
epj.kvittering; with --instances N it runs as N processes in one consumer group (how it scales out),
otherwise in this process. Beside the rates it prints the CPU time per message of both: on a shared
machine the rates move with everything else it runs, the CPU time per message far less. Uses
KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL when set; otherwise a local Kafka and a SQLite file.
"""

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import random
import resource
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench import report
from bench.cluster import bench_kafka, raw_topic
from sykmeldingsflyt import synthetic
from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import EPJ_KVITTERING, SYKMELDING_FRA_EPJ, Topics, catalogue
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.process import run_services
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database


async def produce(
    settings: KafkaSettings,
    topic: str,
    messages: list[tuple[bytes, bytes]],
    headers: list[tuple[str, bytes]] | None = None,
) -> None:
    producer = AIOKafkaProducer(**settings.aiokafka_kwargs(), acks="all", linger_ms=20, max_batch_size=512 * 1024)
    await producer.start()
    try:
        with report.progress() as bar:
            task = bar.add_task(f"producing to {topic}", total=len(messages))
            sent = []
            for key, value in messages:
                sent.append(await producer.send(topic, value=value, key=key, headers=headers))
                bar.advance(task)
            await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def _count_committed(
    settings: KafkaSettings, topic: str, expected: int, on_first: Callable[[int], None] = lambda _seen: None
) -> tuple[float, float]:
    """Wait until `expected` messages are committed on `topic`; returns the rate from start (the call) and
    the steady rate: what came after the first arrivals (told to `on_first`), over the time after them."""
    consumer = AIOKafkaConsumer(
        topic, **settings.aiokafka_kwargs(), isolation_level="read_committed", auto_offset_reset="earliest"
    )
    await consumer.start()
    started = time.monotonic()
    seen = 0
    first_seen, first_at = 0, 0.0
    try:
        with report.progress() as bar:
            task = bar.add_task(f"committed on {topic}", total=expected)
            while seen < expected:
                batches = await consumer.getmany(timeout_ms=200, max_records=10_000)
                seen += sum(len(records) for records in batches.values())
                bar.update(task, completed=seen)
                if seen and not first_seen:
                    first_seen, first_at = seen, time.monotonic()
                    on_first(first_seen)
        finished = time.monotonic()
        return expected / (finished - started), (expected - first_seen) / (finished - first_at)
    finally:
        await consumer.stop()


async def raw_loop(settings: KafkaSettings, source: str, outputs: tuple[str, ...], expected: int) -> float:
    """Messages per second of the bare consume-produce-commit loop."""
    consumer = AIOKafkaConsumer(
        source,
        **settings.aiokafka_kwargs(),
        group_id=f"raw-{uuid.uuid4().hex}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
    )
    producer = AIOKafkaProducer(**settings.aiokafka_kwargs(), acks="all", enable_idempotence=True, linger_ms=5)
    await consumer.start()
    await producer.start()
    try:
        with report.progress() as bar:
            task = bar.add_task("raw loop", total=expected)
            started = time.monotonic()
            done = 0
            while done < expected:
                batches = await consumer.getmany(timeout_ms=200, max_records=500)
                sent = []
                for records in batches.values():
                    for record in records:
                        for output in outputs:
                            sent.append(await producer.send(output, value=record.value, key=record.key))
                        done += 1
                await asyncio.gather(*sent)
                await consumer.commit()
                bar.update(task, completed=done)
            return expected / (time.monotonic() - started)
    finally:
        await consumer.stop()
        await producer.stop()


class CollectorTime:
    """The CPU time the garbage collector takes in this process once started: in the steady part of a run,
    as the steady rate, so that the full collection at start-up (`settle_heap`) is left out."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.left_out = 0
        """The sykmeldinger answered before it started."""
        self._began = 0.0

    def start(self, answered: int) -> None:
        self.left_out = answered
        gc.callbacks.append(self._collecting)

    def stop(self) -> None:
        if self._collecting in gc.callbacks:
            gc.callbacks.remove(self._collecting)

    def _collecting(self, phase: str, _info: dict[str, int]) -> None:
        # The collector runs on the thread that allocates, so that thread's CPU time is its time.
        if phase == "start":
            self._began = time.thread_time()
        else:
            self.seconds += time.thread_time() - self._began


async def through_mottak(
    settings: KafkaSettings, database: Database, expected: int, profile: Path | None, collector: CollectorTime
) -> tuple[float, float]:
    runtime = Runtime.from_env(settings, database)
    stop = asyncio.Event()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    service = asyncio.create_task(run_services(runtime, [Mottak(runtime)], stop))
    rates = await _count_committed(settings, runtime.topics.name(EPJ_KVITTERING), expected, collector.start)
    collector.stop()
    if profiler:
        profiler.disable()
    stop.set()
    await service
    if profiler and profile:
        profiler.dump_stats(profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return rates


async def through_processes(
    settings: KafkaSettings, database: Database, expected: int, instances: int
) -> tuple[float, float]:
    environment = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.require_bootstrap(),
        "SYKMELDINGSFLYT_TOPIC_PREFIX": settings.topic_prefix,
        "DATABASE_URL": database.url.render_as_string(hide_password=False),
    }
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "sykmeldingsflyt",
            "run",
            "mottak",
            env={**environment, "SYKMELDINGSFLYT_INSTANCE_ID": f"bench-{n}"},
            stderr=asyncio.subprocess.DEVNULL,
        )
        for n in range(instances)
    ]
    try:
        rates = await _count_committed(settings, Topics(settings.topic_prefix).name(EPJ_KVITTERING), expected)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        await asyncio.gather(*(process.wait() for process in processes))
    return rates


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended: unlike the rate, hardly moved by what
    else the machine runs, so it compares runs on a loaded machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def main(messages: int, instances: int, profile: Path | None) -> None:
    configure_logging("WARNING")
    with bench_kafka() as settings:
        await _measure(settings, messages, instances, profile)


async def _measure(settings: KafkaSettings, messages: int, instances: int, profile: Path | None) -> None:
    folder = tempfile.mkdtemp(prefix="bench-mottak-")
    database = Database(os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite'}")
    try:
        await database.migrate()
        raw_topics = [raw_topic(settings, name) for name in ("in", "out-a", "out-b")]
        await create_topics(settings, [*catalogue(settings.topic_prefix), *raw_topics])
        runtime = Runtime.from_env(settings, database)
        source = runtime.topics.name(SYKMELDING_FRA_EPJ)
        rng = random.Random(1)
        encoded = [
            (s.msg_id.encode(), contracts.encode(runtime.codec, s, source))
            for s in (synthetic.make_sykmelding(rng, fom=date.today()) for _ in range(messages))
        ]
        print(f"{messages} sykmeldinger, {sum(len(v) for _, v in encoded) / messages:.0f} bytes each on average")
        await produce(settings, raw_topics[0].name, encoded)
        await produce(settings, source, encoded)

        cpu = _cpu_seconds()
        raw = await raw_loop(settings, raw_topics[0].name, (raw_topics[1].name, raw_topics[2].name), messages)
        raw_cpu_ms, cpu = (_cpu_seconds() - cpu) * 1000 / messages, _cpu_seconds()
        print(f"raw aiokafka consume-produce-commit loop: {raw:8.0f} messages/s, {raw_cpu_ms:.3f} CPU ms each")
        collector = CollectorTime()
        if instances > 1:
            overall, steady = await through_processes(settings, database, messages, instances)
        else:
            overall, steady = await through_mottak(settings, database, messages, profile, collector)
        cpu_ms = (_cpu_seconds() - cpu) * 1000 / messages
        print(f"mottak: {cpu_ms:.3f} CPU ms per sykmelding, all threads and processes (the bench's reader included)")
        gc_ms = collector.seconds * 1000 / max(messages - collector.left_out, 1)
        if instances == 1:
            # Hardly moved by what else the machine runs, unlike the CPU time above.
            print(f"    of which the garbage collector, in the steady part: {gc_ms:.3f} ms")
        backend = database.url.get_backend_name()
        print(f"mottak x{instances} (decode, rules, {backend}, outbox, relay): {steady:8.0f} sykmeldinger/s")
        print(f"    (from start, including start-up and the consumer group joining: {overall:.0f}/s)")
        print(f"ratio mottak / raw: {steady / raw:.2f}")
        # A profiled run is slower: it is kept apart, so that runs are compared like with like.
        name = f"mottak-{backend}-x{instances}" + ("-profiled" if profile else "")
        figures = {
            "raw loop msg/s": raw,
            "mottak sykmeldinger/s": steady,
            "mottak / raw": steady / raw,
            "raw loop CPU ms/msg": raw_cpu_ms,
            "mottak CPU ms/sykmelding": cpu_ms,
            "raw / mottak CPU": raw_cpu_ms / cpu_ms,
            **({"mottak GC CPU ms/sykmelding": gc_ms} if instances == 1 else {}),
        }
        details = {"sykmeldinger": messages, "database": backend, "instances": instances, "from start/s": overall}
        report.save(name, figures, {**details, "profile": str(profile) if profile else None})
    finally:
        await database.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--instances", type=int, default=1, help="mottak processes in one consumer group")
    parser.add_argument(
        "--profile", type=Path, help="save where mottak's time goes (cProfile) to this file and print the top"
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.messages, arguments.instances, arguments.profile))
