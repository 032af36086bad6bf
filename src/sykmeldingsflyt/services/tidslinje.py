"""tidslinje: each person's cases across employers, and their stop points as durable timers.

nav.sykmelding ───────────┐  (periods, by pseudonym; a rejected sykmelding counts nothing)
sykmelding.status ────────┤  (NY, SENDT to which virksomhet, BEKREFTET; AVBRUTT/SLETTET count nothing)
nav.dialogmote-status ────┼─► cases ──► varsel (keyed by case id; to each employer of the case)
oppfolgingsplan.mottatt ──┘      │   └─► oppgave.bestilling (the oppgave service gives NAV the task)
                   the clock ────┘

Every change recomputes the person's cases (docs/domain.md §5.1) and emits what is due now in each
employer's view; each case row stores the day its next stop point falls due, and `background`
fires the due ones on the runtime's clock. An action is emitted in the same transaction that records its stable id in
tidslinje_fired_action, so a timer fires once: across restarts, redeliveries and racing instances.
"""

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import structlog
from faststream.kafka import KafkaBroker
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select

from sykmeldingsflyt.domain import gjentakende_sykefravaer
from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.clock import norwegian_date
from sykmeldingsflyt.domain.dialogmote import DialogmoteStatusEndring
from sykmeldingsflyt.domain.dialogmotekandidat import AVSLAG_FORKLARING, DialogmotekandidatVurdering
from sykmeldingsflyt.domain.dodsfall import Dodsfall
from sykmeldingsflyt.domain.oppfolgingsplan import OppfolgingsplanMottatt
from sykmeldingsflyt.domain.oppgave import Oppgave
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.status import SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykepengesoknad import Sykepengesoknad
from sykmeldingsflyt.domain.tilfelle import sykeperioder, tilstand_etter
from sykmeldingsflyt.domain.timeline import (
    CaseFacts,
    DialogmoteStatus,
    active_case,
    evaluate,
    plan_before_dialogmote,
)
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.domain.varsel import Varsel
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.codec import DecodeError
from sykmeldingsflyt.messaging.dead_letter import send_to_dead_letter
from sykmeldingsflyt.messaging.ids import stable_id
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import (
    NAV_DIALOGMOTE_STATUS,
    NAV_DIALOGMOTEKANDIDAT,
    NAV_DIALOGMOTEKANDIDAT_VURDERING,
    NAV_DODSFALL,
    NAV_SYKMELDING,
    OPPFOLGINGSPLAN_MOTTATT,
    OPPGAVE_BESTILLING,
    SYKEPENGESOKNAD,
    SYKMELDING_STATUS,
    VARSEL,
    Topic,
    dead_letter_topic,
)
from sykmeldingsflyt.messaging.transient import every
from sykmeldingsflyt.services.dialogmotekandidat import Kandidatur
from sykmeldingsflyt.services.runtime import Runtime, Service
from sykmeldingsflyt.services.wiring import consume_all, dead_letter_poison, decoded, read_or_dead_letter, read_own
from sykmeldingsflyt.storage.tables import (
    TidslinjeDialogmote,
    TidslinjeOppfolgingsplan,
    TidslinjePerson,
    TidslinjeSoknad,
)
from sykmeldingsflyt.storage.tidslinje import Tidslinjelager, aware, claim_due, mark_fired, stored_perioder
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)


class TidslinjeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIDSLINJE_", extra="ignore")

    kandidat_lukkes_etter_maneder: int = Field(default=6, gt=0)
    """A dialogmøte-2 candidature left open this many months is closed (LUKKET)."""


