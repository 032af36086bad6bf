"""The Kafka a benchmark runs against: KAFKA_BOOTSTRAP_SERVERS, or a local broker started for the run."""

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from sykmeldingsflyt import devkafka
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import Party, Topic


@contextmanager
def bench_kafka() -> Iterator[KafkaSettings]:
    """Settings for this run, with a topic prefix of its own so runs never share topics (under the
    environment's prefix, if any: a test's cleanup then takes the run's topics with its own)."""
    settings = KafkaSettings.from_env()
    kafka = None if settings.bootstrap_servers else devkafka.LocalKafka()
    try:
        if kafka is not None:
            settings = settings.model_copy(update={"bootstrap_servers": kafka.start()})
        yield settings.model_copy(update={"topic_prefix": f"{settings.topic_prefix}bench{uuid.uuid4().hex[:6]}."})
    finally:
        if kafka is not None:
            kafka.stop()


class ServiceProcesses:
    """Services each in its own process (`sykmeldingsflyt run NAME`), as production runs them."""

    def __init__(self, settings: KafkaSettings, database_url: str, names: list[str]) -> None:
        self.environment = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": settings.require_bootstrap(),
            "SYKMELDINGSFLYT_TOPIC_PREFIX": settings.topic_prefix,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
        }
        self.names = names
        self.processes: dict[str, asyncio.subprocess.Process] = {}

    async def __aenter__(self) -> "ServiceProcesses":
        for name in self.names:
            self.processes[name] = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "sykmeldingsflyt",
                "run",
                name,
                env={**self.environment, "SYKMELDINGSFLYT_INSTANCE_ID": f"bench-{name}"},
                stderr=asyncio.subprocess.DEVNULL,
            )
        return self

    async def __aexit__(self, *_: object) -> None:
        for process in self.processes.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        await asyncio.gather(*(process.wait() for process in self.processes.values()))

    def rss_mb(self) -> dict[str, float]:
        """Resident memory per service process, from /proc (Linux)."""
        sizes = {}
        for name, process in self.processes.items():
            try:
                status = Path(f"/proc/{process.pid}/status").read_text()
            except OSError:
                continue
            kilobytes = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            sizes[name] = kilobytes / 1024
        return sizes


def raw_topic(settings: KafkaSettings, name: str) -> Topic:
    """A topic outside the catalogue, for a baseline: no schema, no service reads it."""
    return Topic(
        name=f"{settings.topic_prefix}raw.{name}",
        key="",
        value_schema="",
        description="",
        writers=frozenset(),
        readers=frozenset({Party.OPERATOR}),
    )


async def consumer_lag(settings: KafkaSettings) -> dict[str, int]:
    """Messages not yet consumed, per consumer group, on this run's topics (those with its prefix)."""
    admin = AIOKafkaAdminClient(**settings.aiokafka_kwargs())
    ends = AIOKafkaConsumer(**settings.aiokafka_kwargs(), isolation_level="read_committed")
    await admin.start()
    await ends.start()
    try:
        lag = {}
        for group, *_ in await admin.list_consumer_groups():
            committed = {
                partition: offset
                for partition, offset in (await admin.list_consumer_group_offsets(group)).items()
                if partition.topic.startswith(settings.topic_prefix)
            }
            if committed:
                end = await ends.end_offsets(list(committed))
                lag[group.removeprefix(f"sykmeldingsflyt-{settings.topic_prefix}")] = sum(
                    max(0, end[partition] - offset.offset) for partition, offset in committed.items()
                )
        return lag
    finally:
        await ends.stop()
        await admin.close()
