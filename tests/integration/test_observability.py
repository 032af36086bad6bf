"""Probes and metrics of a service process, through the real broker and database."""

import asyncio
import os
import random
import signal
import socket
import sys
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.asyncapi import asyncapi_document
from sykmeldingsflyt.domain.sykmelding import KontaktMedPasient
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import EPJ_KVITTERING, SYKMELDING_FRA_EPJ, catalogue
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from tests.support.kafka import produce, read_topic
from tests.support.services import running

pytestmark = pytest.mark.integration

Metrics = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def _get(port: int, path: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=5.0) as client:
        return await client.get(f"http://127.0.0.1:{port}{path}")


async def _metrics(port: int) -> Metrics:
    response = await _get(port, "/internal/prometheus")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.get((name, frozenset(labels.items())), 0.0)


def _sum(metrics: Metrics, name: str) -> float:
    return sum(value for (sample, _), value in metrics.items() if sample == name)


async def _until(condition: Callable[[], Awaitable[bool]], what: str, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


async def _probe_port(runtime: Runtime) -> int:
    for _ in range(100):
        if runtime.health.port:
            return runtime.health.port
        await asyncio.sleep(0.05)
    raise AssertionError("the probes were not served")


async def _ready(port: int) -> bool:
    return (await _get(port, "/internal/isready")).status_code == 200


async def test_probes_answer_and_metrics_move_when_messages_pass(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(13)
    async with running(kafka_settings, database, Mottak) as runtime:
        port = await _probe_port(runtime)
        assert (await _get(port, "/internal/isalive")).text == "UP"
        await _until(lambda: _ready(port), "readiness")
        before = await _metrics(port)
        today = runtime.clock.today()
        # Signed today for a period that began 20 days ago, with no reason given: a rule fires.
        signed = datetime.combine(today, time(9), UTC)
        backdated = synthetic.make_sykmelding(
            rng,
            fom=today - timedelta(days=20),
            signatur_dato=signed,
            mottatt_dato=signed,
            kontakt_med_pasient=KontaktMedPasient(),
        )
        source = runtime.topics.name(SYKMELDING_FRA_EPJ)
        await produce(
            kafka_settings,
            source,
            [
                (backdated.msg_id.encode(), contracts.encode(runtime.codec, backdated, source)),
                (b"garbage", b"not avro"),
            ],
        )
        await read_topic(kafka_settings, runtime.topics.name(EPJ_KVITTERING), expected=2)

        async def counted() -> bool:
            return _value(await _metrics(port), "sykmeldingsflyt_messages_published_total", **kvittering) >= (
                _value(before, "sykmeldingsflyt_messages_published_total", **kvittering) + 2
            )

        kvittering = {"producer": "mottak", "topic": runtime.topics.name(EPJ_KVITTERING)}
        await _until(counted, "the kvitteringer counted")
        after = await _metrics(port)

    def moved(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    intake = {"service": "mottak", "topic": SYKMELDING_FRA_EPJ.name}
    assert moved("sykmeldingsflyt_messages_consumed_total", **intake) == 2
    assert moved("sykmeldingsflyt_messages_handled_total", **intake, outcome="handled") == 2
    assert moved("sykmeldingsflyt_handler_seconds_count", **intake) >= 1
    dlq = runtime.topics.dlq(SYKMELDING_FRA_EPJ)
    assert moved("sykmeldingsflyt_dead_letters_total", topic=dlq, reason="MALFORMED_MESSAGE") == 1
    assert _sum(after, "sykmeldingsflyt_rule_hits_total") > _sum(before, "sykmeldingsflyt_rule_hits_total")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _run_mottak(
    settings: KafkaSettings, tmp_path: Path, port: int, stdout: IO[bytes] | int, stderr: int
) -> asyncio.subprocess.Process:
    """`sykmeldingsflyt run mottak` in a process of its own, its probes on 127.0.0.1:`port`."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sykmeldingsflyt",
        "run",
        "mottak",
        env={
            **{name: value for name, value in os.environ.items() if not name.startswith(("NAIS_", "SYKMELDINGSFLYT_"))},
            "KAFKA_BOOTSTRAP_SERVERS": settings.require_bootstrap(),
            "SYKMELDINGSFLYT_TOPIC_PREFIX": settings.topic_prefix,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'mottak.sqlite'}",
            "SYKMELDINGSFLYT_PROBE_HOST": "127.0.0.1",
            "SYKMELDINGSFLYT_PROBE_PORT": str(port),
        },
        stdout=stdout,
        stderr=stderr,
    )


def _channel(operation: dict[str, Any]) -> str:
    return str(operation["channel"]["$ref"].removeprefix("#/channels/"))


@asynccontextmanager
async def _holding(settings: KafkaSettings, group: str, topic: str) -> AsyncIterator[asyncio.Event]:
    """A member of `group` that, when a newcomer makes the group rebalance, gives its partitions up only once
    the event is set: until then the newcomer waits for its assignment."""
    assigned, release = asyncio.Event(), asyncio.Event()

    class Slow(ConsumerRebalanceListener):  # type: ignore[misc]
        async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
            if revoked:
                await release.wait()

        async def on_partitions_assigned(self, partitions: list[TopicPartition]) -> None:
            assigned.set()

    consumer = AIOKafkaConsumer(**settings.aiokafka_kwargs(), group_id=group, enable_auto_commit=False)
    consumer.subscribe([topic], listener=Slow())
    await consumer.start()
    try:
        await asyncio.wait_for(assigned.wait(), timeout=60)
        yield release
    finally:
        release.set()
        await consumer.stop()


async def test_a_service_process_is_a_faststream_app_serving_probes_metrics_and_asyncapi_and_stops_on_sigterm(
    kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    await create_topics(kafka_settings, catalogue(kafka_settings.topic_prefix))
    prefix, port = kafka_settings.topic_prefix, _free_port()
    log = tmp_path / "mottak.log"
    intake = f"{prefix}{SYKMELDING_FRA_EPJ.name}"
    async with _holding(kafka_settings, f"sykmeldingsflyt-{prefix}mottak.{SYKMELDING_FRA_EPJ.name}", intake) as release:
        process = await _run_mottak(kafka_settings, tmp_path, port, log.open("wb"), asyncio.subprocess.STDOUT)
        try:

            async def waiting_for_the_intake() -> bool:
                try:
                    answer = await _get(port, "/internal/isready")
                except httpx.TransportError:
                    return False
                problems = answer.json()["problems"] if answer.status_code == 503 else []
                return f"mottak:{SYKMELDING_FRA_EPJ.name}: no partition assignment yet" in problems

            # Served while its consumer of the intake waits for the group: alive, not ready.
            await _until(waiting_for_the_intake, "the process to wait for its assignment", timeout=90)
            assert (await _get(port, "/internal/isalive")).text == "UP"
            release.set()
            await _until(lambda: _ready(port), "the process's readiness", timeout=60)
            assert (await _get(port, "/internal/isalive")).status_code == 200
            assert "sykmeldingsflyt_messages_consumed_total" in (await _get(port, "/internal/prometheus")).text
            served = await _get(port, "/internal/asyncapi.json")
            page = await _get(port, "/internal/asyncapi")
        finally:
            process.send_signal(signal.SIGTERM)
            code = await process.wait()
    lines = log.read_text().splitlines()
    assert code == 0, lines[-5:]
    profile = [line for line in lines if "settings.profile" in line]
    assert len(profile) == 1 and '"profile": "development"' in profile[0], profile
    assert "SYKMELDINGSFLYT_PSEUDONYM_KEY" in profile[0]

    # Its services' part of what `sykmeldingsflyt asyncapi` writes, under this deployment's topic names.
    document = served.json()
    operations = {(op["action"], _channel(op)) for op in document["operations"].values()}
    whole = asyncapi_document()["operations"].values()
    assert operations == {(op["action"], prefix + _channel(op)) for op in whole if op["tags"] == [{"name": "mottak"}]}
    assert {("receive", intake), ("send", f"{prefix}{EPJ_KVITTERING.name}")} <= operations
    assert set(document["channels"]) == {channel for _, channel in operations}
    assert [tag["name"] for tag in document["info"]["tags"]] == ["mottak"]
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


async def test_a_service_process_whose_probe_port_is_taken_says_so_in_one_line(
    kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        process = await _run_mottak(kafka_settings, tmp_path, port, PIPE, PIPE)
        _, err = await process.communicate()

    # The log lines before it are JSON; the refusal is the one plain line, last, and no traceback.
    lines = err.decode().splitlines()
    assert process.returncode == 2, lines[-5:]
    assert [line for line in lines if not line.startswith("{")] == [
        f"error: SYKMELDINGSFLYT_PROBE_PORT, SYKMELDINGSFLYT_PROBE_HOST: cannot listen on 127.0.0.1:{port} "
        "(Address already in use)"
    ]
    assert lines[-1].startswith("error: ") and not any("Traceback" in line for line in lines)
