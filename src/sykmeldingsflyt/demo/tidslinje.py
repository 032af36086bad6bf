"""Scene 4: a 26-week case played on a virtual clock: the stop points arrive on their days, not before.

A second employee at the bakery is fully sick-listed; the fastlege extends the sykmelding every four
weeks and the employee sends each extension to the employer. The clock moves one day at a time, and
each day the timeline fires what is due, exactly as its background task would on the wall clock.
"""

import asyncio
import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.demo.parties import Demo
from sykmeldingsflyt.domain.clock import VirtualClock, norwegian_date
from sykmeldingsflyt.domain.oppgave import Oppgave
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.status import StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.varsel import Varsel
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding
from sykmeldingsflyt.messaging.topics import (
    ARBEIDSGIVER_SYKMELDING,
    NAV_OPPGAVE,
    SYKMELDING_FRA_EPJ,
    SYKMELDING_STATUS,
    VARSEL,
)
from sykmeldingsflyt.services.tidslinje import TidslinjeService
from sykmeldingsflyt.storage.tables import TidslinjeSykmelding
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER

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
    for day in range(WEEKS * 7 + 1):
        if day % EXTENSION_DAYS == 0 and day < WEEKS * 7:
            sykmelding_id = await _extend(demo, rng, fnr, clock.today(), EXTENSION_DAYS)
            sent += 1
            await demo.receive(ARBEIDSGIVER_SYKMELDING, ArbeidsgiverSykmelding, expected=sent)
            await _until_the_timeline_knows(demo, sykmelding_id)
        await tidslinje.fire_due()
        clock.advance(1)

    varsler = await demo.receive(VARSEL, Varsel, expected=1, everything=True)
    oppgaver = await demo.receive(NAV_OPPGAVE, Oppgave, expected=1, everything=True)
    events = sorted(
        [
            (v.stoppunkt_dato, f"varsel to {v.mottaker.value.lower()}: {v.type.value}")
            for v in varsler
            if v.person_ref == who
        ]
        + [(norwegian_date(o.opprettet), f"NAV task: {o.type.value}") for o in oppgaver if o.person_ref == who]
    )
    for when, what in events:
        demo.out(f"  day {(when - start).days:3d} ({when}): {what}")


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
