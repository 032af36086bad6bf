"""mottak: decides each sykmelding's fate, as NAV's intake and rule engine do.

sykmelding.fra-epj ──► decode, intake checks, duplicates, rules ──► nav.sykmelding (every outcome)
                                                                ├──► epj.kvittering (OK / AVVIST)
                                                                └──► sykmelding.fra-epj.dlq (unreadable)
sykmelding.status ──► the employee's latest status per sykmelding (AVBRUTT and SLETTET stop counting)

The rules read the patient's earlier sykmeldinger as NAV's rules read them (docs/domain.md §2.3): mottak keeps
of each its periods, hoveddiagnose, outcome, merknader, signature day, and follows sykmelding.status in
its own consumer group for the latest status. A status may come before its sykmelding: it waits in the
status table, which the history reads together with the sykmeldinger.

The registers (HPR, the population register, legesuspensjon) are asked for the whole batch before the
rules run. A sykmelding whose register cannot answer is not decided: it is parked (`mottak_parkert`), and
so is every later one of the same patient; the background round asks again with backoff and decides
them in the order they came, each kvittering then. Other patients' sykmeldinger are decided meanwhile.
"""

import hashlib
import json
import logging
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from faststream.kafka import KafkaBroker

from sykmeldingsflyt.domain.kvittering import Avvisningsgrunn, Kvittering, KvitteringStatus
from sykmeldingsflyt.domain.privacy import nav_view
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.registers import Diagnosekoder, RegisterUtilgjengelig
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
from sykmeldingsflyt.messaging.topics import (
    EPJ_KVITTERING,
    NAV_SYKMELDING,
    SYKMELDING_FRA_EPJ,
    SYKMELDING_STATUS,
    dead_letter_topic,
)
from sykmeldingsflyt.messaging.transient import every
from sykmeldingsflyt.observability import metrics
from sykmeldingsflyt.registers import bundled_diagnosekoder
from sykmeldingsflyt.registers.registre import Registre
from sykmeldingsflyt.services.registerfakta import Registerfakta, hent_registerfakta
from sykmeldingsflyt.services.runtime import Runtime, Service
from sykmeldingsflyt.services.wiring import decoded, read_own
from sykmeldingsflyt.storage.mottak_parkering import I_KO, MottakParkering, headers_json, headers_of, opened, sealed
from sykmeldingsflyt.storage.mottak_repository import Fingerprint, MottakRepository, Mottatt, Statuser
from sykmeldingsflyt.storage.tables.registers import MottakParkert
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)
_stdlib_log = logging.getLogger(__name__)

# A key is echoed on the kvittering only if it cannot be personal data (an EPJ might key by fnr).
_SAFE_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_PERSON_NUMBER = re.compile(r"\d{11}")
UKJENT_MSG_ID = "ukjent"


@dataclass(frozen=True, slots=True)
class Venting:
    """How mottak waits for a register that cannot answer."""

    forste: timedelta = timedelta(seconds=5)
    """The wait before the first new attempt; it doubles per attempt, jittered, up to `lengste`."""
    lengste: timedelta = timedelta(minutes=5)
    runde: float = 1.0
    """Seconds between looks for parked sykmeldinger whose next attempt is due."""

    def neste(self, now: datetime, forsok: int) -> datetime:
        ceiling: timedelta = min(self.forste * 2**forsok, self.lengste)
        return now + ceiling * random.uniform(0.5, 1.0)


_HEADS_PER_ROUND = 100

DUPLIKAT_MSG_ID = "Duplikat: en melding med samme msgId er mottatt tidligere."
DUPLIKAT_INNHOLD = "Duplikat: en sykmelding med samme innhold fra samme behandler er mottatt tidligere."


@dataclass(frozen=True, slots=True)
class _Decoded(Fingerprint):
    received: ReceivedSykmelding
    incoming: contracts.Incoming
    """The message `received` was read from: NAV's record carries it."""


