"""POST sykmelding requests per second at the gateway, beside a bare endpoint in the same app and run.

    python -m bench.bench_gateway [--requests 5000] [--seconds 30] [--concurrency 32]

The gateway runs as `sykmeldingsflyt gateway` (uvicorn, one process, on 127.0.0.1) in front of a real
Kafka broker and database; an httpx.AsyncClient loop in this process drives it, each phase bounded by a
request count and a time. The bare endpoint (GET /internal/isalive) does no work: it is the ceiling of
uvicorn, FastAPI and the client together. A POST is authenticated (JWT signature check), rate-limited,
validated, Avro-encoded and acknowledged by the broker (acks=all) before its 202; with an
Idempotency-Key it also claims and completes the key in the database. Uses KAFKA_BOOTSTRAP_SERVERS and
DATABASE_URL when set; otherwise a local Kafka and a SQLite file.
"""

import argparse
import asyncio
import collections
import functools
import itertools
import json
import os
import random
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

from bench import report
from bench.cluster import bench_kafka
from sykmeldingsflyt import synthetic
from sykmeldingsflyt.gateway.auth import Scope
from sykmeldingsflyt.gateway.devtokens import DevIssuer
from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import catalogue

Request = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]
TRANSPORT_ERROR = 0
"""Counted as a status: a request the connection failed, which the figures must show, not hide."""


@dataclass(frozen=True)
class Phase:
    name: str
    per_second: float
    done: int
    statuses: dict[int, int]


async def drive(
    client: httpx.AsyncClient, name: str, request: Request, *, count: int, seconds: float, concurrency: int
) -> Phase:
    """`concurrency` workers send requests 0..count-1 until all are answered or `seconds` have passed."""
    numbers = itertools.count()
    statuses: collections.Counter[int] = collections.Counter()
    started = time.monotonic()
    deadline = started + seconds

    async def worker() -> None:
        for number in numbers:
            if number >= count or time.monotonic() > deadline:
                return
            try:
                statuses[(await request(client, number)).status_code] += 1
            except httpx.TransportError:
                statuses[TRANSPORT_ERROR] += 1
            bar.advance(task)

    with report.progress() as bar:
        task = bar.add_task(name, total=count)
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    done = sum(statuses.values())
    return Phase(name, done / (time.monotonic() - started), done, dict(statuses))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_until_serving(client: httpx.AsyncClient, server: asyncio.subprocess.Process) -> None:
    for _ in range(300):
        if server.returncode is not None:
            raise RuntimeError("the gateway exited at start; its log is in the temporary folder")
        try:
            if (await client.get("/internal/isalive")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the gateway did not start within a minute")


async def main(requests: int, seconds: float, concurrency: int) -> None:
    configure_logging("WARNING")
    with bench_kafka() as settings:
        await _measure(settings, requests, seconds, concurrency)


async def _measure(settings: KafkaSettings, requests: int, seconds: float, concurrency: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    issuer = DevIssuer(folder / "issuer")
    port = _free_port()
    environment = {
        **os.environ,
        **issuer.environment(),
        "KAFKA_BOOTSTRAP_SERVERS": settings.require_bootstrap(),
        "SYKMELDINGSFLYT_TOPIC_PREFIX": settings.topic_prefix,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{folder / 'gateway.sqlite'}",
        # The bench is one client: its rate limit would measure the limiter, not the gateway.
        "SYKMELDINGSFLYT_RATE_PER_SECOND": "1000000",
        "SYKMELDINGSFLYT_RATE_BURST": "1000000",
    }
    server: asyncio.subprocess.Process | None = None
    try:
        await create_topics(settings, catalogue(settings.topic_prefix))
        rng = random.Random(1)
        bodies = [
            json.dumps(synthetic.make_sykmelding(rng, fom=date.today()).model_dump(mode="json", by_alias=True)).encode()
            for _ in range(2 * requests)
        ]
        print(f"{requests} requests per phase, {sum(map(len, bodies)) / len(bodies):.0f} bytes per POST body")
        token = issuer.organisation_token(synthetic.DEMO_LEGEKONTOR.orgnr, [Scope.EPJ_WRITE.value])
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        with (folder / "gateway.log").open("wb") as log:
            server = await asyncio.create_subprocess_exec(
                sys.executable,
                *("-m", "sykmeldingsflyt", "gateway", "--port", str(port)),
                env=environment,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        # uvicorn closes a connection idle for 5 s; the client must give up on it first, or a request can
        # race the close and fail with a read error.
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30.0) as client:
            await _wait_until_serving(client, server)

            async def bare(client: httpx.AsyncClient, _number: int) -> httpx.Response:
                return await client.get("/internal/isalive")

            async def post(client: httpx.AsyncClient, number: int) -> httpx.Response:
                return await client.post("/epj/v1/sykmeldinger", content=bodies[number], headers=headers)

            async def post_with_key(client: httpx.AsyncClient, number: int) -> httpx.Response:
                keyed = {**headers, "Idempotency-Key": f"bench-{number}"}
                return await client.post("/epj/v1/sykmeldinger", content=bodies[requests + number], headers=keyed)

            run = functools.partial(drive, client, seconds=seconds, concurrency=concurrency)
            await run("warm-up", bare, count=500)
            phases = [
                await run("bare GET /internal/isalive", bare, count=requests),
                await run("POST /epj/v1/sykmeldinger", post, count=requests),
                await run("  with an Idempotency-Key", post_with_key, count=requests),
            ]
        baseline = phases[0].per_second
        for phase in phases:
            print(
                f"{phase.name:32} {phase.per_second:8.0f} requests/s  ({phase.done} done, statuses {phase.statuses})"
                f"  ratio to bare: {phase.per_second / baseline:.2f}"
            )
        report.save(
            "gateway",
            {
                **{f"{phase.name.strip()} requests/s": phase.per_second for phase in phases},
                **{f"{phase.name.strip()} / bare": phase.per_second / baseline for phase in phases[1:]},
            },
            {
                "requests": requests,
                "seconds": seconds,
                "concurrency": concurrency,
                "statuses": {phase.name.strip(): phase.statuses for phase in phases},
            },
        )
    finally:
        if server is not None:
            server.terminate()
            await asyncio.wait_for(server.wait(), timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5_000, help="requests per phase at the most")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds per phase at the most")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight at once")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.seconds, arguments.concurrency))
