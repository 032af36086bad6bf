"""How long mottak's partitions stand still when an instance restarts or dies, with static group
membership (SYKMELDINGSFLYT_REPLICA) and without.

    python -m bench.bench_restart [--rounds 3]

Two mottak processes form the group. For a restart, one is stopped with SIGTERM and started again at
once under the same settings; for a death, one is SIGKILLed and not restarted. A sykmelding is produced
to every partition the moment the fault happens; the pause is the time until every one of them is
answered on epj.kvittering. A restart's pause includes starting Python and the service.
"""

import argparse
import asyncio
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from datetime import date

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

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


async def _start(settings: KafkaSettings, database_url: str, replica: str | None) -> Process:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.require_bootstrap(),
        "SYKMELDINGSFLYT_TOPIC_PREFIX": settings.topic_prefix,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }
    if replica:
        env["SYKMELDINGSFLYT_REPLICA"] = replica
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sykmeldingsflyt", "run", "mottak", env=env, stdout=asyncio.subprocess.DEVNULL
    )


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


async def _round(settings: KafkaSettings, database_url: str, fault: str, static: bool) -> float:
    replicas = ["a", "b"] if static else [None, None]
    processes = [await _start(settings, database_url, replica) for replica in replicas]
    try:
        async with Probe(settings) as probe:
            await probe.pause()  # both running and answering
            await asyncio.sleep(3)  # the group settled
            if fault == "restart":
                processes[0].send_signal(signal.SIGTERM)
                await processes[0].wait()
                processes[0] = await _start(settings, database_url, replicas[0])
            else:
                processes[0].send_signal(signal.SIGKILL)
                await processes[0].wait()
            return await probe.pause()
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await process.wait()


async def main(rounds: int) -> None:
    with bench_kafka() as kafka, tempfile.TemporaryDirectory() as folder:
        for fault in ("restart", "death"):
            for static in (True, False):
                pauses = []
                for n in range(rounds):
                    settings = kafka.model_copy(update={"topic_prefix": f"{kafka.topic_prefix}{fault}{static}{n}."})
                    await create_topics(settings, catalogue(settings.topic_prefix))
                    database_url = f"sqlite+aiosqlite:///{folder}/{fault}{static}{n}.sqlite"
                    database = Database(database_url)
                    await database.migrate()
                    await database.dispose()
                    pauses.append(await _round(settings, database_url, fault, static))
                membership = "static " if static else "dynamic"
                print(f"{fault:8} {membership}: median pause {statistics.median(pauses):5.1f} s  ({pauses})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args().rounds))
