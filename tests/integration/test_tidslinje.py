"""tidslinje through the real broker and database, on a virtual clock: stop points fire on their day
and only while relevant, once each, across a restart and with two instances on one database."""

import random
import uuid
from collections.abc import Iterable
from datetime import datetime, time
from functools import partial

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, func, select

from sykmeldingsflyt.domain.clock import OSLO, VirtualClock, norwegian_date
from sykmeldingsflyt.domain.dialogmote import DialogmoteStatusEndring
from sykmeldingsflyt.domain.oppfolgingsplan import OppfolgingsplanMottatt
from sykmeldingsflyt.domain.oppgave import Oppgave
from sykmeldingsflyt.domain.status import ArbeidsgiverStatus, StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.timeline import DialogmoteStatus
from sykmeldingsflyt.domain.varsel import Mottaker, Varsel
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import (
    NAV_DIALOGMOTE_STATUS,
    OPPFOLGINGSPLAN_MOTTATT,
    OPPGAVE_BESTILLING,
    SYKEPENGESOKNAD,
    SYKMELDING_STATUS,
    VARSEL,
    dead_letter_topic,
)
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.services.tidslinje import TidslinjeService
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import TidslinjeDialogmote, TidslinjeOppfolgingsplan, TidslinjeTilfelle, metadata
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER
from tests.support.inputs import send
from tests.support.kafka import produce, read_topic
from tests.support.services import running
from tests.support.timeline import (
    START,
    Sykmeldt,
    advance,
    has_case,
    on,
    send_to_employer,
    settled,
    sykmelding,
    sykmeldt,
    until,
)

pytestmark = pytest.mark.integration

AT, AG = Mottaker.ARBEIDSTAKER, Mottaker.ARBEIDSGIVER
Tidslinje = partial(TidslinjeService, poll_interval=0.05)

# (day it fires, type, recipient) for a fully sick employee with no plan and no meeting, to week 26.
FULL_VARSLER = {
    (28, "OPPFOLGINGSPLAN_MANGLER", AG),
    (42, "AKTIVITETSKRAV_INFORMASJON", AT),
    (42, "AKTIVITETSKRAV_INFORMASJON", AG),
    (49, "DIALOGMOTE1_PAMINNELSE", AG),
    (112, "SVAR_MOTEBEHOV", AT),
    (112, "SVAR_MOTEBEHOV", AG),
}
FULL_TASKS = {(56, "AKTIVITETSKRAV_VURDERING"), (119, "DIALOGMOTE_KANDIDAT"), (182, "DIALOGMOTE2_FRIST")}


async def _varsler(settings: KafkaSettings, runtime: Runtime, expected: int) -> list[Varsel]:
    messages = await read_topic(settings, runtime.topics.name(VARSEL), expected, timeout=60)
    varsler = [contracts.decode(runtime.codec, m.value or b"", Varsel) for m in messages]
    assert [m.key for m in messages] == [v.tilfelle_id.encode() for v in varsler]
    return varsler


async def _tasks(settings: KafkaSettings, runtime: Runtime, expected: int) -> list[Oppgave]:
    messages = await read_topic(settings, runtime.topics.name(OPPGAVE_BESTILLING), expected, timeout=60)
    tasks = [contracts.decode(runtime.codec, m.value or b"", Oppgave) for m in messages]
    assert [m.key for m in messages] == [t.id.encode() for t in tasks]
    return tasks


def _day(instant: datetime) -> int:
    return (norwegian_date(instant) - START).days


def _varsel_days(varsler: Iterable[Varsel], who: Sykmeldt) -> set[tuple[int, str, Mottaker]]:
    """What `who`'s case was told, by the case day it was sent."""
    return {(_day(v.opprettet), v.type.value, v.mottaker) for v in varsler if v.person_ref == who.person_ref}


def _task_days(tasks: Iterable[Oppgave], who: Sykmeldt) -> set[tuple[int, str]]:
    return {(_day(t.opprettet), t.type.value) for t in tasks if t.person_ref == who.person_ref}


def _at_noon(day: int) -> datetime:
    return datetime.combine(on(day), time(12), tzinfo=OSLO)


