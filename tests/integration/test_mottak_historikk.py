"""mottak's history through the real broker and PostgreSQL (issue 11): what it stores of one sykmelding
decides the next, as NAV's rules would; the employee's status on sykmelding.status counts too."""

import asyncio
import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.kvittering import Kvittering, KvitteringStatus
from sykmeldingsflyt.domain.status import StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykmelding import (
    AktivitetIkkeMulig,
    KontaktMedPasient,
    MedisinskArsak,
    Periode,
    ReceivedSykmelding,
)
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import EPJ_KVITTERING, NAV_SYKMELDING, SYKMELDING_FRA_EPJ, SYKMELDING_STATUS
from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import MottakSykmeldingStatus
from tests.support import registers as hpr
from tests.support.kafka import produce, read_topic
from tests.support.services import running

pytestmark = [pytest.mark.integration, pytest.mark.parametrize("database", ["postgresql"], indirect=True)]


def _at_nine(day: date) -> datetime:
    return datetime.combine(day, time(9), UTC)


def _sykmelding(
    rng: random.Random, pasient_fnr: str, fom: date, tom: date, signert: date, *, perioder: list[Periode] | None = None
) -> ReceivedSykmelding:
    """Aktivitet ikke mulig from `fom` to `tom`, signed `signert` with no justification for any backdating."""
    return synthetic.make_sykmelding(
        rng,
        fom=fom,
        tom=tom,
        perioder=perioder,
        pasient_fnr=pasient_fnr,
        signatur_dato=_at_nine(signert),
        kontakt_med_pasient=KontaktMedPasient(),
    )


class Epj:
    """The doctor's system: sends sykmeldinger one at a time and reads each kvittering."""

    def __init__(self, settings: KafkaSettings) -> None:
        self.settings = settings
        self.sent = 0

    async def send(self, runtime: Runtime, received: ReceivedSykmelding) -> Kvittering:
        source = runtime.topics.name(SYKMELDING_FRA_EPJ)
        await produce(
            self.settings, source, [(received.msg_id.encode(), contracts.encode(runtime.codec, received, source))]
        )
        self.sent += 1
        answers = await read_topic(
            self.settings, runtime.topics.name(EPJ_KVITTERING), expected=self.sent, until_quiet=False
        )
        kvitteringer = [contracts.decode(runtime.codec, m.value or b"", Kvittering) for m in answers]
        [kvittering] = [k for k in kvitteringer if k.msg_id == received.msg_id]
        return kvittering


async def _employee_sets(
    settings: KafkaSettings, runtime: Runtime, database: Database, sykmelding_id: str, hendelse: StatusEvent
) -> None:
    """The employee's event on sykmelding.status; returns once mottak has stored it."""
    event = SykmeldingStatusEvent(
        event_id=str(uuid.uuid4()), sykmelding_id=sykmelding_id, timestamp=datetime.now(UTC), status_event=hendelse
    )
    topic = runtime.topics.name(SYKMELDING_STATUS)
    await produce(settings, topic, [(sykmelding_id.encode(), contracts.encode(runtime.codec, event, topic))])
    for _ in range(300):
        async with database.session() as session:
            stored = await session.scalar(
                select(MottakSykmeldingStatus.status).where(MottakSykmeldingStatus.sykmelding_id == sykmelding_id)
            )
        if stored is not None:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("mottak never stored the status event")


def _forlengelse(rng: random.Random, today: date) -> tuple[ReceivedSykmelding, ReceivedSykmelding]:
    """Thirty days to ten days ago, then from the next day on, signed 6 days after its fom."""
    pasient = synthetic.synthetic_pasient_fnr(rng)
    forste = _sykmelding(
        rng, pasient, today - timedelta(days=40), today - timedelta(days=10), today - timedelta(days=40)
    )
    fom = today - timedelta(days=9)
    forlengelse = _sykmelding(rng, pasient, fom, today + timedelta(days=10), fom + timedelta(days=6))
    return forste, forlengelse


def _rule_names(kvittering: Kvittering) -> list[str]:
    return [grunn.rule_name for grunn in kvittering.avvisningsgrunner]


async def test_an_extension_signed_6_days_late_is_accepted(kafka_settings: KafkaSettings, database: Database) -> None:
    epj = Epj(kafka_settings)
    async with running(kafka_settings, database, Mottak) as runtime:
        forste, forlengelse = _forlengelse(random.Random(111), runtime.clock.today())
        assert (await epj.send(runtime, forste)).status is KvitteringStatus.OK
        kvittering = await epj.send(runtime, forlengelse)
    assert kvittering.status is KvitteringStatus.OK and not kvittering.avvisningsgrunner


