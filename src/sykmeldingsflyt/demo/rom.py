"""Scene 6: the case room. The bundled registers' sykmeldt gets a sykmelding from the demo's doctor and sends
it to the bakery's underenhet, where the register names their nærmeste leder; the room then shows the case
to each of the four parties, in its own view.

The demonstration ends with the room's address for the case and the development logins. When asked (or
run in a terminal) it then keeps the gateway serving on a real port, every service running, until Ctrl-C,
so one can open the case one just watched as each party.
"""

import asyncio
import random
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import uvicorn

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.demo.door import Door, open_door
from sykmeldingsflyt.demo.parties import Demo
from sykmeldingsflyt.domain.clock import VirtualClock
from sykmeldingsflyt.domain.pseudonym import person_ref, sak_ref
from sykmeldingsflyt.gateway.rom.devlogin import STANDARD
from sykmeldingsflyt.gateway.rom.tilgang import ROLLENAVN, Rolle
from sykmeldingsflyt.messaging.topics import SYKMELDING_FRA_EPJ
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER, DEMO_BEHANDLER

OPEN = "Rommet er åpent på"
"""How the line saying the room serves begins (the tests look for it)."""


class RoomUnavailableError(Exception):
    """The held room's address cannot be served (the port is taken)."""


@dataclass(frozen=True)
class Rom:
    """Where the room is served once the scenes are played, and whether the demonstration waits there."""

    host: str = "127.0.0.1"
    port: int = 8080
    hold: bool = False
    until: asyncio.Event | None = None
    """Stops a held room (tests); without it, Ctrl-C does."""


async def play(demo: Demo) -> None:
    # The room reads the wall clock; the timeline scene left the virtual one 26 weeks ahead.
    clock = demo.runtime.clock
    assert isinstance(clock, VirtualClock), "the demonstration runs on a virtual clock"
    clock.set(datetime.now(UTC))
    fnr = STANDARD[Rolle.SYKMELDT]
    fom = clock.today() - timedelta(days=10)
    tom = fom + timedelta(days=27)
    received = synthetic.make_sykmelding(random.Random(17), fom=fom, tom=tom, pasient_fnr=fnr)
    key = demo.runtime.settings.pseudonym_key
    demo.facts["sak"] = sak_ref(person_ref(fnr, key), key)

    demo.heading("the case room: one case, each party in its own view")
    demo.out(f"  {DEMO_BEHANDLER.fornavn} {DEMO_BEHANDLER.etternavn}'s EPJ sends a sykmelding for {fnr}, {fom}..{tom}")
    await demo.send(SYKMELDING_FRA_EPJ, [(received.msg_id, received)])
    async with open_door(demo) as door:
        demo.out(f"  the employee sends it to {DEMO_ARBEIDSGIVER.org_navn} ({DEMO_ARBEIDSGIVER.orgnummer}) on nav.no")
        path = f"/sykmeldt/v1/sykmeldinger/{received.sykmelding.id}/status"
        sendt = {"statusEvent": "SENDT", "arbeidsgiver": DEMO_ARBEIDSGIVER.model_dump(mode="json", by_alias=True)}
        await _until(lambda: door.http.post(path, json=sendt, headers=door.person(fnr)), 202)
        for rolle, ident in STANDARD.items():
            await door.http.get(f"/rom/logg-inn/{rolle.value}")  # sets the cookie, as the login page's button
            page = await _until(lambda: door.http.get(f"/rom/sak/{demo.facts['sak']}"))
            demo.out(f"  GET /rom/sak/{{sak}} as {ROLLENAVN[rolle]} ({ident}): {page.status_code}")


async def open_room(demo: Demo, where: Rom) -> None:
    """Print the case's address and the logins; serve the room there until stopped if `where.hold`."""
    try:
        server = socket.create_server((where.host, where.port)) if where.hold else None
    except OSError as error:
        raise RoomUnavailableError(f"the room cannot serve on {where.host}:{where.port}: {error}") from None
    port = server.getsockname()[1] if server else where.port
    base = f"http://{where.host}:{port}/rom"
    demo.heading("open the case yourself, as each party")
    demo.out(f"  the case: {base}/sak/{demo.facts['sak']}")
    demo.out(f"  development logins (one click each; the login page is {base}/logg-inn):")
    for rolle, ident in STANDARD.items():
        demo.out(f"    {ROLLENAVN[rolle]:<15} {ident:<12} {base}/logg-inn/{rolle.value}")
    if server is None:
        demo.out("  (they answer while the demonstration holds: `sykmeldingsflyt demo --hold`, or in a terminal)")
        return
    with server:
        async with open_door(demo) as door:
            await _serve(door, server, where.until, lambda: demo.out(f"\n{OPEN} {base}/logg-inn; Ctrl-C stopper alt"))


async def _serve(door: Door, sock: socket.socket, until: asyncio.Event | None, opened: Callable[[], None]) -> None:
    # The door's application already runs its lifespan; uvicorn only serves it.
    server = uvicorn.Server(uvicorn.Config(door.app, log_config=None, lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    stopped = asyncio.create_task((until or asyncio.Event()).wait())
    try:
        while not server.started:
            if serving.done():
                await serving  # raises why it could not start
                return
            await asyncio.sleep(0.02)
        opened()
        await asyncio.wait([serving, stopped], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        server.should_exit = True
        await serving


async def _until(
    ask: Callable[[], Awaitable[httpx.Response]], status: int = 200, timeout: float = 30.0
) -> httpx.Response:
    """The answer once it is `status` (the read model follows the topics asynchronously), or the last one."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        answer = await ask()
        if answer.status_code == status or asyncio.get_running_loop().time() > deadline:
            return answer
        await asyncio.sleep(0.2)
