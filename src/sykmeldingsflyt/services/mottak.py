"""mottak: decides each sykmelding's fate, as NAV's intake and rule engine do.

sykmelding.fra-epj ──► decode, intake checks, duplicates, rules ──► nav.sykmelding (every outcome)
                                                                ├──► epj.kvittering (OK / AVVIST)
                                                                └──► sykmelding.fra-epj.dlq (unreadable)
"""

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from faststream.kafka import KafkaBroker

from sykmeldingsflyt.domain.kvittering import Avvisningsgrunn, Kvittering, KvitteringStatus
from sykmeldingsflyt.domain.privacy import nav_view
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.registers import Diagnosekoder, HprRegister, PersonRegister
from sykmeldingsflyt.domain.rules import RuleContext, validate
from sykmeldingsflyt.domain.rules.intake import intake_problems
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding, SykmeldingStatus
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.codec import DecodeError
from sykmeldingsflyt.messaging.dead_letter import send_to_dead_letter
from sykmeldingsflyt.messaging.ids import stable_id
from sykmeldingsflyt.messaging.stage import Inbound, Stage
from sykmeldingsflyt.messaging.topics import EPJ_KVITTERING, NAV_SYKMELDING, SYKMELDING_FRA_EPJ
from sykmeldingsflyt.observability import metrics
from sykmeldingsflyt.registers import FixtureHprRegister, FixturePersonRegister, bundled_diagnosekoder
from sykmeldingsflyt.services.runtime import Runtime, Service
from sykmeldingsflyt.storage.mottak_repository import Fingerprint, MottakRepository, Mottatt
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


DUPLIKAT_MSG_ID = "Duplikat: en melding med samme msgId er mottatt tidligere."
DUPLIKAT_INNHOLD = "Duplikat: en sykmelding med samme innhold fra samme behandler er mottatt tidligere."


@dataclass(frozen=True, slots=True)
class _Decoded(Fingerprint):
    received: ReceivedSykmelding


@dataclass(frozen=True, slots=True)
class _Batch:
    """What `prepare` found for a batch, for `handle` to use message by message."""

    decoded: dict[str, "_Decoded | list[Avvisningsgrunn]"]
    repository: MottakRepository


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
            prepare=self.prepare,
            autoflush=False,
        )
        self.consume(broker, SYKMELDING_FRA_EPJ, stage)

    async def prepare(self, uow: UnitOfWork, batch: Sequence[Inbound]) -> None:
        """Decode the batch and fetch, in one query, what the store knows of its sykmeldinger."""
        decoded = {inbound.event_id: self._decode(inbound) for inbound in batch}
        repository = MottakRepository(uow)
        await repository.load(d for d in decoded.values() if isinstance(d, _Decoded))
        uow.scratch = _Batch(decoded, repository)

    async def handle(self, uow: UnitOfWork, inbound: Inbound) -> None:
        batch: _Batch = uow.scratch
        decoded = batch.decoded[inbound.event_id]
        if not isinstance(decoded, _Decoded):
            self._reject(uow, inbound, decoded)
            return
        received = decoded.received
        earlier = batch.repository.duplicate_of(decoded)
        if earlier is not None:
            same_message = earlier.msg_id == received.msg_id
            grunn = DUPLIKAT_MSG_ID if same_message else DUPLIKAT_INNHOLD
            self._answer(uow, inbound, received, [_grunn("DUPLIKAT", grunn)])
            return
        problems = intake_problems(received, self.registers.persons, self.runtime.clock.today())
        if problems:
            self._answer(uow, inbound, received, problems)
            _dead_letter(uow, self.runtime, inbound, problems)
            return

        context = RuleContext(
            hpr=self.registers.hpr,
            persons=self.registers.persons,
            diagnosekoder=self.registers.diagnosekoder,
            earlier_perioder=batch.repository.earlier_perioder(decoded),
        )
        result = validate(received, context)
        batch.repository.add(
            Mottatt(
                sykmelding_id=decoded.sykmelding_id,
                msg_id=decoded.msg_id,
                content_hash=decoded.content_hash,
                pasient_ref=decoded.pasient_ref,
                hoveddiagnose=decoded.hoveddiagnose,
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
            _grunn(hit.rule_name, hit.message_for_sender)
            for hit in result.rule_hits
            if hit.rule_status is RuleStatus.INVALID
        ]
        self._answer(uow, inbound, received, reasons)
        log.info("mottak.sykmelding", sykmelding_id=received.sykmelding.id, outcome=result.status.value)
        metrics.rule_hits((hit.rule_name, hit.rule_status.value) for hit in result.rule_hits)

    def _decode(self, inbound: Inbound) -> "_Decoded | list[Avvisningsgrunn]":
        """The sykmelding in `inbound`, or why it cannot be read."""
        limit = self.runtime.settings.max_message_bytes
        if inbound.value is None or len(inbound.value) > limit:
            what = "empty" if inbound.value is None else f"larger than {limit} bytes"
            return [_grunn("MELDING_UGYLDIG_STORRELSE", f"The message is {what}.")]
        try:
            received = contracts.decode(self.runtime.codec, inbound.value, ReceivedSykmelding)
        except contracts.ContractViolationError as violation:
            return [_grunn(violation.reason, f"{e.field}: {e.message}", e.field) for e in violation.errors]
        except DecodeError as error:
            return [_grunn(error.reason, str(error))]
        diagnose = received.sykmelding.medisinsk_vurdering.hoved_diagnose
        return _Decoded(
            msg_id=received.msg_id,
            sykmelding_id=received.sykmelding.id,
            content_hash=_content_hash(received),
            pasient_ref=person_ref(received.pasient_fnr, self.runtime.settings.pseudonym_key),
            hoveddiagnose=diagnose.kode if diagnose else None,
            received=received,
        )

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
