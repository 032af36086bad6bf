"""Running services in the test's own event loop, against the real broker and database."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sykmeldingsflyt.domain.clock import Clock
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import catalogue
from sykmeldingsflyt.services.process import run_services
from sykmeldingsflyt.services.runtime import Runtime, Service, ServiceSettings
from sykmeldingsflyt.storage.database import Database


@asynccontextmanager
async def running(
    settings: KafkaSettings,
    database: Database,
    *services: Callable[[Runtime], Service],
    clock: Clock | None = None,
    instance_id: str = "instance-1",
) -> AsyncIterator[Runtime]:
    """Topics created, the services consuming (on `clock`, the wall clock by default); on exit they stop
    as they would on SIGTERM. Two of these on one database with different `instance_id`s are two
    instances of a deployment."""
    await create_topics(settings, catalogue(settings.topic_prefix))
    runtime = Runtime.from_env(settings, database, clock=clock).with_settings(ServiceSettings(instance_id=instance_id))
    stop = asyncio.Event()
    task = asyncio.create_task(run_services(runtime, [make(runtime) for make in services], stop))
    try:
        yield runtime
    finally:
        stop.set()
        await task
