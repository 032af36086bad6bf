"""Driving the case timeline in integration tests: sick-listed people, their sykmeldinger sent to an
employer, and a virtual clock moved one day at a time, each day only once its due timers have fired."""

import asyncio
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.clock import VirtualClock
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.status import ArbeidsgiverStatus, StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykmelding import AktivitetIkkeMulig, Gradert, Periode, ReceivedSykmelding
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import SYKMELDING_STATUS
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import TidslinjeTilfelle
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER
from tests.support.inputs import send, send_nav

START = date(2024, 1, 1)
"""Day 0 of every test case."""


def on(day: int) -> date:
    return START + timedelta(days=day)


@dataclass(frozen=True)
class Sykmeldt:
    fnr: str
    person_ref: str


def sykmeldt(rng: random.Random, runtime: Runtime) -> Sykmeldt:
    fnr = synthetic.synthetic_pasient_fnr(rng)
    return Sykmeldt(fnr, person_ref(fnr, runtime.settings.pseudonym_key))


def sykmelding(rng: random.Random, who: Sykmeldt, fom: int, tom: int, grad: int | None = None) -> ReceivedSykmelding:
    """A sykmelding for case days `fom` to `tom`: fully sick, or graded."""
    kind: dict[str, Any] = (
        {"gradert": Gradert(grad=grad, reisetilskudd=False)} if grad else {"aktivitet_ikke_mulig": AktivitetIkkeMulig()}
    )
    periode = Periode(fom=on(fom), tom=on(tom), **kind)
    return synthetic.make_sykmelding(rng, fom=on(fom), tom=on(tom), pasient_fnr=who.fnr, perioder=[periode])


async def send_to_employer(
    settings: KafkaSettings,
    runtime: Runtime,
    *sykmeldinger: ReceivedSykmelding,
    arbeidsgiver: ArbeidsgiverStatus = DEMO_ARBEIDSGIVER,
) -> None:
    """The sykmeldinger on nav.sykmelding, and the employee sending each to `arbeidsgiver`."""
    await send_nav(settings, runtime, *sykmeldinger)
    events = [
        SykmeldingStatusEvent(
            event_id=str(uuid.uuid4()),
            sykmelding_id=s.sykmelding.id,
            timestamp=runtime.clock.now(),
            status_event=StatusEvent.SENDT,
            arbeidsgiver=arbeidsgiver,
        )
        for s in sykmeldinger
    ]
    await send(settings, runtime, SYKMELDING_STATUS, *((e.sykmelding_id, e) for e in events))


async def until(database: Database, statement: Any, ready: Callable[[Any], bool], timeout: float = 30.0) -> Any:
    """Poll a scalar query until `ready` holds for its value; fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with database.session() as session:
            value = await session.scalar(statement)
        if ready(value):
            return value
        assert asyncio.get_running_loop().time() < deadline, f"not ready after {timeout}s: {value!r}"
        await asyncio.sleep(0.02)


async def has_case(
    database: Database,
    who: Sykmeldt,
    start: int,
    end: int,
    arbeidsgivere: tuple[str, ...] = (DEMO_ARBEIDSGIVER.orgnummer,),
) -> None:
    """Wait until the timeline has `who`'s case from case day `start` to `end` with `arbeidsgivere`: its
    inputs come over several topics and services (a sykmelding counts while still NY, before the
    employee sends it), and a test that moves the clock on before they are in tests a race."""
    span = select(TidslinjeTilfelle.arbeidsgivere).where(
        TidslinjeTilfelle.person_ref == who.person_ref,
        TidslinjeTilfelle.start == on(start),
        TidslinjeTilfelle.slutt == on(end),
    )
    await until(database, span, lambda found: found is not None and tuple(found) == arbeidsgivere, timeout=90)


async def settled(clock: VirtualClock, database: Database) -> None:
    """Wait until every timer due by the clock's today has fired."""
    due = select(func.count()).select_from(TidslinjeTilfelle).where(TidslinjeTilfelle.next_due <= clock.today())
    await until(database, due, lambda n: n == 0)


async def advance(clock: VirtualClock, database: Database, days: int) -> None:
    """Move the clock a day at a time, each day only once its due timers have fired."""
    for _ in range(days):
        clock.advance(1)
        await settled(clock, database)