class TidslinjeService(Service):
    name = "tidslinje"
    produces = (
        VARSEL,
        OPPGAVE_BESTILLING,
        NAV_DIALOGMOTEKANDIDAT,  # through Kandidatur, in tidslinje's outbox
        dead_letter_topic(NAV_DIALOGMOTE_STATUS),
        dead_letter_topic(SYKEPENGESOKNAD),
        dead_letter_topic(NAV_DODSFALL),
        dead_letter_topic(NAV_DIALOGMOTEKANDIDAT_VURDERING),
    )

    def __init__(
        self,
        runtime: Runtime,
        poll_interval: float = 30.0,
        batch_size: int = 200,
        settings: TidslinjeSettings | None = None,
    ) -> None:
        super().__init__(runtime)
        # The clock is asked, not waited on: a virtual clock moves whenever its owner says so.
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.kandidatur = Kandidatur(runtime, (settings or TidslinjeSettings()).kandidat_lukkes_etter_maneder)
        self._names = {runtime.topics.name(topic): found for topic, found in _NAMES.items()}

    def subscribe(self, broker: KafkaBroker) -> None:
        inputs = (
            (NAV_SYKMELDING, self.on_sykmelding),
            (SYKMELDING_STATUS, self.on_status),
            (NAV_DIALOGMOTE_STATUS, self.on_dialogmote),
            (OPPFOLGINGSPLAN_MOTTATT, self.on_oppfolgingsplan),
            (SYKEPENGESOKNAD, self.on_soknad),
            (NAV_DODSFALL, self.on_dodsfall),
            (NAV_DIALOGMOTEKANDIDAT_VURDERING, self.on_vurdering),
        )
        consume_all(self, broker, inputs, self.poisoned, prepare={topic: self.prepare for topic, _ in inputs})

    async def background(self) -> None:
        await every(self.poll_interval, self.fire_due, "tidslinje:timere")

    async def fire_due(self) -> int:
        """Fire every timer due by the clock's today; returns how many people it looked at."""
        handled = 0
        while True:
            async with self.runtime.database.session.begin() as session:
                uow = UnitOfWork(session, self.name)
                due = await claim_due(session, self.runtime.clock.today(), self.batch_size)
                await _lager(uow).load(persons=due)
                for pasient in due:
                    await self._recompute(uow, pasient)
            if uow.published:
                self.relay.notify()
            handled += len(due)
            if not due:
                return handled

    async def prepare(self, uow: UnitOfWork, batch: Sequence[Inbound]) -> None:
        """Fetch the rows of every sykmelding and person the batch names, a query per table (see
        Tidslinjelager). A message that cannot be read names nothing: its handler answers for it."""
        sykmelding_ids: set[str] = set()
        persons: set[str] = set()
        for inbound in batch:
            model, names = self._names[inbound.topic]
            message = decoded(self, uow, inbound, model)
            if isinstance(message, DecodeError):
                continue
            sykmelding_id, pasient = names(message, self._pseudonym)
            if sykmelding_id is not None:
                sykmelding_ids.add(sykmelding_id)
            if pasient is not None:
                persons.add(pasient)
        await _lager(uow).load(sykmelding_ids, persons)

    def _pseudonym(self, fnr: str) -> str:
        return person_ref(fnr, self.runtime.settings.pseudonym_key)

    async def on_sykmelding(self, uow: UnitOfWork, inbound: Inbound) -> None:
        nav = read_own(self, uow, inbound, NavSykmelding)
        if nav is None:
            return
        received = nav.received_sykmelding
        pasient = self._pseudonym(received.pasient_fnr)
        lager = _lager(uow)
        row = await lager.sykmelding(received.sykmelding.id)
        await lager.eie(row, pasient)
        row.inntruffet = received.sykmelding.signatur_dato
        rejected = nav.validation_result.status is RuleStatus.INVALID
        row.perioder = (
            [] if rejected else stored_perioder(sykeperioder(received.sykmelding.id, received.sykmelding.perioder))
        )
        await self._recompute(uow, pasient)

    async def on_status(self, uow: UnitOfWork, inbound: Inbound) -> None:
        """What the employee did with a sykmelding. personvern answers for this topic (it dead-letters
        what it refuses); the timeline only counts: an event older than the one applied changes nothing."""
        event = read_own(self, uow, inbound, SykmeldingStatusEvent)
        if event is None:
            return
        row = await _lager(uow).sykmelding(event.sykmelding_id)
        if row.status_tidspunkt is not None and event.timestamp < aware(row.status_tidspunkt):
            return
        endring = tilstand_etter(event)
        row.status, row.status_tidspunkt = endring.tilstand.value, event.timestamp
        row.orgnummer = endring.orgnr
        row.egenmeldinger = [[fom.isoformat(), tom.isoformat()] for fom, tom in endring.egenmeldinger]
        if row.person_ref is not None:
            await self._recompute(uow, row.person_ref)

    async def on_dialogmote(self, uow: UnitOfWork, inbound: Inbound) -> None:
        endring = read_or_dead_letter(self, uow, inbound, DialogmoteStatusEndring)
        if endring is None:
            return
        pasient = self._pseudonym(endring.person_ident)
        hendelse = endring.hendelse()
        hendelse_id = stable_id(
            endring.dialogmote_uuid, hendelse.status.value, endring.status_endring_tidspunkt.isoformat()
        )
        lager = _lager(uow)
        # Looked for among everyone's meetings, not the person's alone: the id is unique in the table.
        if (
            await uow.session.scalar(
                select(TidslinjeDialogmote.position).where(TidslinjeDialogmote.hendelse_id == hendelse_id)
            )
            is None
        ):
            await lager.add(
                TidslinjeDialogmote(
                    hendelse_id=hendelse_id,
                    person_ref=pasient,
                    orgnummer=endring.virksomhetsnummer,
                    mote_id=hendelse.mote_id,
                    status=hendelse.status.value,
                    dato=hendelse.dato,
                    motetid=hendelse.motetid,
                )
            )
        cases = await self._recompute(uow, pasient)
        await self.kandidatur.on_dialogmote(uow, lager, pasient, hendelse, hendelse_id)
        if hendelse.status is DialogmoteStatus.INNKALT:
            await self._remind_of_plan(uow, cases, endring, hendelse.dato)

    async def on_oppfolgingsplan(self, uow: UnitOfWork, inbound: Inbound) -> None:
        plan = read_own(self, uow, inbound, OppfolgingsplanMottatt)
        if plan is None:
            return
        lager = _lager(uow)
        if await uow.session.get(TidslinjeOppfolgingsplan, plan.plan_uuid) is None:
            await lager.add(
                TidslinjeOppfolgingsplan(
                    plan_uuid=plan.plan_uuid,
                    person_ref=plan.person_ref,
                    orgnummer=plan.orgnummer,
                    mottatt=norwegian_date(plan.mottatt),
                )
            )
        await self._recompute(uow, plan.person_ref)

    async def on_soknad(self, uow: UnitOfWork, inbound: Inbound) -> None:
        """A sent søknad: its pieces replace what it corrects; a malformed one is dead-lettered with
        the field and rule, and a redelivered one changes nothing."""
        soknad = read_or_dead_letter(self, uow, inbound, Sykepengesoknad)
        if soknad is None:
            return
        pasient = self._pseudonym(soknad.fnr)
        lager = _lager(uow)
        row = await uow.session.get(TidslinjeSoknad, soknad.id)
        if row is None:
            row = TidslinjeSoknad(soknad_id=soknad.id, person_ref=pasient)
            await lager.add(row)
        row.orgnummer = None if soknad.arbeidsgiver is None else soknad.arbeidsgiver.orgnummer
        row.perioder = stored_perioder(soknad.perioder())
        row.sendt, row.korrigerer = soknad.sendt, soknad.korrigerer
        await self._recompute(uow, pasient)

    async def on_dodsfall(self, uow: UnitOfWork, inbound: Inbound) -> None:
        dodsfall = read_or_dead_letter(self, uow, inbound, Dodsfall)
        if dodsfall is None:
            return
        pasient = self._pseudonym(dodsfall.personident)
        lager = _lager(uow)
        person = (await lager.rader(pasient)).person
        if person is None:
            person = TidslinjePerson(person_ref=pasient)
            await lager.add(person)
        person.dodsdato = dodsfall.dodsdato
        await self._recompute(uow, pasient)

    async def on_vurdering(self, uow: UnitOfWork, inbound: Inbound) -> None:
        """An officer's exception or "ikke aktuell". The gateway checked the person is a candidate; one
        that is no longer when it arrives is dead-lettered with the reason, for the officer to see."""
        vurdering = read_or_dead_letter(self, uow, inbound, DialogmotekandidatVurdering)
        if vurdering is None:
            return
        pasient = self._pseudonym(vurdering.personident)
        avslag = await self.kandidatur.on_vurdering(uow, _lager(uow), pasient, vurdering)
        if avslag is not None:
            detail = AVSLAG_FORKLARING[avslag]
            send_to_dead_letter(uow, self.runtime.dead_letters, inbound, reason=avslag.value, detail=detail)

    async def poisoned(self, uow: UnitOfWork, inbound: Inbound, error: Exception) -> None:
        if inbound.topic in {
            self.runtime.topics.name(NAV_DIALOGMOTE_STATUS),
            self.runtime.topics.name(SYKEPENGESOKNAD),
            self.runtime.topics.name(NAV_DODSFALL),
            self.runtime.topics.name(NAV_DIALOGMOTEKANDIDAT_VURDERING),
        }:
            dead_letter_poison(self, uow, inbound, error)

    async def _recompute(self, uow: UnitOfWork, pasient: str) -> list[CaseFacts]:
        """Rebuild the cases of one person, emit what is due today in each employer's view, re-arm
        the timers. Returns every view of every case."""
        lager = _lager(uow)
        inputs = await lager.inputs(pasient)
        today, now = self.runtime.clock.today(), self.runtime.clock.now()
        views: list[CaseFacts] = []
        saved = []
        for tilfelle_id, tilfelle in inputs.tilfeller():
            armed: date | None = None
            for facts in inputs.views(tilfelle_id, tilfelle):
                evaluation = evaluate(facts, today)
                for action in evaluation.actions:
                    await self._emit(uow, tilfelle_id, action.to_message(now))
                if evaluation.next_due is not None and (armed is None or evaluation.next_due < armed):
                    armed = evaluation.next_due
                views.append(facts)
            saved.append((tilfelle_id, tilfelle, armed))
        tilfeller = [(i, t) for i, t, _ in saved]
        wake = await self.kandidatur.on_cases(uow, lager, pasient, tilfeller, inputs.dialogmoter)
        saved = [(i, t, _earliest(armed, wake.get(i))) for i, t, armed in saved]
        await lager.save_cases(pasient, saved)
        signal = gjentakende_sykefravaer.vurder([(i, t) for i, t, _ in saved], today)
        if signal is not None:
            await self._emit(uow, signal.siste_tilfelle_id, gjentakende_sykefravaer.oppgave(pasient, signal, now))
        return views

    async def _remind_of_plan(
        self, uow: UnitOfWork, cases: list[CaseFacts], endring: DialogmoteStatusEndring, day: date
    ) -> None:
        facts = active_case(cases, day, endring.virksomhetsnummer)
        if facts is None:
            return  # a meeting outside any case the timeline knows: nothing to remind of
        motedato = norwegian_date(endring.dialogmote_tidspunkt)
        varsel = plan_before_dialogmote(facts, endring.dialogmote_uuid, motedato, self.runtime.clock.now())
        if varsel is not None:
            await self._emit(uow, facts.tilfelle_id, varsel)

    async def _emit(self, uow: UnitOfWork, tilfelle_id: UUID, message: Varsel | Oppgave) -> None:
        if not await mark_fired(uow.session, message.id, str(tilfelle_id), self.runtime.clock.now()):
            return
        if isinstance(message, Varsel):
            topic, key = self.runtime.topics.name(VARSEL), str(tilfelle_id)
        else:
            topic, key = self.runtime.topics.name(OPPGAVE_BESTILLING), message.id
        uow.publish(
            topic=topic, key=key, value=contracts.encode(self.runtime.codec, message, topic), event_id=message.id
        )
        log.info("tidslinje.emitted", tilfelle_id=str(tilfelle_id), id=message.id, type=message.type.value)


