"""How long mottak's partitions stand still when an instance restarts or dies, with static group
membership (SYKMELDINGSFLYT_REPLICA) and without.

    python -m bench.bench_restart [--rounds 3] [--fault restart|death] [--database sqlite|postgresql]
                                  [--output bench/results/restart.json]

Two mottak processes form the group. For a restart, one is stopped with SIGTERM and started again at
once under the same settings; for a death, one is SIGKILLed and not restarted. A sykmelding is produced
to every partition the moment the fault happens (for a restart: as the new process is spawned); the pause
is the time until every one of them is answered on epj.kvittering. A restart's pause includes starting
Python and the service, and its figure "from the stop signal" the old one's orderly stop too, which its
partitions already wait through under static membership; where that
time goes is read from the restarted process's own log lines (their timestamps, from its spawn): Python
and the imports up to the first line, the database and Kafka reached and the migrations checked, the
probes serving, the consumers started, the partitions assigned and the first batch handled.

The processes run from compiled bytecode, as in the image (`pip install .` compiles it), not from the
source recompiled at every start as an editable install under PYTHONDONTWRITEBYTECODE would. On SQLite
the two replicas share a file and a relay hears of another process's commits only at its next poll (up
to 3 s); PostgreSQL, what production runs, tells it at once (LISTEN/NOTIFY), so `--database postgresql`
(a throwaway cluster, tests/support/postgres.py) is the production figure.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from bench import report
from bench.cluster import bench_kafka
from sykmeldingsflyt import synthetic
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.codec import AvroCodec, SchemaStore
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import EPJ_KVITTERING, SYKMELDING_FRA_EPJ, Topics, catalogue
from sykmeldingsflyt.storage.database import Database

Process = asyncio.subprocess.Process
RNG = random.Random(3)
FAULTS = ("restart", "death")
DATABASES = ("sqlite", "postgresql")


# Where the processes keep their compiled bytecode (set by `main`): the first start compiles, as an image
# build does, and the restarts time what a deployed replica does.
_BYTECODE: dict[str, str] = {}


async def _start(settings: KafkaSettings, database_url: str, replica: str | None, log: Path | None = None) -> Process:
    """`sykmeldingsflyt run mottak`; with `log`, its INFO lines go there (for the timeline)."""
    env = {
        **{name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"},
        **_BYTECODE,
        "KAFKA_BOOTSTRAP_SERVERS": settings.require_bootstrap(),
        "SYKMELDINGSFLYT_TOPIC_PREFIX": settings.topic_prefix,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO" if log else "WARNING",
        "PYTHONUNBUFFERED": "1",  # each line in the log as it is written, for the timeline
    }
    if replica:
        env["SYKMELDINGSFLYT_REPLICA"] = replica
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sykmeldingsflyt",
        "run",
        "mottak",
        env=env,
        stdout=log.open("wb") if log else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.STDOUT,
    )


_STOP = "the old one's orderly stop (before the spawn)"
# The restarted process's milestones: the first log line, then the first line of each kind.
_FIRST_LINE = "first log line (Python, imports, settings; today after the database and Kafka are reached)"
_MILESTONES = {
    "registers.bundled": "database and Kafka reached, registers open",
    "probes.serving": "probes serving",
    "services.started": "consumers started",
    "assigned to partitions": "partitions assigned",
    "mottak.batch": "first batch handled",
}


async def _timeline(log: Path, spawned: float) -> dict[str, float]:
    """Seconds from the spawn to each milestone of the restarted process's log (waiting a little for the
    first batch: under dynamic membership the survivor may have answered before the restarted one joined)."""
    for _ in range(50):
        if '"mottak.batch"' in await asyncio.to_thread(log.read_text):
            break
        await asyncio.sleep(0.2)
    seen: dict[str, float] = {}
    for line in (await asyncio.to_thread(log.read_text)).splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        at = datetime.fromisoformat(entry["@timestamp"]).timestamp() - spawned
        seen.setdefault(_FIRST_LINE, at)
        message = str(entry["message"])
        kind = "assigned to partitions" if message.startswith("Consumer ") and "assigned to" in message else message
        if kind in _MILESTONES:
            seen.setdefault(_MILESTONES[kind], at)
    return seen


class Probe:
    """Sends one sykmelding per partition and times until each is answered."""

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self.topics = Topics(settings.topic_prefix)
        self.codec = AvroCodec(SchemaStore())
        self.producer = AIOKafkaProducer(**settings.aiokafka_kwargs(), acks="all")
        self.consumer = AIOKafkaConsumer(
            self.topics.name(EPJ_KVITTERING),
            **settings.aiokafka_kwargs(),
            isolation_level="read_committed",
            auto_offset_reset="latest",
        )

    async def __aenter__(self) -> "Probe":
        await self.producer.start()
        await self.consumer.start()
        await self.consumer.getmany(timeout_ms=1000)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.producer.stop()
        await self.consumer.stop()

    async def pause(self) -> float:
        source = self.topics.name(SYKMELDING_FRA_EPJ)
        started = time.monotonic()
        waiting = set()
        for partition in sorted(await self.producer.partitions_for(source)):
            sykmelding = synthetic.make_sykmelding(RNG, fom=date.today())
            value = contracts.encode(self.codec, sykmelding, source)
            await self.producer.send_and_wait(source, value=value, key=sykmelding.msg_id.encode(), partition=partition)
            waiting.add(sykmelding.msg_id.encode())
        while waiting:
            for records in (await self.consumer.getmany(timeout_ms=200)).values():
                waiting -= {record.key for record in records}
        return time.monotonic() - started


async def _both_members(settings: KafkaSettings) -> None:
    """Wait until mottak's group for its input is stable with both replicas in it."""
    group = f"sykmeldingsflyt-{settings.topic_prefix}mottak.{SYKMELDING_FRA_EPJ.name}"
    admin = AIOKafkaAdminClient(**settings.aiokafka_kwargs())
    await admin.start()
    try:
        while True:
            [description] = await admin.describe_consumer_groups([group])
            [(_, _, state, _, _, members)] = description.groups
            if state == "Stable" and len(members) == 2:
                return
            await asyncio.sleep(0.2)
    finally:
        await admin.close()


