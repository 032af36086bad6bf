"""The probes' answers from the state they watch: assignments, checks and vital tasks."""

import asyncio

import httpx
import pytest
from faststream.asgi import AsgiFastStream

from sykmeldingsflyt.observability.probes import Health, ProbeSettings, probe_routes
from sykmeldingsflyt.profiles import Profile


async def _get(health: Health, path: str) -> httpx.Response:
    app = AsgiFastStream(asgi_routes=probe_routes(health))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://p") as client:
        return await client.get(path)


async def test_not_ready_until_every_consumer_has_its_first_assignment() -> None:
    health = Health()
    mottak, dlq = health.listener("mottak:sykmelding.fra-epj"), health.listener("mottak:other")

    await mottak.on_partitions_assigned([])
    waiting = await _get(health, "/internal/isready")
    await dlq.on_partitions_assigned([])
    ready = await _get(health, "/internal/isready")

    assert (waiting.status_code, waiting.json()["problems"]) == (503, ["mottak:other: no partition assignment yet"])
    assert (ready.status_code, ready.text) == (200, "READY")


async def test_a_failing_or_hanging_check_makes_it_not_ready_naming_the_check() -> None:
    health = Health()

    async def registers() -> str | None:
        return "HPR not configured"

    async def broken() -> str | None:
        raise ConnectionRefusedError

    health.add_check("registers", registers)
    health.add_check("database", broken)

    answer = await _get(health, "/internal/isready")

    assert answer.status_code == 503
    assert answer.json()["problems"] == ["registers: HPR not configured", "database: ConnectionRefusedError"]


async def test_alive_until_a_vital_task_ends() -> None:
    health = Health()
    gate = asyncio.Event()
    task = asyncio.create_task(gate.wait(), name="relay:mottak")
    health.watch(task)

    alive = await _get(health, "/internal/isalive")
    gate.set()
    await task
    dead = await _get(health, "/internal/isalive")

    assert (alive.status_code, alive.text) == (200, "UP")
    assert (dead.status_code, dead.json()["stopped"]) == (503, ["relay:mottak"])


@pytest.mark.parametrize(
    ("given", "profile", "port"),
    [(None, Profile.PRODUCTION, 8080), (None, Profile.DEVELOPMENT, 0), (9000, Profile.DEVELOPMENT, 9000)],
)
def test_the_probe_port_is_nais_s_in_production_and_any_free_one_in_development(
    given: int | None, profile: Profile, port: int
) -> None:
    assert ProbeSettings(probe_port=given).port(profile) == port
