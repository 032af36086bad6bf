"""oppfolging through the real broker and database: routing, receipts, refusals, repeats, order and privacy.

The sykmeldinger a plan rests on come the way they do in production: on nav.sykmelding, and through
personvern's employer view once the employee has SENT them. The people each test makes up are put into
folder-backed registers (`registre_med`): employed at the demo employer in Aareg, known to the population
register, unless the test is about their not being so.
"""

import asyncio
import base64
import io
import json
import os
import random
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import Connection, Insert, delete, func, insert, select, text
from werkzeug import Request, Response

from sykmeldingsflyt.domain.oppfolgingsplan import (
    Delivery,
    DeliveryStatus,
    Dialogmelding,
    ErrorType,
    Oppfolgingsplan,
    OppfolgingsplanMottatt,
    PlanKvittering,
    PlanStatus,
)
from sykmeldingsflyt.domain.oppgave import Oppgave, Oppgavetype
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.status import ArbeidsgiverStatus, StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykmelding import ICPC2_SYSTEM, Diagnose, MedisinskVurdering, ReceivedSykmelding
from sykmeldingsflyt.domain.validering import ValidationResult
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.dead_letter import DeadLetterKeyring
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import (
    EPJ_DIALOGMELDING,
    HR_KVITTERING,
    NAV_OPPFOLGINGSPLAN,
    NAV_SYKMELDING,
    OPPFOLGINGSPLAN_FRA_HR,
    OPPFOLGINGSPLAN_MOTTATT,
    OPPGAVE_BESTILLING,
    SYKMELDING_FRA_EPJ,
    SYKMELDING_STATUS,
    Topic,
    dead_letter_topic,
)
from sykmeldingsflyt.registers.nav.aareg import PATH as AAREG_PATH
from sykmeldingsflyt.registers.nav.aareg import AaregKlient
from sykmeldingsflyt.registers.nav.fastlege import PATH as FASTLEGE_PATH
from sykmeldingsflyt.registers.nav.fastlege import Fastlegerest
from sykmeldingsflyt.registers.registre import Registre
from sykmeldingsflyt.registers.resilience import Policy
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.oppfolging import Oppfolging
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.runtime import Runtime, ServiceSettings
from sykmeldingsflyt.storage.database import Database, alembic_config
from sykmeldingsflyt.storage.segl import Post, forsegl_post
from sykmeldingsflyt.storage.tables import (
    OppfolgingSendtSykmelding,
    OppfolgingSykmelding,
    OppfolgingVentendePlan,
    PersonvernSykmelding,
)
from sykmeldingsflyt.synthetic import (
    DEMO_ARBEIDSGIVER,
    make_oppfolgingsplan,
    make_sykmelding,
    synthetic_orgnr,
    synthetic_pasient_fnr,
)
from tests.support.http import http_server, register_klient, serve_tokens
from tests.support.kafka import Received, produce, read_topic
from tests.support.registers import DEMO_FASTLEGE, UTEN_FASTLEGE_FNR, registre_med
from tests.support.services import running

pytestmark = pytest.mark.integration

SIBLING = ArbeidsgiverStatus(
    orgnummer="311000128", juridisk_orgnummer=DEMO_ARBEIDSGIVER.juridisk_orgnummer, org_navn="Bakeriet Testesen AS"
)
"""Another virksomhet of the demo employer's legal entity."""

PATIENCE = 60.0
"""Seconds to wait for the services: generous, because a loaded machine (a CI runner) is slow, not wrong."""

IMPATIENT = partial(Oppfolging, wait_for_sendt=timedelta(seconds=1))
"""oppfolging waiting only a second for a SENDT, so that a plan without one is refused at once."""
PATIENT_FOR_2S = partial(Oppfolging, wait_for_sendt=timedelta(seconds=2))
"""Waiting plans tried every half second, and one waiting for its SENDT refused after 2 s: a plan still
waiting after 3 s waits for something else."""

ROUTED = (EPJ_DIALOGMELDING, NAV_OPPFOLGINGSPLAN, OPPGAVE_BESTILLING, OPPFOLGINGSPLAN_MOTTATT)
"""Where an accepted plan goes, besides its receipt."""

REGISTER_POLICY = Policy(timeout=2.0, attempts=1, open_seconds=0.2, ttl=0.0, stale_for=0.0)
"""A register client that fails at once and never answers from its cache, so an outage shows at once."""


def _employed(tmp_path: Path, *fnrs: str, unknown: Sequence[str] = ()) -> Registre:
    """Registers in which each of `fnrs` works at the demo employer and the `unknown` do not exist."""
    employer = (DEMO_ARBEIDSGIVER.orgnummer, DEMO_ARBEIDSGIVER.juridisk_orgnummer)
    return registre_med(tmp_path / "registers", *((fnr, *employer) for fnr in fnrs), ukjente=unknown)


