"""mottak: decides each sykmelding's fate, as NAV's intake and rule engine do.

sykmelding.fra-epj ──► decode, intake checks, duplicates, rules ──► nav.sykmelding (every outcome)
                                                                ├──► epj.kvittering (OK / AVVIST)
                                                                └──► sykmelding.fra-epj.dlq (unreadable)
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date

import structlog
from faststream.kafka import KafkaBroker
from sqlalchemy import or_, select

from sykmeldingsflyt.domain.kvittering import Avvisningsgrunn, Kvittering, KvitteringStatus
from sykmeldingsflyt.domain.privacy import nav_view
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.registers import Diagnosekoder, HprRegister, PersonRegister
from sykmeldingsflyt.domain.rules import RuleContext, validate
from sykmeldingsflyt.domain.rules.intake import intake_problems
from sykmeldingsflyt.domain.sykmelding import Periode, ReceivedSykmelding, SykmeldingStatus
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.codec import DecodeError
from sykmeldingsflyt.messaging.dead_letter import send_to_dead_letter
from sykmeldingsflyt.messaging.ids import stable_id
from sykmeldingsflyt.messaging.stage import Inbound, Stage
from sykmeldingsflyt.messaging.topics import EPJ_KVITTERING, NAV_SYKMELDING, SYKMELDING_FRA_EPJ
from sykmeldingsflyt.registers import FixtureHprRegister, FixturePersonRegister, bundled_diagnosekoder
from sykmeldingsflyt.services.runtime import Runtime, Service
from sykmeldingsflyt.storage.tables import MottattSykmelding
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)

# A key is echoed on the kvittering only if it cannot be personal data (an EPJ might key by fnr).
_SAFE_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_PERSON_NUMBER = re.compile(r"\d{11}")
UKJENT_MSG_ID = "ukjent"


@dataclass(frozen=True)
class Registers:
    """The external registers mottak consults; the local fixtures unless production ones are given."""

    hpr: HprRegister
    persons: PersonRegister
    diagnosekoder: Diagnosekoder

    @classmethod
    def local(cls) -> "Registers":
        return cls(FixtureHprRegister(), FixturePersonRegister(), bundled_diagnosekoder())


class Mottak(Service):
    name = "mottak"

    def __init__(self, runtime: Runtime, registers: Registers | None = None) -> None:
        super().__init__(runtime)
        self.registers = registers or Registers.local()

    def subscribe(self, broker: KafkaBroker) -> None:
        stage = Stage(
            name=self.name,
            database=self.runtime.database,
            handler=self.handle,
            on_poison=self.poisoned,
            on_commit=self.relay.notify,
        )
        self.consume(broker, SYKMELDING_FRA_EPJ, stage)

    async def handle(self, uow: UnitOfWork, inbound: Inbound) -> None:
        limit = self.runtime.settings.max_message_bytes
        if inbound.value is None or len(inbound.value) > limit:
            what = "empty" if inbound.value is None else f"larger than {limit} bytes"
            self._reject(uow, inbound, [_grunn("MELDING_UGYLDIG_STORRELSE", f"The message is {what}.")])
            return
        try:
            received = contracts.decode(self.runtime.codec, inbound.value, ReceivedSykmelding)
        except contracts.ContractViolationError as violation:
            grunner = [_grunn(violation.reason, f"{e.field}: {e.message}", e.field) for e in violation.errors]
            self._reject(uow, inbound, grunner)
            return
        except DecodeError as error:
            self._reject(uow, inbound, [_grunn(error.reason, str(error))])
            return

        duplicate = await self._duplicate_of(uow, received)
        if duplicate is not None:
            self._answer(uow, inbound, received, [Avvisningsgrunn(rule_name="DUPLIKAT", message_for_sender=duplicate)])
            return
        problems = intake_problems(received, self.registers.persons, self.runtime.clock.today())
        if problems:
            self._answer(uow, inbound, received, problems)
            _dead_letter(uow, self.runtime, inbound, problems)
            return

        pasient_ref = person_ref(received.pasient_fnr, self.runtime.settings.pseudonym_key)
        context = RuleContext(
            hpr=self.registers.hpr,
            persons=self.registers.persons,
            diagnosekoder=self.registers.diagnosekoder,
            earlier_perioder=await _earlier_perioder(uow, pasient_ref, _hoveddiagnose(received)),
        )
        result = validate(received, context)
        uow.session.add(
            MottattSykmelding(
                sykmelding_id=received.sykmelding.id,
                msg_id=received.msg_id,
                content_hash=_content_hash(received),
                pasient_ref=pasient_ref,
                hoveddiagnose=_hoveddiagnose(received),
                status=SykmeldingStatus.APEN.value,
                validation_status=result.status.value,
                perioder=[[p.fom.isoformat(), p.tom.isoformat()] for p in received.sykmelding.perioder],
                mottatt_dato=received.mottatt_dato,
            )
        )
        topic = self.runtime.topics.name(NAV_SYKMELDING)
        uow.publish(
            topic=topic,
            key=received.sykmelding.id,
            value=contracts.encode(self.runtime.codec, nav_view(received, result), topic),
            event_id=stable_id(self.name, "nav-sykmelding", received.sykmelding.id),
        )
        reasons = [
            Avvisningsgrunn(rule_name=hit.rule_name, message_for_sender=hit.message_for_sender)
            for hit in result.rule_hits
            if hit.rule_status is RuleStatus.INVALID
        ]
        self._answer(uow, inbound, received, reasons)
        log.info("mottak.sykmelding", sykmelding_id=received.sykmelding.id, outcome=result.status.value)

    async def poisoned(self, uow: UnitOfWork, inbound: Inbound, error: Exception) -> None:
        detail = f"The message could not be processed ({type(error).__name__}); operators have been alerted."
        self._reject(uow, inbound, [_grunn("INTERNAL_ERROR", detail)])

    def _reject(self, uow: UnitOfWork, inbound: Inbound, grunner: list[Avvisningsgrunn]) -> None:
        """Unreadable input: an AVVIST kvittering to the sender and the message to the dead-letter topic."""
        self._publish_kvittering(
            uow,
            Kvittering(
                kvittering_id=stable_id(self.name, "kvittering", inbound.event_id),
                msg_id=_safe_key(inbound.key),
                status=KvitteringStatus.AVVIST,
                mottatt_dato=self.runtime.clock.now(),
                avvisningsgrunner=grunner,
            ),
        )
        _dead_letter(uow, self.runtime, inbound, grunner)
        log.info("mottak.rejected", event_id=inbound.event_id, reason=grunner[0].rule_name)

    def _answer(
        self, uow: UnitOfWork, inbound: Inbound, received: ReceivedSykmelding, reasons: list[Avvisningsgrunn]
    ) -> None:
        self._publish_kvittering(
            uow,
            Kvittering(
                kvittering_id=stable_id(self.name, "kvittering", inbound.event_id),
                msg_id=received.msg_id,
                sykmelding_id=received.sykmelding.id,
                status=KvitteringStatus.AVVIST if reasons else KvitteringStatus.OK,
                mottatt_dato=received.mottatt_dato,
                avvisningsgrunner=reasons,
            ),
            legekontor_orgnr=received.legekontor_orgnr,
        )

    def _publish_kvittering(self, uow: UnitOfWork, kvittering: Kvittering, legekontor_orgnr: str | None = None) -> None:
        topic = self.runtime.topics.name(EPJ_KVITTERING)
        uow.publish(
            topic=topic,
            key=kvittering.msg_id,
            value=contracts.encode(self.runtime.codec, kvittering, topic),
            event_id=kvittering.kvittering_id,
            # Lets an EPJ vendor filter the receipts of its own clinics without decoding every message.
            headers={"legekontor-orgnr": legekontor_orgnr} if legekontor_orgnr else None,
        )

    async def _duplicate_of(self, uow: UnitOfWork, received: ReceivedSykmelding) -> str | None:
        earlier = await uow.session.scalar(
            select(MottattSykmelding.msg_id).where(
                or_(
                    MottattSykmelding.msg_id == received.msg_id,
                    MottattSykmelding.sykmelding_id == received.sykmelding.id,
                    MottattSykmelding.content_hash == _content_hash(received),
                )
            )
        )
        if earlier is None:
            return None
        if earlier == received.msg_id:
            return "Duplikat: en melding med samme msgId er mottatt tidligere."
        return "Duplikat: en sykmelding med samme innhold fra samme behandler er mottatt tidligere."


def _grunn(rule_name: str, message: str, field: str | None = None) -> Avvisningsgrunn:
    return Avvisningsgrunn(rule_name=rule_name, message_for_sender=message, field=field)


def _dead_letter(uow: UnitOfWork, runtime: Runtime, inbound: Inbound, grunner: list[Avvisningsgrunn]) -> None:
    send_to_dead_letter(
        uow,
        runtime.codec,
        inbound,
        reason=grunner[0].rule_name,
        detail="; ".join(grunn.message_for_sender for grunn in grunner),
        field=grunner[0].field,
    )


def _safe_key(key: bytes | None) -> str:
    text = (key or b"").decode("utf-8", errors="replace")
    if _SAFE_KEY.fullmatch(text) and not _PERSON_NUMBER.search(text):
        return text
    return UKJENT_MSG_ID


def _content_hash(received: ReceivedSykmelding) -> str:
    """The medical content and its signer: the same sykmelding sent again under a new msgId hashes alike."""
    sykmelding = received.sykmelding
    content = {
        "signer": received.avsender_fnr,
        "pasient": received.pasient_fnr,
        "medisinskVurdering": sykmelding.medisinsk_vurdering.model_dump(mode="json", by_alias=True),
        "perioder": [periode.model_dump(mode="json", by_alias=True) for periode in sykmelding.perioder],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _hoveddiagnose(received: ReceivedSykmelding) -> str | None:
    diagnose = received.sykmelding.medisinsk_vurdering.hoved_diagnose
    return diagnose.kode if diagnose else None


async def _earlier_perioder(uow: UnitOfWork, pasient_ref: str, hoveddiagnose: str | None) -> tuple[Periode, ...]:
    """The patient's earlier accepted periods for the same diagnosis: what tells an extension from a new case."""
    rows = await uow.session.scalars(
        select(MottattSykmelding.perioder).where(
            MottattSykmelding.pasient_ref == pasient_ref,
            MottattSykmelding.hoveddiagnose == hoveddiagnose,
            MottattSykmelding.validation_status != RuleStatus.INVALID.value,
        )
    )
    return tuple(
        Periode(fom=date.fromisoformat(fom), tom=date.fromisoformat(tom)) for perioder in rows for fom, tom in perioder
    )
