"""oppgave: NAV's tasks, each given once, with their lifecycle.

oppgave.bestilling ─────────────────────────┐
nav.sykmelding ──► the doctor asks for help ─┴─► new task? ──► nav.oppgave (MOTTATT)
nav.oppgave-behandlet ──► BEHANDLET ──► nav.oppgave (BEHANDLET)
                                    └──► nav.oppgave-behandlet.dlq (unknown task, unreadable)

A task's id is stable per trigger, so an order repeated, redelivered or raced by two instances
finds its row and makes no second task.
"""

import structlog
from faststream.kafka import KafkaBroker
from pydantic import ValidationError

from sykmeldingsflyt.domain.oppgave import Oppgave, OppgaveBehandlet, Oppgavestatus, behandler_ber_om_bistand
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.dead_letter import send_to_dead_letter
from sykmeldingsflyt.messaging.ids import stable_id
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import (
    NAV_OPPGAVE,
    NAV_OPPGAVE_BEHANDLET,
    NAV_SYKMELDING,
    OPPGAVE_BESTILLING,
    dead_letter_topic,
)
from sykmeldingsflyt.services.runtime import Service
from sykmeldingsflyt.services.wiring import consume_all, dead_letter_poison, read_or_dead_letter, read_own
from sykmeldingsflyt.storage.tables import NavOppgave
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)

UKJENT_OPPGAVE = "UKJENT_OPPGAVE"
UGYLDIG_BEHANDLING = "UGYLDIG_BEHANDLING"


class OppgaveService(Service):
    name = "oppgave"
    produces = (NAV_OPPGAVE, dead_letter_topic(NAV_OPPGAVE_BEHANDLET))

    def subscribe(self, broker: KafkaBroker) -> None:
        inputs = (
            (OPPGAVE_BESTILLING, self.on_bestilling),
            (NAV_SYKMELDING, self.on_sykmelding),
            (NAV_OPPGAVE_BEHANDLET, self.on_behandlet),
        )
        consume_all(self, broker, inputs, self.poisoned)

    async def on_bestilling(self, uow: UnitOfWork, inbound: Inbound) -> None:
        oppgave = read_own(self, uow, inbound, Oppgave)
        if oppgave is None:
            return
        if oppgave.status is not Oppgavestatus.MOTTATT:
            log.error("oppgave.order_not_new", oppgave_id=oppgave.id, status=oppgave.status.value)
            return
        await self._give(uow, oppgave)

    async def on_sykmelding(self, uow: UnitOfWork, inbound: Inbound) -> None:
        nav = read_own(self, uow, inbound, NavSykmelding)
        if nav is None:
            return
        pasient = person_ref(nav.received_sykmelding.pasient_fnr, self.runtime.settings.pseudonym_key)
        oppgave = behandler_ber_om_bistand(nav, pasient, self.runtime.clock.now())
        if oppgave is not None:
            await self._give(uow, oppgave)

    async def on_behandlet(self, uow: UnitOfWork, inbound: Inbound) -> None:
        behandlet = read_or_dead_letter(self, uow, inbound, OppgaveBehandlet)
        if behandlet is None:
            return
        row = await uow.session.get(NavOppgave, behandlet.oppgave_id)
        if row is None:
            detail = "No task with this id was given to NAV."
            send_to_dead_letter(uow, self.runtime.dead_letters, inbound, reason=UKJENT_OPPGAVE, detail=detail)
            return
        before = Oppgave.model_validate(row.oppgave)
        try:
            after = before.with_status(Oppgavestatus.BEHANDLET, behandlet.behandlet)
        except ValidationError:
            detail = "The task cannot have been handled before it was created."
            send_to_dead_letter(uow, self.runtime.dead_letters, inbound, reason=UGYLDIG_BEHANDLING, detail=detail)
            return
        if after == before:
            return  # handled already: NAV said it twice
        row.status = after.status.value
        row.oppgave = after.model_dump(mode="json", by_alias=True)
        self._publish(uow, after)

    async def poisoned(self, uow: UnitOfWork, inbound: Inbound, error: Exception) -> None:
        if inbound.topic == self.runtime.topics.name(NAV_OPPGAVE_BEHANDLET):
            dead_letter_poison(self, uow, inbound, error)

    async def _give(self, uow: UnitOfWork, oppgave: Oppgave) -> None:
        if await uow.session.get(NavOppgave, oppgave.id) is not None:
            return  # the same trigger again: NAV has this task already
        uow.session.add(
            NavOppgave(
                oppgave_id=oppgave.id,
                status=oppgave.status.value,
                oppgave=oppgave.model_dump(mode="json", by_alias=True),
            )
        )
        self._publish(uow, oppgave)

    def _publish(self, uow: UnitOfWork, oppgave: Oppgave) -> None:
        topic = self.runtime.topics.name(NAV_OPPGAVE)
        uow.publish(
            topic=topic,
            key=oppgave.id,
            value=contracts.encode(self.runtime.codec, oppgave, topic),
            event_id=stable_id(self.name, oppgave.id, oppgave.status.value),
        )
        log.info("oppgave.published", oppgave_id=oppgave.id, type=oppgave.type.value, status=oppgave.status.value)
