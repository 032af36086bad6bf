"""personvern through the real broker and database: views, order, repetition, refusals and canaries."""

import io
import random
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.status import ArbeidsgiverStatus, StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykmelding import (
    AnnenFraversArsak,
    Diagnose,
    MedisinskVurdering,
    MeldingTilNAV,
    ReceivedSykmelding,
    SporsmalSvar,
    SvarRestriksjon,
)
from sykmeldingsflyt.domain.validering import ValidationResult
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding, NavSykmelding
from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import (
    ARBEIDSGIVER_SYKMELDING,
    NAV_SYKMELDING,
    SYKMELDING_FRA_EPJ,
    SYKMELDING_STATUS,
    dead_letter_topic,
)
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER
from tests.support.kafka import produce, read_topic
from tests.support.services import running

pytestmark = pytest.mark.integration

OTHER_EMPLOYER = ArbeidsgiverStatus(orgnummer="311000128", juridisk_orgnummer="311000004", org_navn="Annet AS")


def _status(
    sykmelding_id: str, event: StatusEvent, employer: ArbeidsgiverStatus | None = None
) -> SykmeldingStatusEvent:
    return SykmeldingStatusEvent(
        event_id=str(uuid.uuid4()),
        sykmelding_id=sykmelding_id,
        timestamp=datetime.now(UTC),
        status_event=event,
        arbeidsgiver=employer,
    )


async def _send_status(settings: KafkaSettings, runtime: Runtime, *events: SykmeldingStatusEvent) -> None:
    topic = runtime.topics.name(SYKMELDING_STATUS)
    await produce(
        settings, topic, [(e.sykmelding_id.encode(), contracts.encode(runtime.codec, e, topic)) for e in events]
    )


async def _send_nav(settings: KafkaSettings, runtime: Runtime, received: ReceivedSykmelding) -> None:
    topic = runtime.topics.name(NAV_SYKMELDING)
    view = NavSykmelding(received_sykmelding=received, validation_result=ValidationResult(status="OK"))
    await produce(settings, topic, [(received.sykmelding.id.encode(), contracts.encode(runtime.codec, view, topic))])