async def _send_nav(settings: KafkaSettings, runtime: Runtime, *sykmeldinger: ReceivedSykmelding) -> None:
    topic = runtime.topics.name(NAV_SYKMELDING)
    views = [
        NavSykmelding(received_sykmelding=s, validation_result=ValidationResult(status="OK")) for s in sykmeldinger
    ]
    await produce(
        settings,
        topic,
        [(v.received_sykmelding.sykmelding.id.encode(), contracts.encode(runtime.codec, v, topic)) for v in views],
    )


async def _send_status(
    settings: KafkaSettings,
    runtime: Runtime,
    *events: tuple[ReceivedSykmelding, StatusEvent, ArbeidsgiverStatus | None],
) -> None:
    topic = runtime.topics.name(SYKMELDING_STATUS)
    messages = []
    for received, event, employer in events:
        status = SykmeldingStatusEvent(
            event_id=str(uuid.uuid4()),
            sykmelding_id=received.sykmelding.id,
            timestamp=datetime.now(UTC),
            status_event=event,
            arbeidsgiver=employer,
        )
        messages.append((status.sykmelding_id.encode(), contracts.encode(runtime.codec, status, topic)))
    await produce(settings, topic, messages)


async def _until_known(database: Database, sykmeldinger: int, sent: Sequence[ReceivedSykmelding]) -> None:
    """Until oppfolging and personvern have taken in this many sykmeldinger, and oppfolging knows exactly
    `sent` as SENT to an employer.

    A status is sent only once personvern has its sykmelding: personvern parks a status that overtakes its
    sykmelding, and a status parked in the same instant as the sykmelding is stored can be missed.
    """
    expected = {s.sykmelding.id for s in sent}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while True:
        async with database.session() as session:
            known = await session.scalar(select(func.count()).select_from(OppfolgingSykmelding))
            in_personvern = await session.scalar(select(func.count()).select_from(PersonvernSykmelding))
            known_sent = set(await session.scalars(select(OppfolgingSendtSykmelding.sykmelding_id)))
        if (known, in_personvern, known_sent) == (sykmeldinger, sykmeldinger, expected):
            return
        if loop.time() > deadline:
            raise AssertionError(
                f"oppfolging knows {known} sykmeldinger, {len(known_sent)} sent; not {sykmeldinger}, {len(expected)}"
            )
        await asyncio.sleep(0.1)


async def _one_sykmelding(
    settings: KafkaSettings, runtime: Runtime, database: Database, rng: random.Random, fnr: str, *, sent: bool
) -> ReceivedSykmelding:
    """One sykmelding of the employee `fnr`, known to oppfolging, and SENT to the demo employer if `sent`."""
    sykmelding = make_sykmelding(rng, fom=runtime.clock.today(), pasient_fnr=fnr)
    await _send_nav(settings, runtime, sykmelding)
    await _until_known(database, sykmeldinger=1, sent=[])
    if sent:
        await _send_status(settings, runtime, (sykmelding, StatusEvent.SENDT, DEMO_ARBEIDSGIVER))
        await _until_known(database, sykmeldinger=1, sent=[sykmelding])
    return sykmelding


async def _post(settings: KafkaSettings, runtime: Runtime, *plans: Oppfolgingsplan) -> None:
    topic = runtime.topics.name(OPPFOLGINGSPLAN_FRA_HR)
    await produce(settings, topic, [(p.plan_uuid.encode(), contracts.encode(runtime.codec, p, topic)) for p in plans])


async def _read(settings: KafkaSettings, runtime: Runtime, topic: Topic, expected: int) -> list[Received]:
    messages = await read_topic(settings, runtime.topics.name(topic), expected, timeout=PATIENCE)
    assert len(messages) == expected, f"{topic.name}: {len(messages)} messages, expected {expected}"
    return messages


async def _read_all(settings: KafkaSettings, runtime: Runtime, *wanted: tuple[Topic, int]) -> list[list[Received]]:
    return list(await asyncio.gather(*(_read(settings, runtime, topic, expected) for topic, expected in wanted)))


def _decode(runtime: Runtime, messages: Sequence[Received], model: type[Any]) -> dict[str, Any]:
    """The messages by key, decoded."""
    return {(m.key or b"").decode(): contracts.decode(runtime.codec, m.value or b"", model) for m in messages}


