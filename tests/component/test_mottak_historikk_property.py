"""Stored equals sent (issue 11): for any sequence of sykmeldinger and the employee's status events, the
decision mottak makes from the history in its database (the real repository, on SQLite) equals the
decision of the domain's rules handed the same earlier sykmeldinger in memory.

mottak's two stages are driven directly, with real delivery positions, so that batches of several
sykmeldinger and statuses that come before their sykmelding are exercised; the broker itself is
tests/integration's concern.
"""

import asyncio
import itertools
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.livslop import status_etter
from sykmeldingsflyt.domain.rules import RuleContext, som_tidligere, validate
from sykmeldingsflyt.domain.status import StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykmelding import (
    AktivitetIkkeMulig,
    AnnenFraversArsak,
    Diagnose,
    Gradert,
    KontaktMedPasient,
    MedisinskVurdering,
    Periode,
    ReceivedSykmelding,
    SykmeldingStatus,
)
from sykmeldingsflyt.domain.validering import ValidationResult
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import NAV_SYKMELDING, SYKMELDING_FRA_EPJ, SYKMELDING_STATUS
from sykmeldingsflyt.registers import bundled_diagnosekoder
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import OutboxMessage
from tests.support import registers as hpr
from tests.support.registers import bundled_fakta

BASE = date.today() - timedelta(days=200)
"""Far enough back that a sykmelding signed 40 days after its fom is never signed in the future."""

L88 = Diagnose(system=synthetic.L87.system, kode="L88", tekst="Revmatoid artritt")
MANUELLTERAPEUT = synthetic.DEMO_BEHANDLER.model_copy(
    update={"fnr": hpr.MANUELLTERAPEUT.fnr, "hpr": hpr.MANUELLTERAPEUT.hpr_nummer}
)


@dataclass(frozen=True)
class Ny:
    """A new sykmelding of the patient."""

    received: ReceivedSykmelding


@dataclass(frozen=True)
class Status:
    """The employee's event on the `index`th sykmelding of the sequence (which may not have come yet)."""

    index: int
    hendelse: StatusEvent


@st.composite
def periode(draw: st.DrawFn, fom: date) -> Periode:
    tom = fom + timedelta(days=draw(st.integers(min_value=0, max_value=40)))
    kind = draw(st.sampled_from(["aktivitet", "aktivitet", "gradert", "gradert", "reisetilskudd", "avventende"]))
    if kind == "gradert":
        return Periode(fom=fom, tom=tom, gradert=Gradert(grad=draw(st.sampled_from([40, 60])), reisetilskudd=False))
    if kind == "reisetilskudd":
        return Periode(fom=fom, tom=tom, reisetilskudd=True)
    if kind == "avventende":
        tom = min(tom, fom + timedelta(days=16))
        return Periode(fom=fom, tom=tom, avventende_innspill_til_arbeidsgiver="Kortere dager")
    return Periode(fom=fom, tom=tom, aktivitet_ikke_mulig=AktivitetIkkeMulig())


@st.composite
def perioder(draw: st.DrawFn, tidligere: list[ReceivedSykmelding]) -> list[Periode]:
    """Fresh periods, or, as often, an extension or a resend of an earlier sykmelding's."""
    how = draw(st.sampled_from(["ny", "forlengelse", "ettersending"])) if tidligere else "ny"
    if how == "ettersending":
        kilde = draw(st.sampled_from(tidligere)).sykmelding.perioder
        return [draw(st.sampled_from(kilde))]
    if how == "forlengelse":
        tom = max(p.tom for p in draw(st.sampled_from(tidligere)).sykmelding.perioder)
        fom = tom + timedelta(days=draw(st.sampled_from([-2, 1, 2, 3])))
    else:
        fom = BASE + timedelta(days=draw(st.integers(min_value=0, max_value=120)))
    forste = draw(periode(fom))
    if draw(st.booleans()) or forste.kind != "AKTIVITET_IKKE_MULIG":
        return [forste]
    neste = forste.tom + timedelta(days=1)
    return [forste, Periode(fom=neste, tom=neste + timedelta(days=6), gradert=Gradert(grad=50, reisetilskudd=False))]


@st.composite
def sykmelding(draw: st.DrawFn, nummer: int, tidligere: list[ReceivedSykmelding]) -> ReceivedSykmelding:
    valgte = draw(perioder(tidligere))
    fom = min(p.fom for p in valgte)
    # Never after today: a chain of extensions can start a year on, and mottak refuses a signature in the future
    # (SIGNATURDATO_I_FREMTIDEN, its own rule, which the domain's rules in memory do not have).
    signert = min(fom + timedelta(days=draw(st.sampled_from([0, 0, 0, 5, 6, 8, 9, 20, 35]))), date.today())
    return synthetic.make_sykmelding(
        random.Random(nummer),
        fom=fom,
        perioder=valgte,
        medisinsk_vurdering=MedisinskVurdering(
            hoved_diagnose=draw(st.sampled_from([synthetic.L87, synthetic.L87, L88])),
            svangerskap=False,
            yrkesskade=False,
            # Makes each sykmelding's content unique, so none is another's duplicate; no rule reads it here.
            annen_fravers_arsak=AnnenFraversArsak(beskrivelse=f"nr {nummer}"),
        ),
        behandler=draw(st.sampled_from([synthetic.DEMO_BEHANDLER, MANUELLTERAPEUT])),
        signatur_dato=datetime.combine(signert, time(9), UTC),
        kontakt_med_pasient=KontaktMedPasient(begrunnelse_ikke_kontakt=draw(st.sampled_from([None, "Influensa"]))),
    )


