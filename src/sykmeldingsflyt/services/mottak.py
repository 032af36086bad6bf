"""mottak: decides each sykmelding's fate, as NAV's intake and rule engine do.

sykmelding.fra-epj ──► decode, intake checks, duplicates, rules ──► nav.sykmelding (every outcome)
                                                                ├──► epj.kvittering (OK / AVVIST)
                                                                └──► sykmelding.fra-epj.dlq (unreadable)
sykmelding.status ──► the employee's latest status per sykmelding (AVBRUTT and SLETTET stop counting)

The rules read the patient's earlier sykmeldinger as NAV's rules read them (DOMAIN.md §2.3): mottak keeps
of each its periods, hoveddiagnose, outcome, merknader, signature day, and follows sykmelding.status in
its own consumer group for the latest status. A status may come before its sykmelding: it waits in the
status table, which the history reads together with the sykmeldinger.
"""

import asyncio
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import structlog
from faststream.kafka import KafkaBroker

from sykmeldingsflyt.domain.clock import norwegian_date
from sykmeldingsflyt.domain.kvittering import Avvisningsgrunn, Kvittering, KvitteringStatus
from sykmeldingsflyt.domain.privacy import nav_view
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.registers import Diagnosekoder, HprRegister, Legesuspensjon, PersonRegister
from sykmeldingsflyt.domain.rules import RuleContext, som_tidligere, validate
from sykmeldingsflyt.domain.rules.intake import intake_problems
from sykmeldingsflyt.domain.status import SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.codec import DecodeError
from sykmeldingsflyt.messaging.dead_letter import send_to_dead_letter
from sykmeldingsflyt.messaging.ids import stable_id
from sykmeldingsflyt.messaging.stage import Inbound, Stage
from sykmeldingsflyt.messaging.topics import EPJ_KVITTERING, NAV_SYKMELDING, SYKMELDING_FRA_EPJ, SYKMELDING_STATUS
from sykmeldingsflyt.registers import (
    FixtureHprRegister,
    FixtureLegesuspensjon,
    FixturePersonRegister,
    bundled_diagnosekoder,
)
from sykmeldingsflyt.services.runtime import Runtime, Service
from sykmeldingsflyt.services.wiring import read_own
from sykmeldingsflyt.storage.mottak_repository import Fingerprint, MottakRepository, Mottatt, registrer_status
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
    legesuspensjon: Legesuspensjon

    @classmethod
    def local(cls) -> "Registers":
        return cls(FixtureHprRegister(), FixturePersonRegister(), bundled_diagnosekoder(), FixtureLegesuspensjon())


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
    suspendert: dict[tuple[str, date], bool]
    """btsys's answer per signer and signature day."""


class Mottak(Service):
    name = "mottak"

    def __init__(self, runtime: Runtime, registers: Registers | None = None) -> None:
        super().__init__(runtime)
        self.registers = registers or Registers.local()

    def subscribe(self, broker: KafkaBroker) -> None:
        self.consume(broker, SYKMELDING_FRA_EPJ, self.sykmelding_stage())
        self.consume(broker, SYKMELDING_STATUS, self.status_stage())

    def sykmelding_stage(self) -> Stage:
        return Stage(
            name=self.name,
            database=self.runtime.database,
            handler=self.handle,
            on_poison=self.poisoned,
            on_commit=self.relay.notify,
            prepare=self.prepare,
            autoflush=False,
        )

    def status_stage(self) -> Stage:
        return Stage(
            name=self.name,
            database=self.runtime.database,
            handler=self.on_status,
            on_poison=self.status_poisoned,
        )

    async def prepare(self, uow: UnitOfWork, batch: Sequence[Inbound]) -> None:
        """Decode the batch, fetch what the store knows of its sykmeldinger and patients (one query for the
        whole batch), and ask the suspension register about each signer (all at once)."""
        decoded = {inbound.event_id: self._decode(inbound) for inbound in batch}
        sykmeldinger = [d for d in decoded.values() if isinstance(d, _Decoded)]
        repository = MottakRepository(uow)
        await repository.load(sykmeldinger)
        uow.scratch = _Batch(decoded, repository, await self._suspensjoner(sykmeldinger))

    async def _suspensjoner(self, sykmeldinger: Sequence["_Decoded"]) -> dict[tuple[str, date], bool]:
        # As NAV asks btsys: the signer's fnr, on the day the sykmelding was signed.
        wanted = list({_signer_on_signature_day(d.received) for d in sykmeldinger})
        answers = await asyncio.gather(*(self.registers.legesuspensjon.er_suspendert(*key) for key in wanted))
        return dict(zip(wanted, answers, strict=True))

    async def on_status(self, uow: UnitOfWork, inbound: Inbound) -> None:
        """The employee's event on a sykmelding, here only to know which earlier sykmeldinger still count.

        personvern answers an unreadable event with a dead letter; mottak only skips it."""
        event = read_own(self, inbound, SykmeldingStatusEvent)
        if event is not None:
            await registrer_status(uow.session, event.sykmelding_id, event.status_event)

    async def status_poisoned(self, uow: UnitOfWork, inbound: Inbound, error: Exception) -> None:
        # personvern dead-letters the same event; a second copy in the DLQ would only duplicate it.
        log.error("mottak.status_failed", event_id=inbound.event_id, error=type(error).__name__)

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
            _dead_letter(uow, self.runtime, inbound, problems, received)
            return

        context = RuleContext(
            hpr=self.registers.hpr,
            persons=self.registers.persons,
            diagnosekoder=self.registers.diagnosekoder,
            tidligere=batch.repository.tidligere(decoded),
            behandler_suspendert=batch.suspendert[_signer_on_signature_day(received)],
        )
        result = validate(received, context)
        batch.repository.add(
            Mottatt(
                msg_id=decoded.msg_id,
                content_hash=decoded.content_hash,
                pasient_ref=decoded.pasient_ref,
                mottatt_dato=received.mottatt_dato,
                historikk=som_tidligere(received, result),
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
        return _Decoded(
            msg_id=received.msg_id,
            sykmelding_id=received.sykmelding.id,
            content_hash=_content_hash(received),
            pasient_ref=person_ref(received.pasient_fnr, self.runtime.settings.pseudonym_key),
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


def _dead_letter(
    uow: UnitOfWork,
    runtime: Runtime,
    inbound: Inbound,
    grunner: list[Avvisningsgrunn],
    received: ReceivedSykmelding | None = None,
) -> None:
    # What finds the case (`case show`) without opening the sealed message: never the msgId, a sender's text.
    references = (
        {}
        if received is None
        else {
            "sykmeldingId": received.sykmelding.id,
            "personRef": person_ref(received.pasient_fnr, runtime.settings.pseudonym_key),
        }
    )
    send_to_dead_letter(
        uow,
        runtime.dead_letters,
        inbound,
        reason=grunner[0].rule_name,
        detail="; ".join(grunn.message_for_sender for grunn in grunner),
        field=grunner[0].field,
        references=references,
    )


def _signer_on_signature_day(received: ReceivedSykmelding) -> tuple[str, date]:
    return received.avsender_fnr, norwegian_date(received.sykmelding.signatur_dato)


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