async def test_every_combination_of_recipients(
    kafka_settings: KafkaSettings, database: Database, tmp_path: Path
) -> None:
    rng = random.Random(51)
    fnr = synthetic_pasient_fnr(rng)
    registre = _employed(tmp_path, fnr, UTEN_FASTLEGE_FNR)
    async with running(kafka_settings, database, Personvern, Oppfolging, registre=registre) as runtime:
        today = runtime.clock.today()
        sykmeldinger = [make_sykmelding(rng, fom=today, pasient_fnr=f) for f in (fnr, UTEN_FASTLEGE_FNR)]
        await _send_nav(kafka_settings, runtime, *sykmeldinger)
        await _until_known(database, sykmeldinger=2, sent=[])
        await _send_status(kafka_settings, runtime, *((s, StatusEvent.SENDT, DEMO_ARBEIDSGIVER) for s in sykmeldinger))
        await _until_known(database, sykmeldinger=2, sent=sykmeldinger)
        plans = [
            make_oppfolgingsplan(
                fnr,
                today,
                send_plan_to_general_practitioner=to_doctor,
                send_plan_to_nav=to_nav,
                needs_help_from_nav=help_from_nav,
                needs_help_from_nav_description="Tilskudd til ståbord" if help_from_nav else None,
            )
            for to_doctor in (True, False)
            for to_nav, help_from_nav in ((False, False), (True, False), (True, True))
        ]
        # The legal entity posts for its virksomhet, for an employee without a fastlege.
        no_fastlege = make_oppfolgingsplan(UTEN_FASTLEGE_FNR, today, orgnummer=DEMO_ARBEIDSGIVER.juridisk_orgnummer)
        await _post(kafka_settings, runtime, *plans, no_fastlege)

        receipts, dialogmeldinger, to_nav, oppgaver, mottatt = await _read_all(
            kafka_settings,
            runtime,
            (HR_KVITTERING, 7),
            (EPJ_DIALOGMELDING, 3),
            (NAV_OPPFOLGINGSPLAN, 5),
            (OPPGAVE_BESTILLING, 2),
            (OPPFOLGINGSPLAN_MOTTATT, 7),
        )

    kvitteringer: dict[str, PlanKvittering] = _decode(runtime, receipts, PlanKvittering)
    sent, not_requested = Delivery(status=DeliveryStatus.SENT), Delivery(status=DeliveryStatus.NOT_REQUESTED)
    for plan in plans:
        kvittering = kvitteringer[plan.plan_uuid]
        assert kvittering.status is PlanStatus.ACCEPTED and kvittering.plan_uuid == plan.plan_uuid
        assert kvittering.general_practitioner == (sent if plan.send_plan_to_general_practitioner else not_requested)
        assert kvittering.nav == (sent if plan.send_plan_to_nav else not_requested)
    assert kvitteringer[no_fastlege.plan_uuid].general_practitioner == Delivery(
        status=DeliveryStatus.FAILED, reason=ErrorType.GENERAL_PRACTITIONER_NOT_FOUND
    )
    assert kvitteringer[no_fastlege.plan_uuid].nav == sent
    assert {m.headers["orgnummer"] for m in receipts} == {
        DEMO_ARBEIDSGIVER.orgnummer,
        DEMO_ARBEIDSGIVER.juridisk_orgnummer,
    }

    to_doctor: dict[str, Dialogmelding] = _decode(runtime, dialogmeldinger, Dialogmelding)
    assert set(to_doctor) == {p.plan_uuid for p in plans if p.send_plan_to_general_practitioner}
    assert {m.headers["her-id"] for m in dialogmeldinger} == {DEMO_FASTLEGE.her_id}
    assert all(m.employee_identification_number == fnr and m.her_id == DEMO_FASTLEGE.her_id for m in to_doctor.values())

    nav_plans: dict[str, Oppfolgingsplan] = _decode(runtime, to_nav, Oppfolgingsplan)
    assert nav_plans == {p.plan_uuid: p for p in [*plans, no_fastlege] if p.send_plan_to_nav}

    ref = person_ref(fnr, runtime.settings.pseudonym_key)
    tasks: list[Oppgave] = list(_decode(runtime, oppgaver, Oppgave).values())
    assert sorted(t.referanse for t in tasks) == sorted(p.plan_uuid for p in plans if p.needs_help_from_nav)
    assert all(t.type is Oppgavetype.OPPFOLGINGSPLAN_BISTAND and t.person_ref == ref for t in tasks)

    events: dict[str, OppfolgingsplanMottatt] = _decode(runtime, mottatt, OppfolgingsplanMottatt)
    assert set(events) == {p.plan_uuid for p in [*plans, no_fastlege]}
    assert {e.orgnummer for e in events.values()} == {DEMO_ARBEIDSGIVER.orgnummer}
    assert events[plans[0].plan_uuid].person_ref == ref
    assert events[plans[0].plan_uuid].evaluation_date == plans[0].evaluation_date


