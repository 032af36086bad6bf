"""Latency at a fixed offered rate: from the EPJ's produce to the kvittering and to NAV's output, and from
the employee's SENDT to the employer's view.

    python -m bench.bench_latency [--rate 500] [--seconds 60] [--database-url URL]

mottak and personvern run each in its own process, as in production. The EPJ offers sykmeldinger at a
fixed rate (open loop: the schedule does not wait for answers, so a slow service shows as latency, not as
a lower rate). Once an accepted sykmelding's OK kvittering and NAV's output are in, the employee sends it
to the employer. Every time is taken here, on the wall clock (`time.time()`), when a read_committed consumer
sees the message: what a reader of the topic would see. The baseline, in the same run, is the bare
produce-to-consume latency of the same bytes through the same broker (a topic with no service in between).

Each answer's latency is also broken down (bench/latency_breakdown.py): produced, handled by the service's
stage, its transaction committed (PostgreSQL with track_commit_timestamp=on), sent by the outbox relay, the
relay's Kafka transaction acknowledged, seen. The services' times are read from the database after the run;
all processes run on this machine, so their wall clocks are one.
"""

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from rich.table import Table

from bench import report
from bench.cluster import ServiceProcesses, bench_kafka, raw_topic
from bench.latency_breakdown import Answer, Passages
from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.kvittering import Kvittering, KvitteringStatus
from sykmeldingsflyt.domain.status import StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.codec import AvroCodec, SchemaStore
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import (
    ARBEIDSGIVER_SYKMELDING,
    EPJ_KVITTERING,
    NAV_SYKMELDING,
    SYKMELDING_FRA_EPJ,
    SYKMELDING_STATUS,
    Topics,
    catalogue,
)
from sykmeldingsflyt.storage.database import Database

# The benchmark's own reader of the answers: not a service, so the soak leaves its lag out.
READER_GROUP = "latency-"
# After the last offer, how long answers may still come before the run counts them as missing.
DRAIN_SECONDS = 30.0
# How long the services may take to start and join their consumer groups.
WARM_UP_SECONDS = 180.0
# The answers broken down, each with the input it answers and the service that makes it.
ANSWERS = (
    Answer("kvittering", "sykmelding", "mottak"),
    Answer("nav", "sykmelding", "mottak"),
    Answer("arbeidsgiver", "sendt", "personvern"),
)


class Clock:
    """When each key was offered and when each answer was seen, per stream, on the wall clock (seconds)."""

    def __init__(self) -> None:
        self.sent: dict[str, dict[str, float]] = {"sykmelding": {}, "sendt": {}}
        self.seen: dict[str, dict[str, float]] = {"kvittering": {}, "nav": {}, "arbeidsgiver": {}}
        # NAV's output is keyed by sykmelding id, the EPJ's by msgId.
        self.msg_ids: dict[str, str] = {}
        self.passages = Passages()

    def forget(self) -> None:
        """Start afresh: what came before (the warm-up) is not measured."""
        for times in (*self.sent.values(), *self.seen.values()):
            times.clear()
        self.passages.forget()

    def answered(self, count: int) -> bool:
        """Every sykmelding has its kvittering and NAV output, and every SENDT its employer view."""
        done = min(len(self.seen["kvittering"]), len(self.seen["nav"])) >= count
        return done and len(self.seen["arbeidsgiver"]) >= len(self.sent["sendt"])

    def latencies_ms(self, answer: str, offer: str) -> list[float]:
        sent = self.sent[offer]
        return [(at - sent[key]) * 1000 for key, at in self.seen[answer].items() if key in sent]


def sykmeldinger(codec: AvroCodec, topic: str, count: int) -> Iterator[tuple[str, str, bytes]]:
    """(msgId, sykmelding id, encoded) of `count` synthetic sykmeldinger, made as they are offered."""
    rng = random.Random(1)
    for _ in range(count):
        received = synthetic.make_sykmelding(rng, fom=date.today())
        yield received.msg_id, received.sykmelding.id, contracts.encode(codec, received, topic)


async def _offer(
    producer: AIOKafkaProducer,
    topic: str,
    messages: Iterable[tuple[str, str, bytes]],
    *,
    count: int,
    rate: float,
    clock: Clock,
) -> None:
    started = time.monotonic()
    with report.progress() as bar:
        task = bar.add_task(f"offering {rate:.0f}/s", total=count)
        for n, (msg_id, sykmelding_id, value) in enumerate(messages):
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            clock.sent["sykmelding"][msg_id] = time.time()
            clock.msg_ids[sykmelding_id] = msg_id
            delivery = await producer.send(topic, value=value, key=msg_id.encode())
            clock.passages.produced("sykmelding", msg_id, delivery)
            bar.advance(task)