@dataclass(frozen=True, slots=True)
class _Batch:
    """What `prepare` found for a batch, for `handle` to use message by message."""

    repository: MottakRepository
    fakta: dict[str, Registerfakta | RegisterUtilgjengelig]
    """What the registers said for each decoded sykmelding, by event id."""
    parkerte: set[str] = field(default_factory=set)
    """The patients (by pseudonym) with a parked sykmelding: their next ones wait behind it."""


class Mottak(Service):
    name = "mottak"
    produces = (NAV_SYKMELDING, EPJ_KVITTERING, dead_letter_topic(SYKMELDING_FRA_EPJ))

    def __init__(
        self,
        runtime: Runtime,
        registre: Registre | None = None,
        diagnosekoder: Diagnosekoder | None = None,
        venting: Venting | None = None,
    ) -> None:
        super().__init__(runtime)
        self.registre = registre or runtime.registre
        self.diagnosekoder = diagnosekoder or bundled_diagnosekoder()
        self.venting = venting or Venting()
        self._parkerte = 0

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
            prepare=self.prepare_status,
            autoflush=False,
        )

    async def prepare(self, uow: UnitOfWork, batch: Sequence[Inbound]) -> None:
        """Decode the batch; fetch, in a query or two, what the store knows of its sykmeldinger and which of
        its patients have parked ones; ask the registers what the rules need (each question once)."""
        read = {inbound.event_id: self._read(uow, inbound) for inbound in batch}
        sykmeldinger = {event_id: d for event_id, d in read.items() if isinstance(d, _Decoded)}
        repository = MottakRepository(uow)
        await repository.load(sykmeldinger.values())
        parkerte = await MottakParkering(uow.session).pasienter_med_parkerte(
            d.pasient_ref for d in sykmeldinger.values()
        )
        fakta = await hent_registerfakta(
            self.registre,
            {event_id: d.received for event_id, d in sykmeldinger.items() if d.pasient_ref not in parkerte},
        )
        uow.scratch = _Batch(repository, fakta, parkerte)
        log.info("mottak.batch", meldinger=len(batch), uleselige=len(batch) - len(sykmeldinger))

    async def prepare_status(self, uow: UnitOfWork, batch: Sequence[Inbound]) -> None:
        """Fetch the latest statuses of the batch's sykmeldinger in one query (see `Statuser`)."""
        events = (decoded(self, uow, inbound, SykmeldingStatusEvent) for inbound in batch)
        uow.scratch = Statuser(uow.session)
        await uow.scratch.load(event.sykmelding_id for event in events if not isinstance(event, DecodeError))

    async def on_status(self, uow: UnitOfWork, inbound: Inbound) -> None:
        """The employee's event on a sykmelding, here only to know which earlier sykmeldinger still count.

        personvern answers an unreadable event with a dead letter; mottak only skips it."""
        event = read_own(self, uow, inbound, SykmeldingStatusEvent)
        if event is not None:
            statuser: Statuser = uow.scratch
            await statuser.registrer(event.sykmelding_id, event.status_event)

    async def status_poisoned(self, uow: UnitOfWork, inbound: Inbound, error: Exception) -> None:
        # personvern dead-letters the same event; a second copy in the DLQ would only duplicate it.
        log.error("mottak.status_failed", event_id=inbound.event_id, error=type(error).__name__)

    async def handle(self, uow: UnitOfWork, inbound: Inbound) -> None:
        batch: _Batch = uow.scratch
        decoded = self._read(uow, inbound)
        if not isinstance(decoded, _Decoded):
            self._reject(uow, inbound, decoded)
            return
        if decoded.pasient_ref in batch.parkerte:
            self._parker(uow, inbound, decoded, I_KO)
            return
        fakta = batch.fakta[inbound.event_id]
        if self._answer_duplicate(uow, inbound, decoded, batch.repository):
            return
        if isinstance(fakta, RegisterUtilgjengelig):
            self._parker(uow, inbound, decoded, fakta.register)
            batch.parkerte.add(decoded.pasient_ref)
            return
        self._decide(uow, inbound, decoded, fakta, batch.repository)

    def _answer_duplicate(
        self, uow: UnitOfWork, inbound: Inbound, decoded: "_Decoded", repository: MottakRepository
    ) -> bool:
        earlier = repository.duplicate_of(decoded)
        if earlier is None:
            return False
        grunn = DUPLIKAT_MSG_ID if earlier.msg_id == decoded.received.msg_id else DUPLIKAT_INNHOLD
        self._answer(uow, inbound, decoded.received, [_grunn("DUPLIKAT", grunn)])
        return True

    def _decide(
        self,
        uow: UnitOfWork,
        inbound: Inbound,
        decoded: "_Decoded",
        fakta: Registerfakta,
        repository: MottakRepository,
    ) -> None:
        """The sykmelding's fate by intake and the rules, with what the registers said of it."""
        received = decoded.received
        problems = intake_problems(received, fakta.pasient, self.runtime.clock.today())
        if problems:
            self._answer(uow, inbound, received, problems)
            _dead_letter(uow, self.runtime, inbound, problems, received)
            return

        context = RuleContext(
            behandler=fakta.behandler,
            pasient=fakta.pasient,
            diagnosekoder=self.diagnosekoder,
            tidligere=repository.tidligere(decoded),
            behandler_suspendert=fakta.behandler_suspendert,
        )
        result = validate(received, context)
        repository.add(
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
            value=contracts.encode_carrying(self.runtime.codec, nav_view(received, result), decoded.incoming, topic),
            event_id=stable_id(self.name, "nav-sykmelding", received.sykmelding.id),
        )
        reasons = [
            _grunn(hit.rule_name, hit.message_for_sender)
            for hit in result.rule_hits
            if hit.rule_status is RuleStatus.INVALID
        ]
        self._answer(uow, inbound, received, reasons)
        # At debug: a line per sykmelding at info cost as much as the rules; `mottak.batch` says how many.
        # Asked of the standard logger first: structlog's lazy logger binds anew on every call, debug or not.
        if _stdlib_log.isEnabledFor(logging.DEBUG):
            log.debug("mottak.sykmelding", sykmelding_id=received.sykmelding.id, outcome=result.status.value)
        metrics.rule_hits((hit.rule_name, hit.rule_status.value) for hit in result.rule_hits)

    def _parker(self, uow: UnitOfWork, inbound: Inbound, decoded: "_Decoded", register: str) -> None:
        """Keep the record to decide later: its register could not answer, or its patient has one waiting."""
        now = self.runtime.clock.now()
        row = MottakParkert(
            event_id=inbound.event_id,
            pasient_ref=decoded.pasient_ref,
            register=register,
            parkert=now,
            forsok=0,
            neste_forsok=now if register == I_KO else self.venting.neste(now, 0),
            topic=inbound.topic,
            partition=inbound.partition,
            offset=inbound.offset,
            key=inbound.key,
            value=inbound.value,
            headers=headers_json(inbound.headers),
        )
        # At rest the sykmelding (an fnr, a diagnosis) is sealed as a dead letter is.
        uow.session.add(sealed(row, self.runtime.dead_letters.keyring))
        log.warning("mottak.parkert", sykmelding_id=decoded.sykmelding_id, register=register)

    async def background(self) -> None:
        """Decide the parked sykmeldinger whose registers answer again; a failed round is retried by the next."""
        await every(self.venting.runde, self.avgjor_parkerte, "mottak:parkerte")

    async def avgjor_parkerte(self) -> int:
        """Decide each patient's parked sykmeldinger in order while the registers answer; how many were."""
        decided = 0
        while True:
            async with self.runtime.database.session() as session:
                parkering = MottakParkering(session)
                heads = await parkering.forfalne_hoder(self.runtime.clock.now(), limit=_HEADS_PER_ROUND)
                if heads or self._parkerte:
                    self._tell(await parkering.antall())
            progressed = [head for head in heads if await self._avgjor_parkert(head)]
            decided += len(progressed)
            if not progressed:
                return decided

    def _tell(self, antall: int) -> None:
        """Say how many sykmeldinger wait, when that has changed."""
        if antall != self._parkerte:
            log.info("mottak.parkerte", antall=antall)
            self._parkerte = antall

    async def _avgjor_parkert(self, row: MottakParkert) -> bool:
        key, value = opened(row, self.runtime.dead_letters.keyring)
        inbound = Inbound(row.topic, row.partition, row.offset, key, value, headers_of(row))
        decoded = self._decode(inbound)
        fakta: Registerfakta | RegisterUtilgjengelig | None = None
        if isinstance(decoded, _Decoded):
            fakta = (await hent_registerfakta(self.registre, {inbound.event_id: decoded.received}))[inbound.event_id]
        async with self.runtime.database.session.begin() as session:
            uow = UnitOfWork(session, self.name)
            parkering = MottakParkering(session)
            if isinstance(fakta, RegisterUtilgjengelig):
                neste = self.venting.neste(self.runtime.clock.now(), row.forsok + 1)
                await parkering.utsett(row.id, fakta.register, neste)
                log.warning("mottak.fortsatt_parkert", register=fakta.register, forsok=row.forsok + 1)
                return False
            if not await parkering.ta(row.id):
                return False  # another instance decided it
            if not isinstance(decoded, _Decoded):
                # It was readable when parked; only a schema withdrawn since can make it unreadable now.
                self._reject(uow, inbound, decoded)
            else:
                assert fakta is not None
                repository = MottakRepository(uow)
                await repository.load([decoded])
                if not self._answer_duplicate(uow, inbound, decoded, repository):
                    self._decide(uow, inbound, decoded, fakta, repository)
        self.relay.notify()
        # SQLite gives the time back without its zone; it was written in UTC.
        waited = self.runtime.clock.now() - row.parkert.replace(tzinfo=row.parkert.tzinfo or UTC)
        log.info("mottak.avgjort_etter_parkering", event_id=inbound.event_id, ventet_s=round(waited.total_seconds()))
        return True

    def _read(self, uow: UnitOfWork, inbound: Inbound) -> "_Decoded | list[Avvisningsgrunn]":
        """`_decode`, once per transaction: `prepare` decodes the batch, `handle` each message of it."""
        return uow.once(inbound.event_id, _Decoded, lambda: self._decode(inbound))

    def _decode(self, inbound: Inbound) -> "_Decoded | list[Avvisningsgrunn]":
        """The sykmelding in `inbound`, or why it cannot be read."""
        limit = self.runtime.settings.max_message_bytes
        if inbound.value is None or len(inbound.value) > limit:
            what = "empty" if inbound.value is None else f"larger than {limit} bytes"
            return [_grunn("MELDING_UGYLDIG_STORRELSE", f"The message is {what}.")]
        try:
            received, incoming = contracts.decode_incoming(self.runtime.codec, inbound.value, ReceivedSykmelding)
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
            incoming=incoming,
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


def _safe_key(key: bytes | None) -> str:
    text = (key or b"").decode("utf-8", errors="replace")
    if _SAFE_KEY.fullmatch(text) and not _PERSON_NUMBER.search(text):
        return text
    return UKJENT_MSG_ID


_HASHED = {"medisinsk_vurdering", "perioder"}


def _content_hash(received: ReceivedSykmelding) -> str:
    """The medical content and its signer: the same sykmelding sent again under a new msgId hashes alike."""
    content = {
        "signer": received.avsender_fnr,
        "pasient": received.pasient_fnr,
        # "medisinskVurdering" and "perioder", in one dump: the hashes stored by earlier builds must recur.
        **received.sykmelding.model_dump(mode="json", by_alias=True, include=_HASHED),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