async def test_every_refusal_code_with_its_receipt_and_dead_letter(
    kafka_settings: KafkaSettings, database: Database, tmp_path: Path
) -> None:
    rng = random.Random(52)
    cases = ("ok", "other", "sibling", "unsent", "withdrawn", "over", "unknown", "jobless")
    fnrs = {case: synthetic_pasient_fnr(rng) for case in cases}
    # "jobless" works nowhere Aareg knows; "unknown" is not in the population register: each has a
    # sykmelding SENT to the employer, so only the register can refuse them.
    registre = _employed(tmp_path, *(fnr for case, fnr in fnrs.items() if case != "jobless"), unknown=[fnrs["unknown"]])
    async with running(kafka_settings, database, Personvern, IMPATIENT, registre=registre) as runtime:
        today = runtime.clock.today()
        other_employer = ArbeidsgiverStatus(
            orgnummer=synthetic_orgnr(rng), juridisk_orgnummer=synthetic_orgnr(rng), org_navn="Annet AS"
        )
        sykmeldinger = {case: make_sykmelding(rng, fom=today, pasient_fnr=fnr) for case, fnr in fnrs.items()}
        sykmeldinger["over"] = make_sykmelding(
            rng, fom=today - timedelta(days=40), tom=today - timedelta(days=17), pasient_fnr=fnrs["over"]
        )
        await _send_nav(kafka_settings, runtime, *sykmeldinger.values())
        await _until_known(database, sykmeldinger=len(cases), sent=[])
        sent_here = ("ok", "withdrawn", "over", "unknown", "jobless")
        await _send_status(
            kafka_settings,
            runtime,
            *((sykmeldinger[case], StatusEvent.SENDT, DEMO_ARBEIDSGIVER) for case in sent_here),
            (sykmeldinger["other"], StatusEvent.SENDT, other_employer),
            (sykmeldinger["sibling"], StatusEvent.SENDT, SIBLING),
            (sykmeldinger["withdrawn"], StatusEvent.AVBRUTT, None),
        )
        still_sent = [sykmeldinger[case] for case in cases if case not in ("unsent", "withdrawn")]
        await _until_known(database, len(cases), sent=still_sent)

        ok = fnrs["ok"]
        valid = {case: make_oppfolgingsplan(fnrs[case], today) for case in cases if case != "ok"}
        broken = {
            "needsHelpFromNav": make_oppfolgingsplan(
                ok, today, needs_help_from_nav=True, needs_help_from_nav_description="x", send_plan_to_nav=False
            ),
            "evaluationDate": make_oppfolgingsplan(ok, today, evaluation_date=today - timedelta(days=1)),
        }
        await _post(kafka_settings, runtime, *valid.values(), *broken.values())
        topic = runtime.topics.name(OPPFOLGINGSPLAN_FRA_HR)
        bad_fnr_uuid, garbage_uuid = str(uuid.uuid4()), str(uuid.uuid4())
        bad_fnr = make_oppfolgingsplan(ok, today, plan_uuid=bad_fnr_uuid).to_wire() | {
            "employeeIdentificationNumber": "12345678901"
        }
        await produce(
            kafka_settings,
            topic,
            [
                (bad_fnr_uuid.encode(), runtime.codec.encode("oppfolgingsplan", bad_fnr, topic)),
                (garbage_uuid.encode(), b"garbage"),
                (b"12345678901", b"garbage"),  # a key that is no plan uuid is not echoed
            ],
        )

        receipts, dead = await _read_all(
            kafka_settings, runtime, (HR_KVITTERING, 12), (dead_letter_topic(OPPFOLGINGSPLAN_FRA_HR), 12)
        )
        routed = await _read_all(kafka_settings, runtime, *((topic, 0) for topic in ROUTED))

    kvitteringer: dict[str, PlanKvittering] = _decode(runtime, receipts, PlanKvittering)
    assert all(k.status is PlanStatus.REFUSED for k in kvitteringer.values())
    outcome = {key: (k.code, k.field) for key, k in kvitteringer.items()}
    no_active = (ErrorType.NO_ACTIVE_SENT_SYKMELDING, None)
    assert outcome == {
        valid["other"].plan_uuid: no_active,
        valid["sibling"].plan_uuid: no_active,
        valid["unsent"].plan_uuid: no_active,
        valid["withdrawn"].plan_uuid: no_active,
        valid["over"].plan_uuid: no_active,
        valid["unknown"].plan_uuid: (ErrorType.EMPLOYEE_NOT_FOUND, None),
        valid["jobless"].plan_uuid: (ErrorType.NO_ACTIVE_EMPLOYMENT, None),
        broken["needsHelpFromNav"].plan_uuid: (ErrorType.VALIDATION_ERROR, "needsHelpFromNav"),
        broken["evaluationDate"].plan_uuid: (ErrorType.VALIDATION_ERROR, "evaluationDate"),
        bad_fnr_uuid: (ErrorType.VALIDATION_ERROR, "employeeIdentificationNumber"),
        garbage_uuid: (ErrorType.VALIDATION_ERROR, None),
        "ukjent": (ErrorType.VALIDATION_ERROR, None),
    }
    assert kvitteringer["ukjent"].plan_uuid is None
    assert sorted(m.headers["reason"] for m in dead) == sorted(
        ["NO_ACTIVE_SENT_SYKMELDING"] * 5
        + ["EMPLOYEE_NOT_FOUND", "NO_ACTIVE_EMPLOYMENT"]
        + ["VALIDATION_ERROR"] * 3
        + ["MALFORMED_MESSAGE"] * 2
    )
    everything = b"".join((m.key or b"") + (m.value or b"") + repr(m.headers).encode() for m in receipts)
    assert b"12345678901" not in everything
    assert not [case for case, fnr in fnrs.items() if fnr.encode() in everything]
    assert routed == [[], [], [], []]