async def _watch(
    settings: KafkaSettings,
    topics: dict[str, str],
    codec: AvroCodec,
    clock: Clock,
    accepted: "asyncio.Queue[str]",
) -> None:
    """Record when each answer becomes visible, until cancelled. A sykmelding goes to the employee once
    both its OK kvittering and NAV's output are in (the employee's app shows it after NAV has it)."""
    by_topic = {name: stream for stream, name in topics.items()}
    consumer = AIOKafkaConsumer(
        *topics.values(),
        **settings.aiokafka_kwargs(),
        isolation_level="read_committed",
        auto_offset_reset="earliest",
        group_id=f"{READER_GROUP}{uuid.uuid4().hex}",
    )
    half_answered: set[str] = set()

    def answered(sykmelding_id: str) -> None:
        if sykmelding_id in half_answered:
            accepted.put_nowait(sykmelding_id)
        half_answered.add(sykmelding_id)

    await consumer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=100, max_records=5000)
            now = time.time()
            for records in batches.values():
                for record in records:
                    stream = by_topic[record.topic]
                    key = (record.key or b"").decode()
                    if stream == "nav":
                        answered(key)
                        key = clock.msg_ids.get(key, key)
                    elif stream == "kvittering" and record.value:
                        kvittering = contracts.decode(codec, record.value, Kvittering)
                        if kvittering.status is KvitteringStatus.OK and kvittering.sykmelding_id:
                            answered(kvittering.sykmelding_id)
                    clock.seen[stream].setdefault(key, now)
                    clock.passages.saw(stream, key, record)
    finally:
        await consumer.stop()


async def _send_to_employer(
    producer: AIOKafkaProducer, codec: AvroCodec, topic: str, accepted: "asyncio.Queue[str]", clock: Clock
) -> None:
    while True:
        sykmelding_id = await accepted.get()
        event = SykmeldingStatusEvent(
            event_id=str(uuid.uuid4()),
            sykmelding_id=sykmelding_id,
            timestamp=datetime.now(UTC),
            status_event=StatusEvent.SENDT,
            arbeidsgiver=synthetic.DEMO_ARBEIDSGIVER,
        )
        clock.sent["sendt"].setdefault(sykmelding_id, time.time())
        delivery = await producer.send(topic, value=contracts.encode(codec, event, topic), key=sykmelding_id.encode())
        clock.passages.produced("sendt", sykmelding_id, delivery)


async def _bare(settings: KafkaSettings, topic: str, codec: AvroCodec, count: int, rate: float) -> list[float]:
    """Produce-to-consume latency of the same bytes through the broker alone, at the same rate."""
    clock = Clock()
    consumer = AIOKafkaConsumer(
        topic, **settings.aiokafka_kwargs(), isolation_level="read_committed", auto_offset_reset="latest"
    )
    producer = AIOKafkaProducer(**settings.aiokafka_kwargs(), acks="all", linger_ms=0)
    await consumer.start()
    await producer.start()
    try:
        await consumer.seek_to_end()
        messages = sykmeldinger(codec, topic, count)
        offering = asyncio.create_task(_offer(producer, topic, messages, count=count, rate=rate, clock=clock))
        deadline = time.monotonic() + count / rate + DRAIN_SECONDS
        while len(clock.seen["kvittering"]) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=100)
            now = time.time()
            for records in batches.values():
                for record in records:
                    clock.seen["kvittering"].setdefault((record.key or b"").decode(), now)
        await offering
        return clock.latencies_ms("kvittering", "sykmelding")
    finally:
        await producer.stop()
        await consumer.stop()


async def prepare(settings: KafkaSettings, database_url: str | None) -> str:
    """The database (migrated) and every topic of the catalogue, under this run's prefix; returns the URL."""
    url = database_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='bench-')) / 'bench.sqlite'}"
    database = Database(url)
    await database.migrate()
    await database.dispose()
    await create_topics(settings, [*catalogue(settings.topic_prefix), raw_topic(settings, "latency")])
    return url


