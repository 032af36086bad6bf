"""CPU an idle process of every service uses (and one of mottak alone, as deployed), beside the same
process with the old 0.2 s relay poll and a bare FastStream broker with as many idle batch subscribers
(the floor: aiokafka's own fetch loops).

    python -m bench.bench_idle [--seconds 30] [--settle 10]

Each variant runs in this process in turn: services started, left alone `--settle` seconds, then the
process's CPU time (user + system) is read over `--seconds` of idling. Uses KAFKA_BOOTSTRAP_SERVERS and
DATABASE_URL when set; otherwise a local Kafka and a SQLite file (the broker's own CPU is not counted).
"""

import argparse
import asyncio
import logging
import resource
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker

from bench import report
from bench.cluster import bench_kafka
from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import catalogue
from sykmeldingsflyt.observability.probes import ProbeSettings
from sykmeldingsflyt.services.process import run_services
from sykmeldingsflyt.services.registry import SERVICES
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database, DatabaseSettings

Idler = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _measure(name: str, idle: Idler, settle: float, seconds: float) -> float:
    stop = asyncio.Event()
    running = asyncio.create_task(idle(stop))
    await asyncio.sleep(settle)
    cpu, wall = _cpu_seconds(), time.monotonic()
    await asyncio.sleep(seconds)
    share = (_cpu_seconds() - cpu) / (time.monotonic() - wall)
    stop.set()
    await running
    print(f"{name:<48} {100 * share:6.2f} % of a core")
    return share


def _services(settings: KafkaSettings, database: Database, relay_poll: float | None, *names: str) -> Idler:
    async def idle(stop: asyncio.Event) -> None:
        runtime = Runtime.from_env(settings, database)
        services = [SERVICES[name](runtime) for name in names or SERVICES]
        if relay_poll is not None:
            for service in services:
                service.relay.poll_interval = relay_poll
        await run_services(runtime, services, stop, ProbeSettings(probe_host="127.0.0.1", probe_port=0))

    return idle


def _bare_broker(settings: KafkaSettings, subscribers: int) -> Idler:
    async def idle(stop: asyncio.Event) -> None:
        broker = KafkaBroker(settings.require_bootstrap(), logger=logging.getLogger("bench.broker"))
        topics = [topic.name for topic in catalogue(settings.topic_prefix)]
        for number in range(subscribers):

            @broker.subscriber(topics[number % len(topics)], group_id=f"bench-bare-{number}", batch=True)
            async def ignore(_batch: list[bytes]) -> None:
                pass

        await broker.start()
        await stop.wait()
        await broker.stop()

    return idle


async def _main(seconds: float, settle: float) -> None:
    with bench_kafka() as settings, tempfile.TemporaryDirectory(prefix="bench-idle-") as folder:
        given = DatabaseSettings()
        url = given.url if "url" in given.model_fields_set else f"sqlite+aiosqlite:///{Path(folder) / 'idle.sqlite'}"
        database = Database(url)
        await database.migrate()
        await create_topics(settings, catalogue(settings.topic_prefix))
        probe = Runtime.from_env(settings, database)
        subscribers = len(_subscribed(probe))
        backend = database.url.get_backend_name()
        print(f"{len(SERVICES)} services, {subscribers} subscribers, {backend}; measured over {seconds:.0f} s idle")
        variants = {
            "bare FastStream broker, same subscribers": _bare_broker(settings, subscribers),
            "every service, relay poll 0.2 s (before)": _services(settings, database, 0.2),
            "every service, woken by commits (now)": _services(settings, database, None),
            "mottak alone, as deployed (now)": _services(settings, database, None, "mottak"),
        }
        # No progress bar: its redrawing thread would count in the CPU time measured here.
        print(f"{len(variants)} variants one after the other, {settle + seconds:.0f} s each")
        figures = {
            f"{name}: % of a core": 100 * await _measure(name, idle, settle, seconds) for name, idle in variants.items()
        }
        await database.dispose()
    report.save(
        "idle", figures, {"seconds": seconds, "settle": settle, "database": backend, "subscribers": subscribers}
    )


def _subscribed(runtime: Runtime) -> list[object]:
    broker = KafkaBroker("localhost:9092")
    for service in SERVICES.values():
        service(runtime).subscribe(broker)
    return list(broker.subscribers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each variant idles while measured")
    parser.add_argument("--settle", type=float, default=10.0, help="how long each variant runs before measuring")
    arguments = parser.parse_args()
    configure_logging("WARNING")
    asyncio.run(_main(arguments.seconds, arguments.settle))


if __name__ == "__main__":
    main()