async def test_the_same_plan_uuid_twice_is_routed_once_and_answered_again(
    kafka_settings: KafkaSettings, database: Database, tmp_path: Path
) -> None:
    rng = random.Random(53)
    fnr = synthetic_pasient_fnr(rng)
    async with running(kafka_settings, database, Personvern, Oppfolging, registre=_employed(tmp_path, fnr)) as runtime:
        sykmelding = await _one_sykmelding(kafka_settings, runtime, database, rng, fnr, sent=True)
        plan = make_oppfolgingsplan(
            sykmelding.pasient_fnr,
            runtime.clock.today(),
            needs_help_from_nav=True,
            needs_help_from_nav_description="Hjelpemidler",
        )
        await _post(kafka_settings, runtime, plan)
        first = await _read(kafka_settings, runtime, HR_KVITTERING, 1)
        await _post(kafka_settings, runtime, plan, plan.model_copy(update={"follow_up": "Endret, men samme uuid."}))

        receipts, *routed = await _read_all(
            kafka_settings, runtime, (HR_KVITTERING, 3), *((topic, 1) for topic in ROUTED)
        )

    assert [m.value for m in receipts] == [first[0].value] * 3
    assert len({m.event_id for m in receipts}) == 3
    assert all(len(messages) == 1 for messages in routed)
    (nav_plan,) = _decode(runtime, routed[1], Oppfolgingsplan).values()
    assert nav_plan == plan


async def test_a_refused_plan_can_be_sent_again_under_its_uuid_once_the_cause_is_fixed(
    kafka_settings: KafkaSettings, database: Database, tmp_path: Path
) -> None:
    rng = random.Random(54)
    fnr = synthetic_pasient_fnr(rng)
    async with running(kafka_settings, database, Personvern, IMPATIENT, registre=_employed(tmp_path, fnr)) as runtime:
        sykmelding = await _one_sykmelding(kafka_settings, runtime, database, rng, fnr, sent=False)
        plan = make_oppfolgingsplan(sykmelding.pasient_fnr, runtime.clock.today())
        await _post(kafka_settings, runtime, plan)
        refused = await _read(kafka_settings, runtime, HR_KVITTERING, 1)
        await _send_status(kafka_settings, runtime, (sykmelding, StatusEvent.SENDT, DEMO_ARBEIDSGIVER))
        await _until_known(database, sykmeldinger=1, sent=[sykmelding])
        await _post(kafka_settings, runtime, plan)
        receipts = await _read(kafka_settings, runtime, HR_KVITTERING, 2)

    statuses = [k.status for k in (contracts.decode(runtime.codec, m.value or b"", PlanKvittering) for m in receipts)]
    assert (
        contracts.decode(runtime.codec, refused[0].value or b"", PlanKvittering).code
        is ErrorType.NO_ACTIVE_SENT_SYKMELDING
    )
    assert statuses == [PlanStatus.REFUSED, PlanStatus.ACCEPTED]


async def test_a_plan_that_overtakes_the_sendt_status_waits_for_it(
    kafka_settings: KafkaSettings, database: Database, tmp_path: Path
) -> None:
    rng = random.Random(55)
    fnr = synthetic_pasient_fnr(rng)
    async with running(kafka_settings, database, Personvern, Oppfolging, registre=_employed(tmp_path, fnr)) as runtime:
        sykmelding = await _one_sykmelding(kafka_settings, runtime, database, rng, fnr, sent=False)
        plan = make_oppfolgingsplan(sykmelding.pasient_fnr, runtime.clock.today())
        await _post(kafka_settings, runtime, plan, plan)  # the HR system retried while it waited
        early = await read_topic(kafka_settings, runtime.topics.name(HR_KVITTERING), expected=0)
        await _send_status(kafka_settings, runtime, (sykmelding, StatusEvent.SENDT, DEMO_ARBEIDSGIVER))
        late, dialogmeldinger = await _read_all(kafka_settings, runtime, (HR_KVITTERING, 1), (EPJ_DIALOGMELDING, 1))

    assert early == []
    kvittering = contracts.decode(runtime.codec, late[0].value or b"", PlanKvittering)
    assert (kvittering.plan_uuid, kvittering.status) == (plan.plan_uuid, PlanStatus.ACCEPTED)
    assert dialogmeldinger[0].key == plan.plan_uuid.encode()


