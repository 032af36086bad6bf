"""tidslinje: each person's case per employer, and its stop points as durable timers.

nav.sykmelding ───────────┐  (periods, by pseudonym; a rejected sykmelding counts nothing)
arbeidsgiver.sykmelding ──┤  (SENDT to which virksomhet; a tombstone withdraws it)
nav.dialogmote-status ────┼─► cases ──► varsel (keyed by case id)
oppfolgingsplan.mottatt ──┘      │   └─► oppgave.bestilling (the oppgave service gives NAV the task)
                   the clock ────┘

Every change recomputes the person's cases with that employer and emits what is due now; each case
row stores the day its next stop point falls due, and `background` fires the due ones on the
runtime's clock. An action is emitted in the same transaction that records its stable id in
tidslinje_fired_action, so a timer fires once: across restarts, redeliveries and racing instances.
"""

import asyncio
from datetime import date

import structlog
from faststream.kafka import KafkaBroker
from sqlalchemy import select

from sykmeldingsflyt.domain.clock import norwegian_date
from sykmeldingsflyt.domain.dialogmote import DialogmoteStatusEndring
from sykmeldingsflyt.domain.oppfolgingsplan import OppfolgingsplanMottatt
from sykmeldingsflyt.domain.oppgave import Oppgave
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.tilfelle import sykeperioder
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
from sykmeldingsflyt.messaging.ids import stable_id
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import (
    ARBEIDSGIVER_SYKMELDING,
    NAV_DIALOGMOTE_STATUS,
    NAV_SYKMELDING,
    OPPFOLGINGSPLAN_MOTTATT,
    OPPGAVE_BESTILLING,
    VARSEL,
)
from sykmeldingsflyt.services.runtime import Runtime, Service
from sykmeldingsflyt.services.wiring import consume_all, dead_letter_poison, read_or_dead_letter, read_own
from sykmeldingsflyt.storage.tables import TidslinjeDialogmote, TidslinjeOppfolgingsplan
from sykmeldingsflyt.storage.tidslinje import (
    case_inputs,
    claim_due,
    lock_cases,
    mark_fired,
    save_cases,
    stored_perioder,
    sykmelding_row,
)
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)