async def test_sent_then_cancelled_publishes_the_view_then_a_tombstone(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(11)
    async with running(kafka_settings, database, Mottak, Personvern) as runtime:
        received = synthetic.make_sykmelding(rng, fom=runtime.clock.today())
        source = runtime.topics.name(SYKMELDING_FRA_EPJ)
        await produce(
            kafka_settings, source, [(received.msg_id.encode(), contracts.encode(runtime.codec, received, source))]
        )
        sendt = _status(received.sykmelding.id, StatusEvent.SENDT, DEMO_ARBEIDSGIVER)
        await _send_status(kafka_settings, runtime, sendt)
        employer = runtime.topics.name(ARBEIDSGIVER_SYKMELDING)
        first = await read_topic(kafka_settings, employer, expected=1)
        await _send_status(kafka_settings, runtime, sendt, _status(received.sykmelding.id, StatusEvent.AVBRUTT))
        messages = await read_topic(kafka_settings, employer, expected=2)

    assert len(first) == 1 and [m.key for m in messages] == [received.sykmelding.id.encode()] * 2
    view = contracts.decode(runtime.codec, messages[0].value or b"", ArbeidsgiverSykmelding)
    assert view.id == received.sykmelding.id and view.orgnummer == DEMO_ARBEIDSGIVER.orgnummer
    assert messages[0].headers["orgnummer"] == DEMO_ARBEIDSGIVER.orgnummer
    assert messages[0].headers["juridisk-orgnummer"] == DEMO_ARBEIDSGIVER.juridisk_orgnummer
    assert messages[1].value is None and messages[1].headers["orgnummer"] == DEMO_ARBEIDSGIVER.orgnummer


async def test_a_status_that_overtakes_its_sykmelding_waits_for_it(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(12)
    async with running(kafka_settings, database, Personvern) as runtime:
        received = synthetic.make_sykmelding(rng, fom=runtime.clock.today())
        await _send_status(
            kafka_settings, runtime, _status(received.sykmelding.id, StatusEvent.SENDT, DEMO_ARBEIDSGIVER)
        )
        early = await read_topic(kafka_settings, runtime.topics.name(ARBEIDSGIVER_SYKMELDING), expected=0)
        await _send_nav(kafka_settings, runtime, received)
        late = await read_topic(kafka_settings, runtime.topics.name(ARBEIDSGIVER_SYKMELDING), expected=1)

    assert early == []
    assert [message.key for message in late] == [received.sykmelding.id.encode()]


async def test_refusals_go_to_the_dead_letter_topic_and_change_nothing(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    rng = random.Random(13)
    async with running(
        kafka_settings, database, partial(Personvern, wait_for_sykmelding=timedelta(seconds=4))
    ) as runtime:
        received = synthetic.make_sykmelding(rng, fom=runtime.clock.today())
        await _send_nav(kafka_settings, runtime, received)
        await _send_status(
            kafka_settings, runtime, _status(received.sykmelding.id, StatusEvent.SENDT, DEMO_ARBEIDSGIVER)
        )
        employer = await read_topic(kafka_settings, runtime.topics.name(ARBEIDSGIVER_SYKMELDING), expected=1)
        await _send_status(
            kafka_settings,
            runtime,
            _status(received.sykmelding.id, StatusEvent.SENDT, OTHER_EMPLOYER),
            _status(received.sykmelding.id, StatusEvent.GJENAPNET),
            _status(str(uuid.uuid4()), StatusEvent.BEKREFTET),  # no such sykmelding, ever
        )
        topic = runtime.topics.name(SYKMELDING_STATUS)
        await produce(kafka_settings, topic, [(b"x", b"garbage")])
        dead = await read_topic(kafka_settings, runtime.topics.name(dead_letter_topic(SYKMELDING_STATUS)), 4)
        employer += await read_topic(kafka_settings, runtime.topics.name(ARBEIDSGIVER_SYKMELDING), expected=1)

    assert sorted(m.headers["reason"] for m in dead) == [
        "ANNEN_ARBEIDSGIVER",
        "MALFORMED_MESSAGE",
        "UGYLDIG_OVERGANG",
        "UKJENT_SYKMELDING",
    ]
    # Read twice, so the one view appears twice: the refused events added nothing.
    assert [contracts.decode(runtime.codec, m.value or b"", ArbeidsgiverSykmelding).orgnummer for m in employer] == [
        DEMO_ARBEIDSGIVER.orgnummer
    ] * 2


def _with_canaries(received: ReceivedSykmelding, canary: str) -> ReceivedSykmelding:
    sykmelding = received.sykmelding
    medical = MedisinskVurdering(
        hoved_diagnose=Diagnose(system="2.16.578.1.12.4.1.1.7170", kode="L87", tekst=f"{canary}-hoveddiagnose"),
        bi_diagnoser=[Diagnose(system="2.16.578.1.12.4.1.1.7110", kode="M545", tekst=f"{canary}-bidiagnose")],
        svangerskap=True,
        yrkesskade=True,
        yrkesskade_dato=sykmelding.perioder[0].fom,
        annen_fravers_arsak=AnnenFraversArsak(beskrivelse=f"{canary}-annenfravarsarsak"),
    )
    answers = {
        "6.2": {
            "6.2.1": SporsmalSvar(
                sporsmal=f"{canary}-sporsmal",
                svar=f"{canary}-svar",
                restriksjoner=[SvarRestriksjon.SKJERMET_FOR_ARBEIDSGIVER],
            )
        }
    }
    return received.model_copy(
        update={
            "sykmelding": sykmelding.model_copy(
                update={
                    "medisinsk_vurdering": medical,
                    "utdypende_opplysninger": answers,
                    "tiltak_nav": f"{canary}-tiltaknav",
                    "andre_tiltak": f"{canary}-andretiltak",
                    "melding_til_nav": MeldingTilNAV(
                        bistand_umiddelbart=True, beskriv_bistand=f"{canary}-meldingtilnav"
                    ),
                }
            )
        }
    )


async def test_no_medical_canary_reaches_the_employer_topic_its_dead_letters_or_the_logs(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    captured = io.StringIO()
    configure_logging("DEBUG", stream=captured)
    canary = f"KANARI{uuid.uuid4().hex[:8]}"
    rng = random.Random(14)
    async with running(kafka_settings, database, Mottak, Personvern) as runtime:
        sykmeldinger = [
            _with_canaries(synthetic.make_sykmelding(rng, fom=runtime.clock.today()), canary) for _ in range(20)
        ]
        source = runtime.topics.name(SYKMELDING_FRA_EPJ)
        await produce(
            kafka_settings,
            source,
            [(s.msg_id.encode(), contracts.encode(runtime.codec, s, source)) for s in sykmeldinger],
        )
        events = [_status(s.sykmelding.id, StatusEvent.SENDT, DEMO_ARBEIDSGIVER) for s in sykmeldinger]
        await _send_status(
            kafka_settings, runtime, *events, _status(sykmeldinger[0].sykmelding.id, StatusEvent.SENDT, OTHER_EMPLOYER)
        )
        employer = await read_topic(kafka_settings, runtime.topics.name(ARBEIDSGIVER_SYKMELDING), expected=20)
        dead = await read_topic(kafka_settings, runtime.topics.name(dead_letter_topic(SYKMELDING_STATUS)), expected=1)
        nav = await read_topic(kafka_settings, runtime.topics.name(NAV_SYKMELDING), expected=20)

    assert len(employer) == 20 and len(dead) == 1
    # NAV is entitled to the medical content: the canary must be there, or this test proves nothing.
    assert all(canary.encode() in (m.value or b"") for m in nav)
    forbidden = [canary.encode(), b"L87", b"M545", *(s.pasient_fnr.encode() for s in sykmeldinger)]
    for message in employer + dead:
        everything = (message.key or b"") + (message.value or b"") + repr(message.headers).encode()
        for value in forbidden:
            assert value not in everything
    logs = captured.getvalue()
    assert canary not in logs and not any(s.pasient_fnr in logs for s in sykmeldinger)
