"""Two employers and two clinics, each with its own sykmeldinger, varsler and dialogmeldinger, put on the
topics as the services would: for tests that one party's door shows its own and nothing of the other's."""

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.altinn import Systembruker
from sykmeldingsflyt.domain.oppfolgingsplan import Dialogmelding
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.status import ArbeidsgiverStatus
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.domain.varsel import Mottaker, Varsel, Varseltype
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import EPJ_DIALOGMELDING, VARSEL
from sykmeldingsflyt.services.runtime import Runtime
from tests.support.inputs import send


@dataclass(frozen=True)
class Employer:
    name: str
    virksomhet: str
    juridisk: str
    systembruker: Systembruker
    sykmeldinger: list[ReceivedSykmelding] = field(default_factory=list)

    @property
    def status(self) -> ArbeidsgiverStatus:
        return ArbeidsgiverStatus(orgnummer=self.virksomhet, juridisk_orgnummer=self.juridisk, org_navn=self.name)

    @property
    def sendt(self) -> dict[str, object]:
        return {"statusEvent": "SENDT", "arbeidsgiver": self.status.model_dump(mode="json", by_alias=True)}


def employer(name: str, virksomhet: str, juridisk: str) -> Employer:
    return Employer(name, virksomhet, juridisk, Systembruker(id=str(uuid.uuid4()), orgnr=juridisk))


def sykmeldinger(rng: random.Random, count: int, canary: str) -> list[ReceivedSykmelding]:
    """Sykmeldinger whose employer-visible free text and whose medical text carry `canary`."""
    today = datetime.now(UTC).date()
    made = []
    for _ in range(count):
        received = synthetic.make_sykmelding(rng, fom=today)
        sykmelding = received.sykmelding.model_copy(
            update={"melding_til_arbeidsgiver": f"{canary}-til-arbeidsgiver", "tiltak_nav": f"{canary}-tiltak-nav"}
        )
        made.append(received.model_copy(update={"sykmelding": sykmelding}))
    return made


def varsel(received: ReceivedSykmelding, orgnr: str, key: bytes, mottaker: Mottaker) -> Varsel:
    person = person_ref(received.pasient_fnr, key)
    return Varsel(
        id=str(uuid.uuid4()),
        type=Varseltype.OPPFOLGINGSPLAN_MANGLER,
        mottaker=mottaker,
        tilfelle_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{person}|{orgnr}")),
        person_ref=person,
        orgnr=orgnr,
        stoppunkt_dato=date.today() + timedelta(days=28),
        opprettet=datetime.now(UTC),
    )


def dialogmelding(received: ReceivedSykmelding, legekontor_her_id: str, canary: str) -> Dialogmelding:
    text = f"{canary}-plan"
    return Dialogmelding(
        plan_uuid=str(uuid.uuid4()),
        orgnummer=synthetic.DEMO_ARBEIDSGIVER.orgnummer,
        sendt_tidspunkt=datetime.now(UTC),
        employee_identification_number=received.pasient_fnr,
        typical_workday=text,
        tasks_that_can_still_be_done=text,
        tasks_that_can_not_be_done=text,
        previous_facilitation=text,
        planned_facilitation=text,
        follow_up=text,
        evaluation_date=date.today() + timedelta(days=30),
        contact_person_full_name="Kari Kontakt",
        contact_person_phone_number="22225555",
        contact_person_email="kari@example.invalid",
        employee_has_contributed_to_plan=True,
        dialogmelding_id=str(uuid.uuid4()),
        her_id="900100",
        legekontor_her_id=legekontor_her_id,
        message_to_general_practitioner=text,
    )


async def publish_varsler(settings: KafkaSettings, runtime: Runtime, *varsler: Varsel) -> None:
    await send(settings, runtime, VARSEL, *((v.tilfelle_id, v) for v in varsler))


async def publish_dialogmeldinger(settings: KafkaSettings, runtime: Runtime, *meldinger: Dialogmelding) -> None:
    await send(settings, runtime, EPJ_DIALOGMELDING, *((m.plan_uuid, m) for m in meldinger))