class _Fastlegerest:
    """fastlegerest giving every patient the demo doctor, or 503 while `down`."""

    def __init__(self) -> None:
        self.down = True

    def __call__(self, request: Request) -> Response:
        if self.down:
            return Response("Service Unavailable", status=503)
        assert DEMO_FASTLEGE.her_id.isdigit()
        body = {"herId": int(DEMO_FASTLEGE.her_id), "foreldreEnhetHerId": int(DEMO_FASTLEGE.legekontor_her_id)}
        return Response(json.dumps(body), content_type="application/json")


async def test_a_plan_for_the_fastlege_waits_while_the_register_is_down_past_any_wait(
    kafka_settings: KafkaSettings, database: Database, tmp_path: Path
) -> None:
    rng = random.Random(57)
    fnr = synthetic_pasient_fnr(rng)
    fastlegerest = _Fastlegerest()
    with http_server() as server:
        serve_tokens(server)
        server.expect_request(FASTLEGE_PATH).respond_with_handler(fastlegerest)
        async with httpx.AsyncClient() as http:
            fastleger = Fastlegerest(register_klient(server, http, "fastlegerest", REGISTER_POLICY))
            registre = replace(_employed(tmp_path, fnr), fastlegeregister=fastleger)
            async with running(kafka_settings, database, Personvern, PATIENT_FOR_2S, registre=registre) as runtime:
                sykmelding = await _one_sykmelding(kafka_settings, runtime, database, rng, fnr, sent=True)
                plan = make_oppfolgingsplan(sykmelding.pasient_fnr, runtime.clock.today())
                assert plan.send_plan_to_general_practitioner
                await _post(kafka_settings, runtime, plan)
                await asyncio.sleep(3.0)  # past the 2 s any other wait would have taken
                early = await read_topic(kafka_settings, runtime.topics.name(HR_KVITTERING), expected=0)
                fastlegerest.down = False
                late, dialogmeldinger = await _read_all(
                    kafka_settings, runtime, (HR_KVITTERING, 1), (EPJ_DIALOGMELDING, 1)
                )

    assert early == []
    kvittering = contracts.decode(runtime.codec, late[0].value or b"", PlanKvittering)
    assert (kvittering.plan_uuid, kvittering.status) == (plan.plan_uuid, PlanStatus.ACCEPTED)
    assert kvittering.general_practitioner == Delivery(status=DeliveryStatus.SENT)
    assert dialogmeldinger[0].headers["her-id"] == DEMO_FASTLEGE.her_id


def _ansatt_hos_demo_arbeidsgiveren() -> list[dict[str, Any]]:
    """Aareg's answer (API v2) for an employee of the demo employer since 2020."""

    def enhet(type_: str, orgnr: str) -> dict[str, Any]:
        return {"type": type_, "identer": [{"type": "ORGANISASJONSNUMMER", "ident": orgnr}]}

    return [
        {
            "arbeidssted": enhet("Underenhet", DEMO_ARBEIDSGIVER.orgnummer),
            "opplysningspliktig": enhet("Hovedenhet", DEMO_ARBEIDSGIVER.juridisk_orgnummer),
            "ansettelsesperiode": {"startdato": "2020-01-01"},
        }
    ]