@st.composite
def hendelser(draw: st.DrawFn) -> list[list[Ny | Status]]:
    """A sequence in batches: a batch is sykmeldinger for one stage transaction, or one status event."""
    count = draw(st.integers(min_value=1, max_value=6))
    sykmeldinger: list[ReceivedSykmelding] = []
    for nummer in range(count):
        sykmeldinger.append(draw(sykmelding(nummer, sykmeldinger)))
    statuses = draw(
        st.lists(
            st.builds(
                Status,
                index=st.integers(min_value=0, max_value=count - 1),
                hendelse=st.sampled_from(
                    [StatusEvent.AVBRUTT, StatusEvent.GJENAPNET, StatusEvent.SLETTET, StatusEvent.BEKREFTET]
                ),
            ),
            max_size=4,
        )
    )
    order: list[Ny | Status] = [Ny(s) for s in sykmeldinger]
    for status in statuses:
        order.insert(draw(st.integers(min_value=0, max_value=len(order))), status)
    batches: list[list[Ny | Status]] = []
    for event in order:
        joins = batches and isinstance(event, Ny) and isinstance(batches[-1][0], Ny) and draw(st.booleans())
        if joins:
            batches[-1].append(event)
        else:
            batches.append([event])
    return batches


def _ids(batches: list[list[Ny | Status]]) -> list[str]:
    return [event.received.sykmelding.id for batch in batches for event in batch if isinstance(event, Ny)]


def in_memory(batches: list[list[Ny | Status]]) -> dict[str, ValidationResult]:
    """The domain's decisions, each from the earlier sykmeldinger as they stand when it comes."""
    ids = _ids(batches)
    status: dict[str, SykmeldingStatus] = {}
    decided: list[tuple[ReceivedSykmelding, ValidationResult]] = []
    for event in (event for batch in batches for event in batch):
        if isinstance(event, Status):
            sykmelding_id = ids[event.index]
            status[sykmelding_id] = status_etter(status.get(sykmelding_id, SykmeldingStatus.APEN), event.hendelse)
            continue
        tidligere = tuple(
            som_tidligere(r, result, status.get(r.sykmelding.id, SykmeldingStatus.APEN)) for r, result in decided
        )
        behandler, pasient = bundled_fakta(event.received)
        context = RuleContext(behandler, pasient, bundled_diagnosekoder(), tidligere=tidligere)
        decided.append((event.received, validate(event.received, context)))
    return {received.sykmelding.id: result for received, result in decided}


_OFFSETS = itertools.count()
"""Delivery positions, unique across examples: they share one database and its handled-event ids."""
_PATIENTS = random.Random(11)


def _fresh(batches: list[list[Ny | Status]]) -> list[list[Ny | Status]]:
    """The same sequence under new ids and a new patient: examples share one database, and Hypothesis
    replays an example's values, so each run must be a patient of its own."""
    pasient_fnr = synthetic.synthetic_pasient_fnr(_PATIENTS)

    def renamed(received: ReceivedSykmelding) -> ReceivedSykmelding:
        sykmelding = received.sykmelding.model_copy(update={"id": str(uuid.uuid4())})
        update = {"msg_id": str(uuid.uuid4()), "pasient_fnr": pasient_fnr, "sykmelding": sykmelding}
        return received.model_copy(update=update)

    return [[Ny(renamed(e.received)) if isinstance(e, Ny) else e for e in batch] for batch in batches]


def _inbound(topic: str, key: str, value: bytes) -> Inbound:
    return Inbound(topic=topic, partition=0, offset=next(_OFFSETS), key=key.encode(), value=value, headers=())


async def stored(url: str, batches: list[list[Ny | Status]]) -> dict[str, ValidationResult]:
    """mottak's decisions, each from the history it stored of the sykmeldinger and statuses before it."""
    database = Database(url)
    runtime = Runtime.from_env(KafkaSettings(KAFKA_BOOTSTRAP_SERVERS="in-memory:9092"), database)
    mottak = Mottak(runtime)
    sykmeldinger, statuses = mottak.sykmelding_stage(), mottak.status_stage()
    source, status_topic = runtime.topics.name(SYKMELDING_FRA_EPJ), runtime.topics.name(SYKMELDING_STATUS)
    ids = _ids(batches)
    try:
        for batch in batches:
            first = batch[0]
            if isinstance(first, Status):
                event = SykmeldingStatusEvent(
                    event_id=str(uuid.uuid4()),
                    sykmelding_id=ids[first.index],
                    timestamp=datetime.now(UTC),
                    status_event=first.hendelse,
                )
                value = contracts.encode(runtime.codec, event, status_topic)
                await statuses.process([_inbound(status_topic, event.sykmelding_id, value)])
                continue
            await sykmeldinger.process(
                [
                    _inbound(source, e.received.msg_id, contracts.encode(runtime.codec, e.received, source))
                    for e in batch
                    if isinstance(e, Ny)
                ]
            )
        async with database.session() as session:
            rows = await session.scalars(
                select(OutboxMessage.value).where(
                    OutboxMessage.topic == runtime.topics.name(NAV_SYKMELDING),
                    OutboxMessage.key.in_([sykmelding_id.encode() for sykmelding_id in ids]),
                )
            )
            views = [contracts.decode(runtime.codec, value or b"", NavSykmelding) for value in rows]
    finally:
        await database.dispose()
    return {view.received_sykmelding.sykmelding.id: view.validation_result for view in views}


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('historikk')}/mottak.sqlite"
    database = Database(url)

    async def migrate() -> None:
        await database.migrate()
        await database.dispose()

    asyncio.run(migrate())
    yield url


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=hendelser())
def test_mottak_decides_from_its_stored_history_as_the_rules_do_in_memory(
    database_url: str, batches: list[list[Ny | Status]]
) -> None:
    run = _fresh(batches)
    decisions = asyncio.run(stored(database_url, run))
    assert decisions == in_memory(run)