def _lager(uow: UnitOfWork) -> Tidslinjelager:
    """The transaction's rows of the timeline, made by `prepare` (or by the first that asks)."""
    if not isinstance(uow.scratch, Tidslinjelager):
        uow.scratch = Tidslinjelager(uow.session)
    return uow.scratch


Names = tuple[str | None, str | None]
"""The sykmelding id and the person (pseudonym) a message is about."""

_NAMES: dict[Topic, tuple[type[DomainModel], Callable[[Any, Callable[[str], str]], Names]]] = {
    NAV_SYKMELDING: (
        NavSykmelding,
        lambda m, ref: (m.received_sykmelding.sykmelding.id, ref(m.received_sykmelding.pasient_fnr)),
    ),
    SYKMELDING_STATUS: (SykmeldingStatusEvent, lambda m, _: (m.sykmelding_id, None)),
    NAV_DIALOGMOTE_STATUS: (DialogmoteStatusEndring, lambda m, ref: (None, ref(m.person_ident))),
    OPPFOLGINGSPLAN_MOTTATT: (OppfolgingsplanMottatt, lambda m, _: (None, m.person_ref)),
    SYKEPENGESOKNAD: (Sykepengesoknad, lambda m, ref: (None, ref(m.fnr))),
    NAV_DODSFALL: (Dodsfall, lambda m, ref: (None, ref(m.personident))),
    NAV_DIALOGMOTEKANDIDAT_VURDERING: (DialogmotekandidatVurdering, lambda m, ref: (None, ref(m.personident))),
}


def _earliest(*days: date | None) -> date | None:
    return min((day for day in days if day is not None), default=None)