async def test_a_plan_waits_while_aareg_is_stopped_and_is_accepted_once_it_is_back(
    kafka_settings: KafkaSettings, database: Database, tmp_path: Path
) -> None:
    """Aareg over its real HTTP client, its server stopped when the plan comes and started again after
    any other wait would have refused the plan: an outage delays the plan, never refuses or loses it."""
    rng = random.Random(58)
    fnr = synthetic_pasient_fnr(rng)
    canary = f"KANARI{uuid.uuid4().hex[:8]}"
    with http_server() as issuer, http_server() as server:
        serve_tokens(issuer)
        server.expect_request(AAREG_PATH, headers={"Nav-Personident": fnr}).respond_with_json(
            _ansatt_hos_demo_arbeidsgiveren()
        )
        server.stop()
        async with httpx.AsyncClient() as http:
            aareg = AaregKlient(register_klient(server, http, "aareg", REGISTER_POLICY, tokens_from=issuer))
            # Aareg alone knows the employment: the folder's Aareg would refuse the plan.
            registre = replace(_employed(tmp_path), aareg=aareg)
            async with running(kafka_settings, database, Personvern, PATIENT_FOR_2S, registre=registre) as runtime:
                sykmelding = await _one_sykmelding(kafka_settings, runtime, database, rng, fnr, sent=True)
                plan = make_oppfolgingsplan(sykmelding.pasient_fnr, runtime.clock.today(), typical_workday=canary)
                await _post(kafka_settings, runtime, plan)
                await asyncio.sleep(3.0)  # past the 2 s a plan waits for its SENDT
                at_rest = await _waiting_at_rest(database)
                early = await read_topic(kafka_settings, runtime.topics.name(HR_KVITTERING), expected=0)
                dead_early = await read_topic(
                    kafka_settings, runtime.topics.name(dead_letter_topic(OPPFOLGINGSPLAN_FRA_HR)), expected=0
                )
                server.start()
                late, mottatt = await _read_all(
                    kafka_settings, runtime, (HR_KVITTERING, 1), (OPPFOLGINGSPLAN_MOTTATT, 1)
                )

    assert early == [] and dead_early == []
    # While it waits the plan is sealed at rest: neither the fnr nor what the plan says is in its row.
    [(key_id, key, value)] = at_rest
    assert key_id == runtime.dead_letters.keyring.current
    assert not [secret for secret in (fnr, canary, plan.plan_uuid) if secret.encode() in key + value]
    kvittering = contracts.decode(runtime.codec, late[0].value or b"", PlanKvittering)
    assert (kvittering.plan_uuid, kvittering.status) == (plan.plan_uuid, PlanStatus.ACCEPTED)
    assert mottatt[0].key == plan.plan_uuid.encode()
    assert await _waiting_at_rest(database) == []


async def _waiting_at_rest(database: Database) -> list[tuple[str | None, bytes, bytes]]:
    """Each waiting plan's key id, key and value as the database holds them."""
    async with database.session() as session:
        rows = await session.execute(text("SELECT key_id, key, value FROM oppfolging_ventende_plan"))
        return [(key_id, bytes(key), bytes(value)) for key_id, key, value in rows]


async def test_a_plan_stored_in_the_clear_before_sealing_is_still_accepted(
    kafka_settings: KafkaSettings, database: Database, tmp_path: Path
) -> None:
    """A plan waiting since before migration 0011_ventende has no key id: it is read in the clear, and
    accepted when its SENDT comes."""
    rng = random.Random(59)
    fnr = synthetic_pasient_fnr(rng)
    patient = partial(Oppfolging, wait_for_sendt=timedelta(seconds=60))
    async with running(kafka_settings, database, Personvern, patient, registre=_employed(tmp_path, fnr)) as runtime:
        plan = make_oppfolgingsplan(fnr, runtime.clock.today())
        topic = runtime.topics.name(OPPFOLGINGSPLAN_FRA_HR)
        clear = Post(None, plan.plan_uuid.encode(), contracts.encode(runtime.codec, plan, topic))
        async with database.session.begin() as session:
            await session.execute(
                _stored_waiting(plan.plan_uuid, person_ref(fnr, runtime.settings.pseudonym_key), clear, topic)
            )
        [(key_id, _, value)] = await _waiting_at_rest(database)
        await _one_sykmelding(kafka_settings, runtime, database, rng, fnr, sent=True)
        [receipt] = await _read(kafka_settings, runtime, HR_KVITTERING, 1)

    assert key_id is None and fnr.encode() in value
    kvittering = contracts.decode(runtime.codec, receipt.value or b"", PlanKvittering)
    assert (kvittering.plan_uuid, kvittering.status) == (plan.plan_uuid, PlanStatus.ACCEPTED)
    assert await _waiting_at_rest(database) == []


def _stored_waiting(plan_uuid: str, ref: str, post: Post, topic: str) -> Insert:
    """A waiting plan's row, read from `topic`; without a key id, of the columns the table had before
    sealing (`key_id` is left to the column's NULL)."""
    sealed_with = {} if post.key_id is None else {"key_id": post.key_id}
    return insert(OppfolgingVentendePlan).values(
        plan_uuid=plan_uuid,
        person_ref=ref,
        key=post.key,
        value=post.value,
        source_topic=topic,
        source_partition=0,
        source_offset=0,
        received_at=datetime.now(UTC),
        **sealed_with,
    )


