"""The demonstration: the whole flow on the embedded defaults, as each party sees it.

Starts a local Apache Kafka (or uses KAFKA_BOOTSTRAP_SERVERS), creates the topics, runs every service in
this process on a fresh SQLite database (or DATABASE_URL), plays a scenario through the Kafka topics as
the parties' own systems would, prints what each party received and where to open the case room, and
stops (or, when held, keeps the room and every service running until Ctrl-C).
"""

import asyncio
import os
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from sykmeldingsflyt import devkafka, startup
from sykmeldingsflyt.demo import gateway, oppfolgingsplan, personvern, rom, sykmelding, tidslinje
from sykmeldingsflyt.demo.parties import Demo, Printer
from sykmeldingsflyt.domain.clock import VirtualClock
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import catalogue
from sykmeldingsflyt.services.process import run_services
from sykmeldingsflyt.services.registry import SERVICES
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database

# The scenes, in order; each reads what the ones before it left in `Demo.facts`.
SCENES: list[Callable[[Demo], Awaitable[None]]] = [
    sykmelding.play,
    personvern.play,
    oppfolgingsplan.play,
    tidslinje.play,
    gateway.play,
    rom.play,
]


async def run_demo(out: Printer = print, where: rom.Rom | None = None) -> None:
    started = time.monotonic()
    async with _kafka(out) as settings, _database(out) as database:
        await database.migrate()
        created = await create_topics(settings, catalogue(settings.topic_prefix))
        out(f"topics: {len(created)} created from the catalogue")
        # A virtual clock, set to now: the timeline scene moves it 26 weeks on in a few seconds.
        runtime = Runtime.from_env(settings, database, clock=VirtualClock(datetime.now(UTC)))
        startup.announce(
            startup.Settings(
                kafka=settings,
                service=runtime.settings,
                database_url=database.url.render_as_string(hide_password=True),
                database_given="DATABASE_URL" in os.environ,
            )
        )
        services = [service(runtime) for service in SERVICES.values()]
        stop = asyncio.Event()
        running = asyncio.create_task(run_services(runtime, services, stop))
        try:
            demo = Demo(runtime, services, out)
            for scene in SCENES:
                await scene(demo)
            await rom.open_room(demo, where or rom.Rom())
        finally:
            stop.set()
            await running
    out(f"\ndone in {time.monotonic() - started:.1f} s; everything stopped cleanly")


@asynccontextmanager
async def _kafka(out: Printer) -> AsyncIterator[KafkaSettings]:
    settings = KafkaSettings.from_env()
    if settings.bootstrap_servers:
        out(f"kafka: using {settings.bootstrap_servers}")
        yield settings
        return
    kafka = devkafka.LocalKafka()
    began = time.monotonic()
    bootstrap = kafka.start()
    ready = time.monotonic() - began
    out(f"kafka: Apache Kafka {devkafka.KAFKA_VERSION} (KRaft) on {bootstrap}, ready in {ready:.1f} s")
    try:
        yield settings.model_copy(update={"bootstrap_servers": bootstrap})
    finally:
        kafka.stop()


@asynccontextmanager
async def _database(out: Printer) -> AsyncIterator[Database]:
    if os.environ.get("DATABASE_URL"):
        database = Database.from_env()
        out(f"database: {database.url.render_as_string(hide_password=True)}")
        try:
            yield database
        finally:
            await database.dispose()
        return
    with tempfile.TemporaryDirectory(prefix="sykmeldingsflyt-demo-") as folder:
        database = Database(f"sqlite+aiosqlite:///{Path(folder) / 'sykmeldingsflyt.sqlite'}")
        out(f"database: SQLite in {folder}")
        try:
            yield database
        finally:
            await database.dispose()