async def _round(
    settings: KafkaSettings, database_url: str, fault: str, static: bool, log: Path
) -> tuple[float, dict[str, float]]:
    """The pause, and for a restart the restarted process's timeline."""
    replicas = ["a", "b"] if static else [None, None]
    processes = [await _start(settings, database_url, replica) for replica in replicas]
    timeline: dict[str, float] = {}
    try:
        async with Probe(settings) as probe:
            await probe.pause()  # running and answering
            await _both_members(settings)
            if fault == "restart":
                processes[0].send_signal(signal.SIGTERM)
                stopping = time.time()
                await processes[0].wait()
                spawned = time.time()
                processes[0] = await _start(settings, database_url, replicas[0], log)
            else:
                processes[0].send_signal(signal.SIGKILL)
                await processes[0].wait()
            pause = await probe.pause()
            if fault == "restart":
                timeline = {
                    _STOP: stopping - spawned,
                    **await _timeline(log, spawned),
                    "answered (the pause)": pause,
                }
            return pause, timeline
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await process.wait()


@contextmanager
def _postgresql(wanted: bool) -> Iterator[str | None]:
    """A throwaway PostgreSQL cluster's URL, if `wanted`."""
    if not wanted:
        yield None
        return
    from tests.support.postgres import temporary_cluster  # noqa: PLC0415 - only for this option

    with temporary_cluster() as url:
        yield url


async def _fresh_database(folder: str, name: str, server: str | None) -> str:
    if server is None:
        return f"sqlite+aiosqlite:///{folder}/{name}.sqlite"
    database = f"restart_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f'CREATE DATABASE "{database}"')
    finally:
        await connection.close()
    return server.rsplit("/", 1)[0] + f"/{database}"


async def main(rounds: int, faults: list[str], database_kind: str, output: Path | None) -> None:
    figures: dict[str, float] = {}
    timelines: dict[str, dict[str, float]] = {}
    with (
        bench_kafka() as kafka,
        tempfile.TemporaryDirectory() as folder,
        _postgresql(database_kind == "postgresql") as server,
        report.progress() as bar,
    ):
        _BYTECODE["PYTHONPYCACHEPREFIX"] = f"{folder}/bytecode"
        task = bar.add_task("rounds", total=len(faults) * 2 * rounds)
        for fault in faults:
            for static in (True, False):
                pauses, rounds_timelines = [], []
                for n in range(rounds):
                    settings = kafka.model_copy(update={"topic_prefix": f"{kafka.topic_prefix}{fault}{static}{n}."})
                    await create_topics(settings, catalogue(settings.topic_prefix))
                    database_url = await _fresh_database(folder, f"{fault}{static}{n}", server)
                    database = Database(database_url)
                    await database.migrate()
                    await database.dispose()
                    log = Path(folder) / f"{fault}{static}{n}.log"
                    pause, timeline = await _round(settings, database_url, fault, static, log)
                    pauses.append(pause)
                    rounds_timelines.append(timeline)
                    bar.advance(task)
                membership = "static" if static else "dynamic"
                print(f"{fault:8} {membership:7}: median pause {statistics.median(pauses):5.1f} s  ({pauses})")
                figures[f"{fault}, {membership} membership: median pause s"] = statistics.median(pauses)
                if fault == "restart" and static:
                    # The partitions stand still from the old one's stop, not from the new one's spawn.
                    stopped = [t[_STOP] for t in rounds_timelines]
                    figures["restart, static membership: median pause s from the stop signal"] = statistics.median(
                        pause - stop for pause, stop in zip(pauses, stopped, strict=True)
                    )
                if fault == "restart":
                    timelines[membership] = {
                        name: statistics.median(t[name] for t in rounds_timelines)
                        for name in rounds_timelines[0]
                        if all(name in t for t in rounds_timelines)
                    }
                    for name, at in timelines[membership].items():
                        print(f"    {at:5.2f} s  {name}")
    report.save(
        "restart",
        figures,
        {"rounds": rounds, "database": database_kind, "restart timeline, s from spawn": timelines},
        output,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fault", choices=FAULTS, action="append", help="restart or death (default: both)")
    parser.add_argument("--database", choices=DATABASES, default="sqlite", help="what the replicas share")
    parser.add_argument("--output", type=Path, help="the result file (default: bench/results/restart.json)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.fault or list(FAULTS), arguments.database, arguments.output))
