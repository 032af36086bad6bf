"""A service process: one FastStream application (AsgiFastStream) for the services it runs.

Its KafkaBroker holds the services' subscribers and a publisher per topic they write; its HTTP routes are
/internal/isalive, /internal/isready and /internal/prometheus (observability/probes.py) and the AsyncAPI
document of its services at /internal/asyncapi (HTML) and /internal/asyncapi.json; the rest of its life is in
FastStream's hooks. Starting: the schemas are published (before anything this build writes can be read),
then the relays and background chores start (on_startup), then the broker consumes. Stopping: the chores
end (on_shutdown), the broker stops consuming after the batches in hand, and then the relays publish what
is committed and the registers close (after_shutdown).

What FastStream cannot do stays the outbox relay's (messaging/relay.py): a stage commits its outputs to the
outbox with its own work, and the relay sends them in a Kafka transaction, one per service.
"""

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

import structlog
from faststream.asgi import AsgiFastStream, AsyncAPIRoute
from faststream.kafka import KafkaBroker

from sykmeldingsflyt.asyncapi import ServicesAsyncAPI
from sykmeldingsflyt.messaging.settings import read_settings
from sykmeldingsflyt.observability.probes import ProbeSettings, database_answers, probe_routes, serving
from sykmeldingsflyt.observability.sampler import sample
from sykmeldingsflyt.services.runtime import Runtime, Service, settle_heap

log = structlog.get_logger(__name__)

ASYNCAPI_PATH = "/internal/asyncapi"

# FastStream's default logger prints to stdout past our JSON handler and its redactor.
_LOGGER = logging.getLogger("sykmeldingsflyt.broker")


class _Broker(KafkaBroker):
    """FastStream's KafkaBroker, its subscribers started together: FastStream starts them one after the
    other, and each start waits until its group has assigned it partitions, so a restarted replica of a
    service reading two topics waited for two joins in turn before consuming. (It stops them together.)"""

    async def start(self) -> None:
        await self.connect()
        await asyncio.gather(*(subscriber.start() for subscriber in self.subscribers))
        for publisher in self.publishers:
            await publisher.start()
        self.running = True


class ServiceProcess:
    """The FastStream application (`app`) running `services`, and the process's own tasks, which FastStream's
    hooks start and stop around its broker's; nothing starts until the application's lifespan does."""

    def __init__(self, runtime: Runtime, services: Iterable[Service]) -> None:
        self.runtime = runtime
        self.services = list(services)
        self.names = [service.name for service in self.services]
        self.broker = _Broker(
            runtime.kafka.require_bootstrap(),
            security=runtime.kafka.faststream_security(),
            client_id="sykmeldingsflyt",
            graceful_timeout=30.0,
            logger=_LOGGER,
        )
        for service in self.services:
            service.register(self.broker)
        self.relays: list[asyncio.Task[None]] = []
        self.chores: list[asyncio.Task[Any]] = []
        self.started = asyncio.Event()
        self.app = AsgiFastStream(
            self.broker,
            asgi_routes=probe_routes(runtime.health),
            logger=_LOGGER,
            on_startup=[self._start],
            after_startup=[self._started],
            on_shutdown=[self._stop_chores],
            after_shutdown=[self._drain],
            specification=ServicesAsyncAPI(runtime.topics, runtime.codec.store),
            # No try-it-out route: it would let anyone who reaches the port publish to the topics.
            asyncapi_path=AsyncAPIRoute(ASYNCAPI_PATH, try_it_out_path=None),
        )

    async def run(self, stop: asyncio.Event, probes: ProbeSettings) -> None:
        """Serve the application's routes, then start it; once started, run until `stop` is set."""
        async with (
            serving(self.app, self.runtime.health, probes, self.runtime.settings.profile),
            self.app.start_lifespan_context(),
        ):
            # A stop asked for while the broker starts waits for it: stopping a half-started broker
            # would leave the consumers it starts afterwards running.
            await self.started.wait()
            await stop.wait()

    async def _start(self) -> None:
        if self.runtime.schema_topic is not None:
            await self.runtime.schema_topic.publish()  # before anything this build writes can be read
        for service in self.services:
            relay = asyncio.create_task(service.relay.run(), name=f"relay:{service.name}")
            self.runtime.health.watch(relay)
            self.relays.append(relay)
        self.runtime.health.add_check("database", database_answers(self.runtime.database))
        self.chores = [
            asyncio.create_task(service.background(), name=f"background:{service.name}") for service in self.services
        ]
        self.chores.append(asyncio.create_task(sample(self.runtime.database, self.broker, self.names), name="metrics"))

    async def _started(self) -> None:
        settle_heap()
        self.started.set()
        log.info("services.started", services=self.names)

    async def _stop_chores(self) -> None:
        for task in self.chores:
            task.cancel()
        await asyncio.gather(*self.chores, return_exceptions=True)

    async def _drain(self) -> None:
        """After the broker has stopped consuming: what the stages committed goes out, then the process ends."""
        for service in self.services:
            service.relay.stop()
        await asyncio.gather(*self.relays, return_exceptions=True)
        await self.runtime.registre.close()
        log.info("services.stopped", services=self.names)


async def run_services(
    runtime: Runtime, services: Iterable[Service], stop: asyncio.Event, probes: ProbeSettings | None = None
) -> None:
    """Run until `stop` is set, the application's routes served on `probes` (default: from the environment);
    then stop consuming, let the relays publish what is committed, and exit."""
    await ServiceProcess(runtime, services).run(stop, probes or read_settings(ProbeSettings, "probe"))
