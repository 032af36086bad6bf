"""/internal/isalive, /internal/isready and /internal/prometheus for a service process: routes of its FastStream
application (services/process.py), served by uvicorn in the process's own event loop on SYKMELDINGSFLYT_PROBE_PORT.

Alive: the event loop answers and no relay has died. Ready: every consumer has had its first partition
assignment from its group, the database answers, and every other check a service added (its registers)
passes. An instance beyond the partition count is assigned no partition and is ready too: it stands by.
"""

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import structlog
import uvicorn
from aiokafka import ConsumerRebalanceListener, TopicPartition
from faststream.asgi import AsgiFastStream, AsgiResponse, HttpHandler, get
from faststream.asgi.response import JSONResponse
from faststream.asgi.types import ASGIApp, Scope
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import text

from sykmeldingsflyt.messaging.settings import SettingsError
from sykmeldingsflyt.profiles import Profile
from sykmeldingsflyt.storage.database import Database

log = structlog.get_logger(__name__)

PRODUCTION_PORT = 8080
PROMETHEUS_PATH = "/internal/prometheus"

Check = Callable[[], Awaitable[str | None]]
"""A readiness check: None when ready, otherwise why not (no personal data: it is served to anyone)."""


class ProbeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SYKMELDINGSFLYT_", extra="ignore")

    probe_host: str = "0.0.0.0"
    probe_port: int | None = Field(default=None, ge=0, le=65535)
    """Unset: 8080 in production (NAIS's convention), any free port in development, where several processes
    share a host; the port taken is logged."""

    def port(self, profile: Profile) -> int:
        if self.probe_port is not None:
            return self.probe_port
        return PRODUCTION_PORT if profile is Profile.PRODUCTION else 0


class Health:
    """What the probes answer from: consumers' assignments, the database, and checks services add."""

    def __init__(self) -> None:
        self.port: int | None = None
        self._assigned: dict[str, bool] = {}
        self._checks: dict[str, Check] = {}
        self._vital: list[asyncio.Task[Any]] = []

    def listener(self, consumer: str) -> ConsumerRebalanceListener:
        """For a consumer's subscription: marks it assigned once its group has given it partitions."""
        self._assigned[consumer] = False
        return _Assignment(self._assigned, consumer)

    def add_check(self, name: str, check: Check) -> None:
        self._checks[name] = check

    def watch(self, task: "asyncio.Task[Any]") -> None:
        """A task that must run as long as the process does: when it ends, the process is not alive."""
        self._vital.append(task)

    def dead(self) -> list[str]:
        return [task.get_name() for task in self._vital if task.done()]

    async def not_ready(self) -> list[str]:
        problems = [f"{name}: no partition assignment yet" for name, done in self._assigned.items() if not done]
        for name, check in self._checks.items():
            try:
                async with asyncio.timeout(2.0):
                    problem = await check()
            except Exception as error:
                problem = type(error).__name__
            if problem:
                problems.append(f"{name}: {problem}")
        return problems


def database_answers(database: Database) -> Check:
    async def check() -> str | None:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return None

    return check


class _Assignment(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, assigned: dict[str, bool], consumer: str) -> None:
        self._assigned = assigned
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        """A rebalance keeps a consumer ready: it gets its assignment back within the rebalance timeout."""

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        self._assigned[self._consumer] = True


def probe_routes(health: Health) -> list[tuple[str, ASGIApp]]:
    """/internal/isalive, /internal/isready and /internal/prometheus, as a FastStream application's asgi_routes.
    Left out of its AsyncAPI document, which is about the Kafka topics."""

    @get(include_in_schema=False)
    async def isalive(_scope: Scope) -> AsgiResponse:
        dead = health.dead()
        if dead:
            return JSONResponse({"status": "DOWN", "stopped": dead}, status_code=503)
        return _text("UP")

    @get(include_in_schema=False)
    async def isready(_scope: Scope) -> AsgiResponse:
        problems = await health.not_ready()
        if problems:
            return JSONResponse({"status": "NOT_READY", "problems": problems}, status_code=503)
        return _text("READY")

    return [("/internal/isalive", isalive), ("/internal/isready", isready), (PROMETHEUS_PATH, prometheus_route())]


def prometheus_route() -> HttpHandler:
    """This process's metrics in Prometheus's text format: an ASGI app, for the gateway's routes too."""

    @get(include_in_schema=False)
    async def prometheus(_scope: Scope) -> AsgiResponse:
        return AsgiResponse(generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    return prometheus


def _text(body: str) -> AsgiResponse:
    return AsgiResponse(body.encode(), headers={"Content-Type": "text/plain; charset=utf-8"})


class _InTheServicesLoop(uvicorn.Server):
    """uvicorn without its signal handlers: SIGTERM belongs to the service, which stops its consumers first."""

    @contextmanager
    def capture_signals(self) -> Any:
        yield


@asynccontextmanager
async def serving(app: AsgiFastStream, health: Health, settings: ProbeSettings, profile: Profile) -> AsyncIterator[int]:
    """Serve `app`'s HTTP routes (the probes among them) while inside; yields the port taken.

    uvicorn's lifespan is off: the process runs the application's lifespan itself, inside, so that the probes
    answer while it starts and drains, and a failed start is raised as itself rather than logged by uvicorn."""
    listening = _listen(settings.probe_host, settings.port(profile))
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
    server = _InTheServicesLoop(config)
    # The socket listens already: a probe that comes before uvicorn has started waits in its backlog.
    task = asyncio.create_task(server.serve(sockets=[listening]), name="probes")
    health.port = int(listening.getsockname()[1])
    log.info("probes.serving", port=health.port, paths=[path for path, _ in app.routes])
    try:
        yield health.port
    finally:
        server.should_exit = True
        await task
        listening.close()


def _listen(host: str, port: int) -> socket.socket:
    """Bound here rather than by uvicorn, which answers a taken port with sys.exit inside the event loop."""
    listening = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
    except OSError as error:
        listening.close()
        raise SettingsError(
            f"SYKMELDINGSFLYT_PROBE_PORT, SYKMELDINGSFLYT_PROBE_HOST: cannot listen on {host}:{port} ({error.strerror})"
        ) from None
    listening.listen(128)
    listening.setblocking(False)
    return listening