async def _dialogmote(
    settings: KafkaSettings, runtime: Runtime, database: Database, who: Sykmeldt, *, status: DialogmoteStatus, held: int
) -> None:
    """NAV's status for the meeting `who` is called to on day `held`, sent today; waits until it is in."""
    endring = DialogmoteStatusEndring(
        dialogmote_uuid="00000000-0000-4000-8000-00000000d001",
        status_endring_type=status,
        status_endring_tidspunkt=runtime.clock.now(),
        dialogmote_tidspunkt=_at_noon(held),
        person_ident=who.fnr,
        virksomhetsnummer=DEMO_ARBEIDSGIVER.orgnummer,
    )
    stored = select(func.count()).select_from(TidslinjeDialogmote)
    before = await until(database, stored, lambda n: n is not None)
    await send(settings, runtime, NAV_DIALOGMOTE_STATUS, (endring.dialogmote_uuid, endring))
    await until(database, stored, lambda n: n == before + 1)


async def test_a_26_week_case_emits_each_stop_point_on_its_day_and_only_while_relevant(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(31)
    clock = VirtualClock.on(START)
    async with running(kafka_settings, database, Personvern, Tidslinje, clock=clock) as runtime:
        full, graded, met, withdrawn = (sykmeldt(rng, runtime) for _ in range(4))
        withdrawn_sykmelding = sykmelding(rng, withdrawn, 0, 200)
        await send_to_employer(
            kafka_settings,
            runtime,
            sykmelding(rng, full, 0, 27),
            sykmelding(rng, full, 28, 200),  # an extension joins the case
            sykmelding(rng, graded, 0, 200, grad=50),
            sykmelding(rng, met, 0, 200),
            withdrawn_sykmelding,
        )
        for who in (full, graded, met, withdrawn):
            await has_case(database, who, 0, 200)

        await advance(clock, database, 20)
        plan = OppfolgingsplanMottatt(
            plan_uuid=str(uuid.uuid4()),
            person_ref=graded.person_ref,
            orgnummer=DEMO_ARBEIDSGIVER.orgnummer,
            juridisk_orgnummer=DEMO_ARBEIDSGIVER.juridisk_orgnummer,
            mottatt=clock.now(),
            evaluation_date=on(60),
        )
        await send(kafka_settings, runtime, OPPFOLGINGSPLAN_MOTTATT, (plan.plan_uuid, plan))
        await until(database, select(func.count()).select_from(TidslinjeOppfolgingsplan), lambda n: n == 1)

        await advance(clock, database, 15)  # day 35: the employee withdraws a sykmelding, and its case goes
        avbrutt = SykmeldingStatusEvent(
            event_id=str(uuid.uuid4()),
            sykmelding_id=withdrawn_sykmelding.sykmelding.id,
            timestamp=clock.now(),
            status_event=StatusEvent.AVBRUTT,
        )
        await send(kafka_settings, runtime, SYKMELDING_STATUS, (avbrutt.sykmelding_id, avbrutt))
        gone = (
            select(func.count())
            .select_from(TidslinjeTilfelle)
            .where(TidslinjeTilfelle.person_ref == withdrawn.person_ref)
        )
        await until(database, gone, lambda n: n == 0)

        await advance(clock, database, 65)  # day 100: NAV calls dialogmote 2 for day 115
        await _dialogmote(kafka_settings, runtime, database, met, status=DialogmoteStatus.INNKALT, held=115)
        await advance(clock, database, 15)  # day 115: held
        await _dialogmote(kafka_settings, runtime, database, met, status=DialogmoteStatus.FERDIGSTILT, held=115)
        await advance(clock, database, 182 - 115)

        varsler = await _varsler(kafka_settings, runtime, expected=6 + 2 + 5 + 1)
        tasks = await _tasks(kafka_settings, runtime, expected=3 + 2 + 1)

    assert _varsel_days(varsler, full) == FULL_VARSLER
    assert _task_days(tasks, full) == FULL_TASKS
    # Graded: no activity requirement and no dialogmote 1 reminder; a plan came, so no plan reminder.
    assert _varsel_days(varsler, graded) == {(112, "SVAR_MOTEBEHOV", AT), (112, "SVAR_MOTEBEHOV", AG)}
    assert _task_days(tasks, graded) == {(119, "DIALOGMOTE_KANDIDAT"), (182, "DIALOGMOTE2_FRIST")}
    # Called on day 100 (the plan reminder at once), held on day 115: no SVAR_BEHOV, candidate or deadline.
    assert _varsel_days(varsler, met) == {
        (28, "OPPFOLGINGSPLAN_MANGLER", AG),
        (42, "AKTIVITETSKRAV_INFORMASJON", AT),
        (42, "AKTIVITETSKRAV_INFORMASJON", AG),
        (49, "DIALOGMOTE1_PAMINNELSE", AG),
        (100, "OPPFOLGINGSPLAN_FOR_DIALOGMOTE", AG),
    }
    [reminder] = [v for v in varsler if v.type.value == "OPPFOLGINGSPLAN_FOR_DIALOGMOTE"]
    assert reminder.stoppunkt_dato == on(108) and reminder.orgnr == DEMO_ARBEIDSGIVER.orgnummer
    assert _task_days(tasks, met) == {(56, "AKTIVITETSKRAV_VURDERING")}
    # Withdrawn on day 35: what fired before stays fired, nothing after.
    assert _varsel_days(varsler, withdrawn) == {(28, "OPPFOLGINGSPLAN_MANGLER", AG)}
    assert _task_days(tasks, withdrawn) == set()
    # Every varsel is about its own day; nothing names a person by fnr.
    assert all(v.stoppunkt_dato == norwegian_date(v.opprettet) for v in varsler if v is not reminder)
    everything = repr([v.to_wire() for v in varsler] + [t.to_wire() for t in tasks])
    assert not any(who.fnr in everything for who in (full, graded, met, withdrawn))


def _expected_ids(varsler: list[Varsel], tasks: list[Oppgave]) -> list[str]:
    return sorted([v.id for v in varsler] + [t.id for t in tasks])


async def test_timers_survive_a_restart_and_fire_once(kafka_settings: KafkaSettings, database: Database) -> None:
    rng = random.Random(32)
    clock = VirtualClock.on(START)
    async with running(kafka_settings, database, Personvern, Tidslinje, clock=clock) as runtime:
        full = sykmeldt(rng, runtime)
        await send_to_employer(kafka_settings, runtime, sykmelding(rng, full, 0, 200))
        await has_case(database, full, 0, 200)
        await advance(clock, database, 55)
        clock.advance(1)  # day 56, the activity-requirement task due, and the service stops at once

    async with running(kafka_settings, database, Personvern, Tidslinje, clock=clock) as runtime:
        await settled(clock, database)
        await advance(clock, database, 130 - 56)
        varsler = await _varsler(kafka_settings, runtime, expected=6)
        tasks = await _tasks(kafka_settings, runtime, expected=2)

    assert _varsel_days(varsler, full) == FULL_VARSLER
    assert _task_days(tasks, full) == {(56, "AKTIVITETSKRAV_VURDERING"), (119, "DIALOGMOTE_KANDIDAT")}
    ids = _expected_ids(varsler, tasks)
    assert len(ids) == len(set(ids)) == 8


async def test_two_instances_on_one_database_fire_each_timer_once(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(33)
    clock = VirtualClock.on(START)
    async with (
        running(kafka_settings, database, Personvern, Tidslinje, instance_id="a", clock=clock) as runtime,
        running(kafka_settings, database, Tidslinje, instance_id="b", clock=clock),
    ):
        people = [sykmeldt(rng, runtime) for _ in range(6)]
        await send_to_employer(kafka_settings, runtime, *(sykmelding(rng, who, 0, 200) for who in people))
        for who in people:
            await has_case(database, who, 0, 200)
        await advance(clock, database, 120)
        varsler = await _varsler(kafka_settings, runtime, expected=6 * 6)
        tasks = await _tasks(kafka_settings, runtime, expected=2 * 6)

    for who in people:
        assert _varsel_days(varsler, who) == FULL_VARSLER
        assert _task_days(tasks, who) == {(56, "AKTIVITETSKRAV_VURDERING"), (119, "DIALOGMOTE_KANDIDAT")}
    ids = _expected_ids(varsler, tasks)
    assert len(ids) == len(set(ids))


OTHER_EMPLOYER = ArbeidsgiverStatus(
    orgnummer="311000128", juridisk_orgnummer=DEMO_ARBEIDSGIVER.juridisk_orgnummer, org_navn="Andre AS"
)


def _soknad(who: Sykmeldt, fom: int, tom: int, sick_until: int, **fields: object) -> dict[str, object]:
    """A søknad record as nav.no sends it for `who` with DEMO_ARBEIDSGIVER: sick to `sick_until`."""
    return {
        "id": str(uuid.uuid4()),
        "type": "ARBEIDSTAKERE",
        "fnr": who.fnr,
        "sykmeldingId": str(uuid.uuid4()),
        "arbeidsgiver": {"orgnummer": DEMO_ARBEIDSGIVER.orgnummer, "navn": "Demo AS"},
        "fom": on(fom),
        "tom": on(tom),
        "korrigerer": None,
        "sendtNav": _at_noon(tom + 1),
        "sendtArbeidsgiver": None,
        "arbeidGjenopptatt": None,
        "soknadsperioder": [
            {
                "fom": on(fom),
                "tom": on(sick_until),
                "sykmeldingsgrad": 100,
                "faktiskGrad": None,
                "sykmeldingstype": "AKTIVITET_IKKE_MULIG",
            }
        ],
        "fravar": [],
        "egenmeldinger": [],
        "behandlingsdager": [],
        "meldingTilNav": None,
        **fields,
    }


async def test_one_case_per_person_across_employers_and_a_soknad_holiday_bridging_a_gap(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(15)
    clock = VirtualClock.on(START)
    async with running(kafka_settings, database, Tidslinje, clock=clock) as runtime:
        two_jobs, on_holiday = sykmeldt(rng, runtime), sykmeldt(rng, runtime)
        await send_to_employer(kafka_settings, runtime, sykmelding(rng, two_jobs, 0, 30))
        await send_to_employer(kafka_settings, runtime, sykmelding(rng, two_jobs, 20, 60), arbeidsgiver=OTHER_EMPLOYER)
        await has_case(database, two_jobs, 0, 60, (DEMO_ARBEIDSGIVER.orgnummer, OTHER_EMPLOYER.orgnummer))

        # Sick days 0-9 and 30-40: twenty days between split them into two cases...
        await send_to_employer(
            kafka_settings, runtime, sykmelding(rng, on_holiday, 0, 9), sykmelding(rng, on_holiday, 30, 40)
        )
        await has_case(database, on_holiday, 0, 9)
        await has_case(database, on_holiday, 30, 40)
        # ...until the søknad says days 10-29 were holiday straight after sick days: then it is one.
        holiday = _soknad(on_holiday, 0, 29, 9, fravar=[{"fom": on(10), "tom": on(29), "type": "FERIE"}])
        malformed = _soknad(on_holiday, 5, 4, 4)  # fom after tom
        topic = runtime.topics.name(SYKEPENGESOKNAD)
        await produce(
            kafka_settings,
            topic,
            [(str(s["id"]).encode(), runtime.codec.encode("sykepengesoknad", s, topic)) for s in (malformed, holiday)],
        )
        await has_case(database, on_holiday, 0, 40)
        dead = await read_topic(kafka_settings, runtime.topics.name(dead_letter_topic(SYKEPENGESOKNAD)), 1)

    assert dead[0].headers["reason"] == "VALIDATION_ERROR"
    letter = runtime.codec.decode("dead_letter", dead[0].value or b"")
    assert "fom is after tom" in letter["detail"] and on_holiday.fnr not in letter["detail"]
    async with database.session() as session:
        rows = (
            await session.scalars(select(TidslinjeTilfelle).where(TidslinjeTilfelle.person_ref == two_jobs.person_ref))
        ).all()
    assert [(row.sykedager, row.arbeidsgivere) for row in rows] == [
        (61, [DEMO_ARBEIDSGIVER.orgnummer, OTHER_EMPLOYER.orgnummer])
    ]


def _tidslinje_differences(connection: Connection) -> list[object]:
    differences = compare_metadata(MigrationContext.configure(connection), metadata)
    return [difference for difference in differences if "tidslinje_" in repr(difference)]


async def test_the_migrations_make_exactly_the_tidslinje_tables_the_code_declares(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_tidslinje_differences) == []