class TidslinjeService(Service):
    name = "tidslinje"

    def __init__(self, runtime: Runtime, poll_interval: float = 30.0, batch_size: int = 200) -> None:
        super().__init__(runtime)
        # The clock is asked, not waited on: a virtual clock moves whenever its owner says so.
        self.poll_interval = poll_interval
        self.batch_size = batch_size

    def subscribe(self, broker: KafkaBroker) -> None:
        inputs = (
            (NAV_SYKMELDING, self.on_sykmelding),
            (ARBEIDSGIVER_SYKMELDING, self.on_arbeidsgiver),
            (NAV_DIALOGMOTE_STATUS, self.on_dialogmote),
            (OPPFOLGINGSPLAN_MOTTATT, self.on_oppfolgingsplan),
        )
        consume_all(self, broker, inputs, self.poisoned)

    async def background(self) -> None:
        while True:
            try:
                await self.fire_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("tidslinje.timers_failed", exc_info=True)  # the next round tries again
            await asyncio.sleep(self.poll_interval)

    async def fire_due(self) -> int:
        """Fire every timer due by the clock's today; returns how many person-employer pairs it looked at."""
        handled = 0
        while True:
            async with self.runtime.database.session.begin() as session:
                uow = UnitOfWork(session, self.name)
                due = await claim_due(session, self.runtime.clock.today(), self.batch_size)
                for pasient, orgnummer in due:
                    await self._recompute(uow, pasient, orgnummer)
            if uow.published:
                self.relay.notify()
            handled += len(due)
            if not due:
                return handled

    async def on_sykmelding(self, uow: UnitOfWork, inbound: Inbound) -> None:
        nav = read_own(self, inbound, NavSykmelding)
        if nav is None:
            return
        sykmelding = nav.received_sykmelding.sykmelding
        row = await sykmelding_row(uow.session, sykmelding.id)
        row.person_ref = person_ref(nav.received_sykmelding.pasient_fnr, self.runtime.settings.pseudonym_key)
        rejected = nav.validation_result.status is RuleStatus.INVALID
        row.perioder = [] if rejected else stored_perioder(sykeperioder(sykmelding.id, sykmelding.perioder))
        if row.orgnummer is not None:
            await self._recompute(uow, row.person_ref, row.orgnummer)

    async def on_arbeidsgiver(self, uow: UnitOfWork, inbound: Inbound) -> None:
        """The employer view says where the employee sent the sykmelding; only its key and headers are
        read, and a tombstone (the employee withdrew it) takes it out of the case."""
        orgnummer = inbound.header("orgnummer")
        if inbound.key is None or orgnummer is None:
            log.error("tidslinje.employer_view_without_key_or_orgnummer", event_id=inbound.event_id)
            return
        row = await sykmelding_row(uow.session, inbound.key.decode())
        before, row.orgnummer = row.orgnummer, None if inbound.value is None else orgnummer
        if row.person_ref is not None:
            for changed in dict.fromkeys(org for org in (before, row.orgnummer) if org is not None):
                await self._recompute(uow, row.person_ref, changed)

    async def on_dialogmote(self, uow: UnitOfWork, inbound: Inbound) -> None:
        endring = read_or_dead_letter(self, uow, inbound, DialogmoteStatusEndring)
        if endring is None:
            return
        pasient = person_ref(endring.person_ident, self.runtime.settings.pseudonym_key)
        hendelse = endring.hendelse()
        hendelse_id = stable_id(
            endring.dialogmote_uuid, hendelse.status.value, endring.status_endring_tidspunkt.isoformat()
        )
        if (
            await uow.session.scalar(
                select(TidslinjeDialogmote.position).where(TidslinjeDialogmote.hendelse_id == hendelse_id)
            )
            is None
        ):
            uow.session.add(
                TidslinjeDialogmote(
                    hendelse_id=hendelse_id,
                    person_ref=pasient,
                    orgnummer=endring.virksomhetsnummer,
                    mote_id=hendelse.mote_id,
                    status=hendelse.status.value,
                    dato=hendelse.dato,
                )
            )
        cases = await self._recompute(uow, pasient, endring.virksomhetsnummer)
        if hendelse.status is DialogmoteStatus.INNKALT:
            await self._remind_of_plan(uow, cases, endring, hendelse.dato)

    async def on_oppfolgingsplan(self, uow: UnitOfWork, inbound: Inbound) -> None:
        plan = read_own(self, inbound, OppfolgingsplanMottatt)
        if plan is None:
            return
        if await uow.session.get(TidslinjeOppfolgingsplan, plan.plan_uuid) is None:
            uow.session.add(
                TidslinjeOppfolgingsplan(
                    plan_uuid=plan.plan_uuid,
                    person_ref=plan.person_ref,
                    orgnummer=plan.orgnummer,
                    mottatt=norwegian_date(plan.mottatt),
                )
            )
        await self._recompute(uow, plan.person_ref, plan.orgnummer)

    async def poisoned(self, uow: UnitOfWork, inbound: Inbound, error: Exception) -> None:
        if inbound.topic == self.runtime.topics.name(NAV_DIALOGMOTE_STATUS):
            dead_letter_poison(self, uow, inbound, error)

    async def _recompute(self, uow: UnitOfWork, pasient: str, orgnummer: str) -> list[CaseFacts]:
        """Rebuild the cases of one person with one employer, emit what is due today, re-arm the timers."""
        await lock_cases(uow.session, pasient, orgnummer)
        cases = (await case_inputs(uow.session, pasient, orgnummer)).cases()
        today, now = self.runtime.clock.today(), self.runtime.clock.now()
        evaluations = [(facts, evaluate(facts, today)) for facts in cases]
        await save_cases(uow.session, pasient, orgnummer, [(facts, e.next_due) for facts, e in evaluations])
        for facts, evaluation in evaluations:
            for action in evaluation.actions:
                await self._emit(uow, facts, action.to_message(now))
        return cases

    async def _remind_of_plan(
        self, uow: UnitOfWork, cases: list[CaseFacts], endring: DialogmoteStatusEndring, day: date
    ) -> None:
        facts = active_case(cases, day)
        if facts is None:
            return  # a meeting outside any case the timeline knows: nothing to remind of
        motedato = norwegian_date(endring.dialogmote_tidspunkt)
        varsel = plan_before_dialogmote(facts, endring.dialogmote_uuid, motedato, self.runtime.clock.now())
        if varsel is not None:
            await self._emit(uow, facts, varsel)

    async def _emit(self, uow: UnitOfWork, facts: CaseFacts, message: Varsel | Oppgave) -> None:
        tilfelle_id = str(facts.tilfelle_id)
        if not await mark_fired(uow.session, message.id, tilfelle_id, self.runtime.clock.now()):
            return
        if isinstance(message, Varsel):
            topic, key = self.runtime.topics.name(VARSEL), tilfelle_id
        else:
            topic, key = self.runtime.topics.name(OPPGAVE_BESTILLING), message.id
        uow.publish(
            topic=topic, key=key, value=contracts.encode(self.runtime.codec, message, topic), event_id=message.id
        )
        log.info("tidslinje.emitted", tilfelle_id=tilfelle_id, id=message.id, type=message.type.value)