@pytest.mark.parametrize("status_first", [False, True], ids=["status-after-sykmelding", "status-before-sykmelding"])
async def test_no_extension_of_a_sykmelding_the_employee_cancelled(
    kafka_settings: KafkaSettings, database: Database, status_first: bool
) -> None:
    epj = Epj(kafka_settings)
    async with running(kafka_settings, database, Mottak) as runtime:
        forste, forlengelse = _forlengelse(random.Random(112), runtime.clock.today())
        cancel = _employee_sets(kafka_settings, runtime, database, forste.sykmelding.id, StatusEvent.AVBRUTT)
        if status_first:
            await cancel
        assert (await epj.send(runtime, forste)).status is KvitteringStatus.OK
        if not status_first:
            await cancel
        kvittering = await epj.send(runtime, forlengelse)
    assert kvittering.status is KvitteringStatus.AVVIST
    assert _rule_names(kvittering) == ["INNTIL_8_DAGER"]


async def test_an_ettersending_is_accepted(kafka_settings: KafkaSettings, database: Database) -> None:
    epj = Epj(kafka_settings)
    rng = random.Random(113)
    async with running(kafka_settings, database, Mottak) as runtime:
        today = runtime.clock.today()
        pasient = synthetic.synthetic_pasient_fnr(rng)
        fom, tom = today - timedelta(days=40), today - timedelta(days=27)
        forste = _sykmelding(rng, pasient, fom, tom, fom)
        # The same period sent again 39 days after its fom, its reason worded anew (so no duplicate).
        aarsak = AktivitetIkkeMulig(medisinsk_arsak=MedisinskArsak(beskrivelse="Sendt på nytt"))
        perioder = [Periode(fom=fom, tom=tom, aktivitet_ikke_mulig=aarsak)]
        ettersending = _sykmelding(rng, pasient, fom, tom, today - timedelta(days=1), perioder=perioder)
        alone = _sykmelding(rng, synthetic.synthetic_pasient_fnr(rng), fom, tom, today - timedelta(days=1))
        assert (await epj.send(runtime, forste)).status is KvitteringStatus.OK
        kvittering = await epj.send(runtime, ettersending)
        without_the_first = await epj.send(runtime, alone)
    assert kvittering.status is KvitteringStatus.OK
    assert _rule_names(without_the_first) == ["OVER_1_MND"]


async def test_a_suspended_doctor_is_refused_with_the_patient_and_sender_texts(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    epj = Epj(kafka_settings)
    suspendert = synthetic.DEMO_BEHANDLER.model_copy(
        update={"fnr": hpr.SUSPENDERT_LEGE.fnr, "hpr": hpr.SUSPENDERT_LEGE.hpr_nummer}
    )
    async with running(kafka_settings, database, Mottak) as runtime:
        received = synthetic.make_sykmelding(random.Random(114), fom=runtime.clock.today(), behandler=suspendert)
        kvittering = await epj.send(runtime, received)
        [message] = await read_topic(kafka_settings, runtime.topics.name(NAV_SYKMELDING), expected=1)
    nav = contracts.decode(runtime.codec, message.value or b"", NavSykmelding)

    assert kvittering.status is KvitteringStatus.AVVIST
    [grunn] = kvittering.avvisningsgrunner
    assert grunn.rule_name == "BEHANDLER_SUSPENDERT"
    assert (
        grunn.message_for_sender
        == "Behandler er suspendert av NAV på konsultasjonstidspunkt. Pasienten har fått beskjed."
    )
    assert nav.validation_result.status is RuleStatus.INVALID
    [hit] = nav.validation_result.rule_hits
    assert hit.message_for_user == "Den som sykmeldte deg har mistet retten til å skrive sykmeldinger."


async def test_a_restart_between_the_two_sykmeldinger_changes_nothing(
    kafka_settings: KafkaSettings, database: Database
) -> None:
    epj = Epj(kafka_settings)
    async with running(kafka_settings, database, Mottak) as runtime:
        forste, forlengelse = _forlengelse(random.Random(115), runtime.clock.today())
        assert (await epj.send(runtime, forste)).status is KvitteringStatus.OK
    async with running(kafka_settings, database, Mottak, instance_id="instance-2") as runtime:
        kvittering = await epj.send(runtime, forlengelse)
    assert kvittering.status is KvitteringStatus.OK and not kvittering.avvisningsgrunner
