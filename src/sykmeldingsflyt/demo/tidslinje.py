"""Scene 4: a 26-week case played on a virtual clock: the stop points arrive on their days, not before.

A second employee at the bakery is fully sick-listed; the fastlege extends the sykmelding every four
weeks and the employee sends each extension to the employer. The clock moves one day at a time, and
each day the timeline fires what is due, exactly as its background task would on the wall clock. Then
each party shows what it received through its own door: the employee and the HR system through the
gateway, NAV on its own topic.
"""

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from pydantic import TypeAdapter
from sqlalchemy import select

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.demo.door import Door, open_door
from sykmeldingsflyt.demo.parties import Demo
from sykmeldingsflyt.domain.clock import VirtualClock, norwegian_date
from sykmeldingsflyt.domain.oppgave import Oppgave
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.status import StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.varsel import ArbeidsgiverVarsel, ArbeidstakerVarsel
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding
from sykmeldingsflyt.gateway.feeds import LpsVarsel
from sykmeldingsflyt.gateway.models import ArbeidstakerVarselFeed
from sykmeldingsflyt.messaging.topics import (
    ARBEIDSGIVER_SYKMELDING,
    NAV_OPPGAVE,
    SYKMELDING_FRA_EPJ,
    SYKMELDING_STATUS,
)
from sykmeldingsflyt.services.tidslinje import TidslinjeService
from sykmeldingsflyt.storage.tables import TidslinjeSykmelding
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER

T = TypeVar("T")
_LPS_VARSLER = TypeAdapter(list[LpsVarsel])
WEEKS = 26
EXTENSION_DAYS = 28


async def play(demo: Demo) -> None:
    clock = demo.runtime.clock
    assert isinstance(clock, VirtualClock), "the demonstration runs on a virtual clock"
    tidslinje = next(service for service in demo.services if isinstance(service, TidslinjeService))
    rng = random.Random(26)
    fnr = synthetic.synthetic_pasient_fnr(rng)
    start = clock.today()
    who = person_ref(fnr, demo.runtime.settings.pseudonym_key)
    demo.heading(f"a {WEEKS}-week case from {start}, one day at a time (extensions every {EXTENSION_DAYS} days)")

    sent = len(await demo.receive_raw(ARBEIDSGIVER_SYKMELDING, expected=1))
    sykmelding_ids: set[str] = set()
    for day in range(WEEKS * 7 + 1):
        if day % EXTENSION_DAYS == 0 and day < WEEKS * 7:
            sykmelding_id = await _extend(demo, rng, fnr, clock.today(), EXTENSION_DAYS)
            sykmelding_ids.add(sykmelding_id)
            sent += 1
            await demo.receive(ARBEIDSGIVER_SYKMELDING, ArbeidsgiverSykmelding, expected=sent)
            await _until_the_timeline_knows(demo, sykmelding_id)
        await tidslinje.fire_due()
        clock.advance(1)

    demo.out("  what each party received through its own door:")
    demo.out("    the employee: GET /sykmeldt/v1/varsler (nav.no, a TokenX token)")
    demo.out("    the HR system: POST /v1/varsler (its vendor as the bakery's Altinn system user), the employee")
    demo.out("      known only by the ansattRef on the sykmeldinger it was sent")
    demo.out("    NAV: nav.oppgave, its own topic")
    async with open_door(demo) as door:
        employee = await _settled(lambda: _employee_varsler(door, fnr))
        employer = await _settled(lambda: _employer_varsler(door, sykmelding_ids))
    oppgaver = await demo.receive(NAV_OPPGAVE, Oppgave, expected=1, everything=True)
    events = sorted(
        [(v.stoppunkt_dato, f"varsel to the employee: {v.type.value}") for v in employee]
        + [(v.stoppunkt_dato, f"varsel to the employer: {v.type.value}") for v in employer]
        + [(norwegian_date(o.opprettet), f"NAV task: {o.type.value}") for o in oppgaver if o.person_ref == who]
    )
    for when, what in events:
        demo.out(f"  day {(when - start).days:3d} ({when}): {what}")


async def _employee_varsler(door: Door, fnr: str) -> list[ArbeidstakerVarsel]:
    response = await door.http.get("/sykmeldt/v1/varsler", headers=door.person(fnr))
    response.raise_for_status()
    return ArbeidstakerVarselFeed.model_validate(response.json()).varsler


async def _employer_varsler(door: Door, sykmelding_ids: set[str]) -> list[ArbeidsgiverVarsel]:
    """The bakery's varsler about this employee: the HR system ties them to the employee by the ansattRef on
    the sykmeldinger it was sent, as it knows no fnr."""
    lps = door.lps(DEMO_ARBEIDSGIVER.juridisk_orgnummer)
    wanted = {"orgnr": DEMO_ARBEIDSGIVER.juridisk_orgnummer}
    sykmeldinger = (await door.http.post("/v1/sykmeldinger", json=wanted, headers=lps)).raise_for_status().json()
    ansatt = {entry["ansattRef"] for entry in sykmeldinger if entry["sykmeldingId"] in sykmelding_ids}
    varsler = (await door.http.post("/v1/varsler", json=wanted, headers=lps)).raise_for_status().json()
    return [v.varsel for v in _LPS_VARSLER.validate_python(varsler) if v.varsel.ansatt_ref in ansatt]


async def _settled(read: Callable[[], Awaitable[list[T]]], quiet: float = 2.0, timeout: float = 60.0) -> list[T]:
    """What a door shows once the gateway's read model has caught up with the topics (it follows them
    asynchronously): something, then nothing new for `quiet` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    seen, since = await read(), loop.time()
    while loop.time() < deadline and not (seen and loop.time() - since >= quiet):
        await asyncio.sleep(0.2)
        now = await read()
        if now != seen:
            seen, since = now, loop.time()
    return seen


async def _extend(demo: Demo, rng: random.Random, fnr: str, fom: date, days: int) -> str:
    signed = datetime.combine(fom, time(9), UTC)
    received = synthetic.make_sykmelding(
        rng, fom=fom, tom=fom + timedelta(days=days - 1), pasient_fnr=fnr, signatur_dato=signed, mottatt_dato=signed
    )
    await demo.send(SYKMELDING_FRA_EPJ, [(received.msg_id, received)])
    sendt = SykmeldingStatusEvent(
        event_id=str(uuid.uuid4()),
        sykmelding_id=received.sykmelding.id,
        timestamp=signed + timedelta(hours=1),
        status_event=StatusEvent.SENDT,
        arbeidsgiver=DEMO_ARBEIDSGIVER,
    )
    await demo.send(SYKMELDING_STATUS, [(received.sykmelding.id, sendt)])
    return received.sykmelding.id


async def _until_the_timeline_knows(demo: Demo, sykmelding_id: str, timeout: float = 30.0) -> None:
    """Wait until tidslinje has both halves of the sykmelding: its periods and the employer it went to.

    The demonstration moves the clock itself, so it must not move past a day whose input is still
    on its way; a running system on the wall clock needs no such wait.
    """
    table = TidslinjeSykmelding
    known = select(table.sykmelding_id).where(
        table.sykmelding_id == sykmelding_id, table.orgnummer.is_not(None), table.person_ref.is_not(None)
    )
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        async with demo.runtime.database.session() as session:
            if await session.scalar(known) is not None:
                return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"tidslinje did not learn of sykmelding {sykmelding_id} in {timeout} s")