async def test_a_waiting_plan_the_keyring_cannot_open_holds_up_nothing(
    kafka_settings: KafkaSettings, database: Database, tmp_path: Path
) -> None:
    """A plan sealed under a key since dropped from the keyring stays waiting; the person's sykmelding and
    their next plan go through as ever."""
    rng = random.Random(60)
    fnr = synthetic_pasient_fnr(rng)
    dropped = DeadLetterKeyring.parse(f"gammel:{base64.b64encode(os.urandom(32)).decode()}")
    registre = _employed(tmp_path, fnr)
    async with running(kafka_settings, database, Personvern, PATIENT_FOR_2S, registre=registre) as runtime:
        lost = make_oppfolgingsplan(fnr, runtime.clock.today())
        topic = runtime.topics.name(OPPFOLGINGSPLAN_FRA_HR)
        record = contracts.encode(runtime.codec, lost, topic)
        sealed = forsegl_post(dropped, "oppfolging_ventende_plan", lost.plan_uuid, lost.plan_uuid.encode(), record)
        async with database.session.begin() as session:
            await session.execute(
                _stored_waiting(lost.plan_uuid, person_ref(fnr, runtime.settings.pseudonym_key), sealed, topic)
            )
        await _one_sykmelding(kafka_settings, runtime, database, rng, fnr, sent=True)
        plan = make_oppfolgingsplan(fnr, runtime.clock.today())
        await _post(kafka_settings, runtime, plan)
        [receipt] = await _read(kafka_settings, runtime, HR_KVITTERING, 1)

    kvittering = contracts.decode(runtime.codec, receipt.value or b"", PlanKvittering)
    assert (kvittering.plan_uuid, kvittering.status) == (plan.plan_uuid, PlanStatus.ACCEPTED)
    assert [key_id for key_id, _, _ in await _waiting_at_rest(database)] == ["gammel"]


def _alembic(connection: Connection, action: str, target: str) -> None:
    getattr(command, action)(alembic_config(connection), target)


async def test_the_migration_goes_down_only_while_no_waiting_plan_is_sealed(database: Database) -> None:
    keyring = ServiceSettings().dead_letter_keyring
    sealed = forsegl_post(keyring, "oppfolging_ventende_plan", "plan", b"plan", b"fnr og plan")
    async with database.engine.begin() as connection:
        await connection.execute(_stored_waiting("plan", "ref", sealed, "oppfolgingsplan"))
    async with database.engine.begin() as connection:
        with pytest.raises(RuntimeError, match="1 waiting plans are sealed"):
            await connection.run_sync(_alembic, "downgrade", "0011_romhandling")
    async with database.engine.begin() as connection:
        await connection.execute(delete(OppfolgingVentendePlan))
        await connection.run_sync(_alembic, "downgrade", "0011_romhandling")
        await connection.run_sync(_alembic, "upgrade", "heads")


async def test_the_whole_flow_carries_no_diagnosis_with_the_plan(
    kafka_settings: KafkaSettings, database: Database, tmp_path: Path
) -> None:
    captured = io.StringIO()
    configure_logging("DEBUG", stream=captured)
    canary = f"KANARI{uuid.uuid4().hex[:8]}"
    rng = random.Random(56)
    fnr = synthetic_pasient_fnr(rng)
    services = (Mottak, Personvern, Oppfolging)
    async with running(kafka_settings, database, *services, registre=_employed(tmp_path, fnr)) as runtime:
        today = runtime.clock.today()
        diagnose = Diagnose(system=ICPC2_SYSTEM, kode="L87", tekst=f"{canary}-hoveddiagnose")
        medical = MedisinskVurdering(hoved_diagnose=diagnose, svangerskap=False, yrkesskade=False)
        received = make_sykmelding(rng, fom=today, pasient_fnr=fnr, medisinsk_vurdering=medical)
        source = runtime.topics.name(SYKMELDING_FRA_EPJ)
        await produce(
            kafka_settings, source, [(received.msg_id.encode(), contracts.encode(runtime.codec, received, source))]
        )
        await _until_known(database, sykmeldinger=1, sent=[])
        await _send_status(kafka_settings, runtime, (received, StatusEvent.SENDT, DEMO_ARBEIDSGIVER))
        await _until_known(database, sykmeldinger=1, sent=[received])
        plan = make_oppfolgingsplan(
            fnr, today, needs_help_from_nav=True, needs_help_from_nav_description="Hjelpemidler"
        )
        await _post(kafka_settings, runtime, plan)

        nav_sykmelding, receipt, *outputs = await _read_all(
            kafka_settings, runtime, (NAV_SYKMELDING, 1), (HR_KVITTERING, 1), *((topic, 1) for topic in ROUTED)
        )

    # NAV is entitled to the medical content: the canary must be there, or this test proves nothing.
    assert canary.encode() in (nav_sykmelding[0].value or b"")
    assert contracts.decode(runtime.codec, receipt[0].value or b"", PlanKvittering).status is PlanStatus.ACCEPTED
    dialogmelding, to_nav, oppgave, mottatt = outputs
    for message in receipt + dialogmelding + to_nav + oppgave + mottatt:
        everything = (message.key or b"") + (message.value or b"") + repr(message.headers).encode()
        assert canary.encode() not in everything and b"L87" not in everything
        # The fnr goes only to those who need it to know whose plan it is: the doctor and NAV.
        assert (fnr.encode() in everything) is (message in dialogmelding + to_nav)
    logs = captured.getvalue()
    assert canary not in logs and fnr not in logs