async def offered_load(
    settings: KafkaSettings,
    url: str,
    services: list[str],
    *,
    rate: float,
    seconds: float,
    beside: Callable[[ServiceProcesses], Coroutine[Any, Any, None]] | None = None,
) -> Clock:
    """Offer sykmeldinger at `rate` for `seconds` to `services`, send each accepted one to the employer,
    and wait for the answers; `beside` runs alongside (the soak's monitor)."""
    topics = Topics(settings.topic_prefix)
    codec = AvroCodec(SchemaStore())
    count = int(rate * seconds)
    clock = Clock()
    accepted: asyncio.Queue[str] = asyncio.Queue()
    producer = AIOKafkaProducer(**settings.aiokafka_kwargs(), acks="all", linger_ms=0)
    await producer.start()
    watched = {
        "kvittering": topics.name(EPJ_KVITTERING),
        "nav": topics.name(NAV_SYKMELDING),
        "arbeidsgiver": topics.name(ARBEIDSGIVER_SYKMELDING),
    }
    source = topics.name(SYKMELDING_FRA_EPJ)
    messages = sykmeldinger(codec, source, count + 1)
    try:
        async with ServiceProcesses(settings, url, services) as processes, asyncio.TaskGroup() as tasks:
            watching = tasks.create_task(_watch(settings, watched, codec, clock, accepted))
            employee = tasks.create_task(
                _send_to_employer(producer, codec, topics.name(SYKMELDING_STATUS), accepted, clock)
            )
            # One sykmelding through to the employer first, untimed: the services have started and joined
            # their consumer groups before the clock runs.
            await _offer(producer, source, [next(messages)], count=1, rate=rate, clock=clock)
            await _until(lambda: bool(clock.seen["arbeidsgiver"]), WARM_UP_SECONDS)
            clock.forget()
            monitor = tasks.create_task(beside(processes)) if beside else None
            await _offer(producer, source, messages, count=count, rate=rate, clock=clock)
            answered = await _until(lambda: clock.answered(count), DRAIN_SECONDS)
            if not answered:
                report.console.print("[red]not every sykmelding was answered in time[/red]")
            for task in (watching, employee, monitor):
                if task:
                    task.cancel()
    finally:
        await producer.stop()
    return clock


async def _until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def main(rate: float, seconds: float, database_url: str | None, plot: Path | None) -> None:
    with bench_kafka() as settings:
        url = await prepare(settings, database_url)
        count = int(rate * seconds)
        bare = await _bare(settings, raw_topic(settings, "latency").name, AvroCodec(SchemaStore()), count, rate)
        clock = await offered_load(settings, url, ["mottak", "personvern"], rate=rate, seconds=seconds)
    breakdown = await clock.passages.breakdown(url, clock.sent, clock.seen, ANSWERS)

    measured = {
        "epj -> kvittering": report.percentiles(clock.latencies_ms("kvittering", "sykmelding")),
        "epj -> nav.sykmelding": report.percentiles(clock.latencies_ms("nav", "sykmelding")),
        "SENDT -> arbeidsgiver view": report.percentiles(clock.latencies_ms("arbeidsgiver", "sendt")),
        "baseline: broker alone": report.percentiles(bare),
    }
    table = Table(title=f"latency in ms at {rate:.0f}/s for {seconds:.0f} s ({os.cpu_count()} cores)")
    for column in ("path", "count", "p50", "p95", "p99", "max"):
        table.add_column(column, justify="right" if column != "path" else "left")
    for path, figures in measured.items():
        table.add_row(
            path, f"{figures['count']:,.0f}", *(f"{figures[name]:,.1f}" for name in ("p50", "p95", "p99", "max"))
        )
    report.console.print(table)
    _print_breakdown(breakdown)
    report.save(
        "latency",
        {f"{path} {name}": figures[name] for path, figures in measured.items() for name in ("p50", "p99")},
        {
            "rate": rate,
            "seconds": seconds,
            "database": Database(url).url.get_backend_name(),
            "measured": measured,
            "breakdown": breakdown,
        },
    )
    sent = clock.sent["sykmelding"]
    start = min(sent.values(), default=0.0)
    series = {
        answer: [(sent[key] - start, (at - sent[key]) * 1000) for key, at in seen.items() if key in sent]
        for answer, seen in (("kvittering", clock.seen["kvittering"]), ("nav.sykmelding", clock.seen["nav"]))
    }
    lines = {
        f"{answer} {cut}": line for answer, points in series.items() for cut, line in report.over_time(points).items()
    }
    report.plot(plot, report.Panel(f"latency from the EPJ's produce at {rate:.0f}/s, per second offered", "ms", lines))


def _print_breakdown(breakdown: dict[str, dict[str, dict[str, float]]]) -> None:
    table = Table(title="where the time goes, in ms (bench/latency_breakdown.py says what each point is)")
    for column in ("answer", "segment", "count", "p50", "p95", "p99", "max"):
        table.add_column(column, justify="left" if column in ("answer", "segment") else "right")
    for answer, segments in breakdown.items():
        for segment, figures in segments.items():
            table.add_row(
                answer,
                segment,
                f"{figures['count']:,.0f}",
                *(f"{figures[name]:,.1f}" for name in ("p50", "p95", "p99", "max")),
            )
    report.console.print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=500.0, help="sykmeldinger offered per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the rate is offered")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--plot", type=Path, help="also write the plot of the latency over the run to this PNG")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rate, arguments.seconds, arguments.database_url, arguments.plot))
