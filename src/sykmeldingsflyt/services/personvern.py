"""personvern: each party gets only its own view, and the employer only after the employee sends it.

nav.sykmelding ─────┐
sykmelding.status ──┴─► lifecycle ──► arbeidsgiver.sykmelding (employer view on SENDT; tombstone on withdrawal)
                                  └─► sykmelding.status.dlq (refused events, with the reason)
sykepengesoknad ──► sent to the employer? ──► arbeidsgiver.soknad (employer view, by whitelist)

The two inputs are different topics, so a status event can overtake its sykmelding: it then waits in
the database and is applied when the sykmelding arrives, or refused as unknown when it never does.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from faststream.kafka import KafkaBroker
from sqlalchemy import Select, delete, select

from sykmeldingsflyt.domain.livslop import ArbeidsgiverEffekt, Avslatt, Tilstand, anvend
from sykmeldingsflyt.domain.privacy import arbeidsgiver_view
from sykmeldingsflyt.domain.status import SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykepengesoknad import Sykepengesoknad, arbeidsgiver_soknad
from sykmeldingsflyt.domain.sykmelding import SykmeldingStatus
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.codec import DecodeError
from sykmeldingsflyt.messaging.dead_letter import send_to_dead_letter
from sykmeldingsflyt.messaging.ids import stable_id
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import (
    ARBEIDSGIVER_SOKNAD,
    ARBEIDSGIVER_SYKMELDING,
    NAV_SYKMELDING,
    SYKEPENGESOKNAD,
    SYKMELDING_STATUS,
    dead_letter_topic,
)
from sykmeldingsflyt.messaging.transient import every
from sykmeldingsflyt.services.runtime import Runtime, Service
from sykmeldingsflyt.services.wiring import consume_all, dead_letter_poison, decoded, read_or_dead_letter, read_own
from sykmeldingsflyt.storage.forhandsoppslag import Forhandsoppslag
from sykmeldingsflyt.storage.tables import PersonvernStatusEvent, PersonvernSykmelding, PersonvernVentendeStatus
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)

UKJENT_SYKMELDING = "UKJENT_SYKMELDING"


@dataclass(frozen=True, slots=True)
class _Batch:
    """What `prepare_*` fetched for a batch in a query or two, for the handler to use message by message."""

    oppslag: Forhandsoppslag
    ventende: dict[str, list[PersonvernVentendeStatus]] = field(default_factory=dict)
    """The status events waiting for each of the batch's sykmeldinger, in the order they are applied."""


def _batch(uow: UnitOfWork) -> _Batch:
    # Outside a stage (the settling sweep) nothing was fetched beforehand: every lookup asks the database.
    batch: _Batch | None = uow.scratch
    return batch if batch is not None else _Batch(Forhandsoppslag(uow.session))


def _ventende_i_rekkefolge() -> Select[PersonvernVentendeStatus]:
    return select(PersonvernVentendeStatus).order_by(
        PersonvernVentendeStatus.received_at, PersonvernVentendeStatus.source_offset
    )


class Personvern(Service):
    name = "personvern"
    produces = (ARBEIDSGIVER_SYKMELDING, ARBEIDSGIVER_SOKNAD, dead_letter_topic(SYKMELDING_STATUS))

    def __init__(
        self,
        runtime: Runtime,
        wait_for_sykmelding: timedelta = timedelta(minutes=15),
        settle_interval: float = 2.0,
    ) -> None:
        super().__init__(runtime)
        self.wait_for_sykmelding = wait_for_sykmelding
        self.settle_interval = settle_interval

    def subscribe(self, broker: KafkaBroker) -> None:
        inputs = (
            (NAV_SYKMELDING, self.on_sykmelding),
            (SYKMELDING_STATUS, self.on_status),
            (SYKEPENGESOKNAD, self.on_soknad),
        )
        prepare = {NAV_SYKMELDING: self.prepare_sykmeldinger, SYKMELDING_STATUS: self.prepare_status}
        consume_all(self, broker, inputs, self.poisoned, prepare)

    async def background(self) -> None:
        """Settle the waiting status events now and then: see `settle_waiting`."""
        await every(self.settle_interval, self.settle_waiting, "personvern:ventende")

    async def prepare_sykmeldinger(self, uow: UnitOfWork, batch: Sequence[Inbound]) -> None:
        """Fetch the batch's sykmeldinger (to know those already here) and the status events waiting for them.

        By the messages' keys, which mottak sets to the sykmelding id: a message keyed otherwise is looked up
        on its own, as before."""
        ids = {inbound.key.decode(errors="replace") for inbound in batch if inbound.key}
        oppslag = Forhandsoppslag(uow.session)
        await oppslag.hent(PersonvernSykmelding, ids)
        ventende: dict[str, list[PersonvernVentendeStatus]] = {sykmelding_id: [] for sykmelding_id in ids}
        if ids:
            for pending in await uow.session.scalars(
                _ventende_i_rekkefolge().where(PersonvernVentendeStatus.sykmelding_id.in_(ids))
            ):
                ventende[pending.sykmelding_id].append(pending)
        uow.scratch = _Batch(oppslag, ventende)

    async def prepare_status(self, uow: UnitOfWork, batch: Sequence[Inbound]) -> None:
        """Fetch what the batch's status events are checked against: their sykmeldinger, and whether each
        event was applied or is waiting already. An event that cannot be read is its handler's to dead-letter."""
        read = (decoded(self, uow, inbound, SykmeldingStatusEvent) for inbound in batch)
        events = [event for event in read if not isinstance(event, DecodeError)]
        oppslag = Forhandsoppslag(uow.session)
        await oppslag.hent(PersonvernSykmelding, {event.sykmelding_id for event in events})
        await oppslag.hent(PersonvernStatusEvent, {event.event_id for event in events})
        await oppslag.hent(PersonvernVentendeStatus, {event.event_id for event in events})
        uow.scratch = _Batch(oppslag)

    async def on_sykmelding(self, uow: UnitOfWork, inbound: Inbound) -> None:
        nav = read_own(self, uow, inbound, NavSykmelding)
        if nav is None:
            return
        sykmelding_id = nav.received_sykmelding.sykmelding.id
        batch = _batch(uow)
        if await batch.oppslag.get(PersonvernSykmelding, sykmelding_id) is not None:
            return
        batch.oppslag.add(
            PersonvernSykmelding(
                sykmelding_id=sykmelding_id,
                nav_sykmelding=inbound.value,
                validation_status=nav.validation_result.status.value,
                status=SykmeldingStatus.APEN.value,
                sendt_til_orgnummer=None,
                sendt_til_juridisk_orgnummer=None,
            )
        )
        waiting = batch.ventende.pop(sykmelding_id, None)
        if waiting is None:
            query = _ventende_i_rekkefolge().where(PersonvernVentendeStatus.sykmelding_id == sykmelding_id)
            waiting = list(await uow.session.scalars(query))
        for pending in waiting:
            event = contracts.decode(self.runtime.codec, pending.value, SykmeldingStatusEvent)
            await self._apply(uow, _inbound_of(pending), event)
            await uow.session.delete(pending)

    async def on_status(self, uow: UnitOfWork, inbound: Inbound) -> None:
        event = read_or_dead_letter(self, uow, inbound, SykmeldingStatusEvent)
        if event is None:
            return
        oppslag = _batch(uow).oppslag
        if await oppslag.get(PersonvernSykmelding, event.sykmelding_id) is None:
            if await oppslag.get(PersonvernVentendeStatus, event.event_id) is None:
                oppslag.add(
                    PersonvernVentendeStatus(
                        event_id=event.event_id,
                        sykmelding_id=event.sykmelding_id,
                        value=inbound.value,
                        source_topic=inbound.topic,
                        source_partition=inbound.partition,
                        source_offset=inbound.offset,
                        received_at=self.runtime.clock.now(),
                    )
                )
            return
        await self._apply(uow, inbound, event)

    async def on_soknad(self, uow: UnitOfWork, inbound: Inbound) -> None:
        """The employer's view of a søknad the employee sent to the employer; nothing for any other. A
        søknad that cannot be read is tidslinje's to dead-letter, with the field and rule, once."""
        soknad = decoded(self, uow, inbound, Sykepengesoknad)
        if isinstance(soknad, DecodeError):
            log.info("personvern.soknad_unreadable", event_id=inbound.event_id, reason=soknad.reason)
            return
        view = arbeidsgiver_soknad(soknad)
        if view is None:
            return
        topic = self.runtime.topics.name(ARBEIDSGIVER_SOKNAD)
        uow.publish(
            topic=topic,
            key=view.id,
            value=contracts.encode(self.runtime.codec, view, topic),
            event_id=stable_id(self.name, "soknad", inbound.event_id),
            headers={"orgnummer": view.arbeidsgiver.orgnummer},
        )
        log.info("personvern.soknad", soknad_id=view.id)

    async def poisoned(self, uow: UnitOfWork, inbound: Inbound, error: Exception) -> None:
        if inbound.topic == self.runtime.topics.name(SYKMELDING_STATUS):
            dead_letter_poison(self, uow, inbound, error)

    async def settle_waiting(self) -> int:
        """Apply the waiting events whose sykmelding has come, refuse as unknown those past their time.

        A status event and its sykmelding can be stored at the same moment by the two stages, each
        unable to see the other's uncommitted row: the event then waits although the sykmelding is
        there. This sweep is what picks it up. Returns how many events it settled.
        """
        cutoff = self.runtime.clock.now() - self.wait_for_sykmelding
        async with self.runtime.database.session.begin() as session:
            uow = UnitOfWork(session, self.name)
            # Compared in SQL: SQLite hands timestamps back without their time zone.
            expired = (PersonvernVentendeStatus.received_at < cutoff).label("expired")
            waiting = (
                await session.execute(
                    select(PersonvernVentendeStatus, expired).order_by(
                        PersonvernVentendeStatus.received_at, PersonvernVentendeStatus.source_offset
                    )
                )
            ).all()
            settled = []
            for pending, too_late in waiting:
                if await session.get(PersonvernSykmelding, pending.sykmelding_id) is not None:
                    event = contracts.decode(self.runtime.codec, pending.value, SykmeldingStatusEvent)
                    await self._apply(uow, _inbound_of(pending), event)
                elif too_late:
                    detail = f"No sykmelding with this id arrived within {self.wait_for_sykmelding}."
                    send_to_dead_letter(
                        uow, self.runtime.dead_letters, _inbound_of(pending), reason=UKJENT_SYKMELDING, detail=detail
                    )
                else:
                    continue
                settled.append(pending.event_id)
            await session.execute(
                delete(PersonvernVentendeStatus).where(PersonvernVentendeStatus.event_id.in_(settled))
            )
        if settled:
            self.relay.notify()
        return len(settled)

    async def _apply(self, uow: UnitOfWork, inbound: Inbound, event: SykmeldingStatusEvent) -> None:
        oppslag = _batch(uow).oppslag
        if await oppslag.get(PersonvernStatusEvent, event.event_id) is not None:
            return  # the employee's client sent the same event again
        row = await oppslag.get(PersonvernSykmelding, event.sykmelding_id)
        assert row is not None
        before = Tilstand(SykmeldingStatus(row.status), RuleStatus(row.validation_status), row.sendt_til_orgnummer)
        outcome = anvend(before, event)
        if isinstance(outcome, Avslatt):
            send_to_dead_letter(
                uow, self.runtime.dead_letters, inbound, reason=outcome.grunn.value, detail=outcome.forklaring
            )
            log.info("personvern.refused", sykmelding_id=event.sykmelding_id, reason=outcome.grunn.value)
            return
        oppslag.add(
            PersonvernStatusEvent(
                event_id=event.event_id, sykmelding_id=event.sykmelding_id, applied_at=self.runtime.clock.now()
            )
        )
        if outcome.effekt is ArbeidsgiverEffekt.PUBLISER:
            assert event.arbeidsgiver is not None
            row.sendt_til_juridisk_orgnummer = event.arbeidsgiver.juridisk_orgnummer
            self._publish_employer_view(uow, row, event)
        elif outcome.effekt is ArbeidsgiverEffekt.TREKK_TILBAKE:
            self._withdraw_employer_view(uow, row, event.event_id)
        row.status = outcome.ny.status.value
        row.sendt_til_orgnummer = outcome.ny.sendt_til_orgnummer
        log.info("personvern.status", sykmelding_id=event.sykmelding_id, status=row.status)

    def _publish_employer_view(self, uow: UnitOfWork, row: PersonvernSykmelding, event: SykmeldingStatusEvent) -> None:
        assert event.arbeidsgiver is not None
        nav = contracts.decode(self.runtime.codec, row.nav_sykmelding, NavSykmelding)
        view = arbeidsgiver_view(nav.received_sykmelding, event.arbeidsgiver, event.timestamp)
        topic = self.runtime.topics.name(ARBEIDSGIVER_SYKMELDING)
        uow.publish(
            topic=topic,
            key=row.sykmelding_id,
            value=contracts.encode(self.runtime.codec, view, topic),
            event_id=stable_id(self.name, "arbeidsgiver", event.event_id),
            headers={
                "orgnummer": event.arbeidsgiver.orgnummer,
                "juridisk-orgnummer": event.arbeidsgiver.juridisk_orgnummer,
            },
        )

    def _withdraw_employer_view(self, uow: UnitOfWork, row: PersonvernSykmelding, status_event_id: str) -> None:
        """A tombstone, with the same headers as the view it removes, so HR filters see it too."""
        assert row.sendt_til_orgnummer is not None and row.sendt_til_juridisk_orgnummer is not None
        uow.publish(
            topic=self.runtime.topics.name(ARBEIDSGIVER_SYKMELDING),
            key=row.sykmelding_id,
            value=None,
            event_id=stable_id(self.name, "arbeidsgiver", status_event_id),
            headers={"orgnummer": row.sendt_til_orgnummer, "juridisk-orgnummer": row.sendt_til_juridisk_orgnummer},
        )


def _inbound_of(pending: PersonvernVentendeStatus) -> Inbound:
    return Inbound(
        topic=pending.source_topic,
        partition=pending.source_partition,
        offset=pending.source_offset,
        key=pending.sykmelding_id.encode(),
        value=pending.value,
        headers=(),
    )
