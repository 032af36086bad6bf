"""gateway (the service): keeps the tables the HTTP side answers from, fed by the output topics.

nav.sykmelding ──────────► whose sykmelding it is (a pseudonym), so a person acts on their own only;
                           and NAV's view per case, for the case room (gateway/rom)
epj.kvittering ──────────► the kvittering per msgId and clinic
arbeidsgiver.sykmelding ─► the employer views per employer, as a feed; a tombstone marks one withdrawn
hr.kvittering ───────────► the latest receipt per plan and posting organisation
nav.oppgave ─────────────► NAV's tasks, as a feed
varsel ──────────────────► the varsler, as a feed per employer and per employee
epj.dialogmelding ───────► the plans to the fastlege, as a feed per clinic (HER id)
arbeidsgiver.soknad ─────► the employer views of søknader, as a feed per employer
nav.motebehov ───────────► the accepted møtebehov, by person and employer (handled: its task on nav.oppgave)

These topics hold every employer's and every clinic's data; no outside party reads them. Each reads its
own share from these tables through its door.

Consumed through the same stages as every service: each batch in one transaction with the ids of the
events it handled, so a redelivered batch changes nothing. What the handlers look up is fetched for the
whole batch beforehand, one query per table, and the feeds' new entries are written at its commit
(storage/lesemodell.py). The HTTP side only reads these tables.
"""

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import TypeVar

import structlog
from faststream.kafka import KafkaBroker
from sqlalchemy import event

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.kvittering import Kvittering
from sykmeldingsflyt.domain.motebehov import MotebehovMottatt
from sykmeldingsflyt.domain.oppfolgingsplan import Dialogmelding, PlanKvittering
from sykmeldingsflyt.domain.oppgave import Oppgave
from sykmeldingsflyt.domain.pseudonym import person_ref, sak_ref
from sykmeldingsflyt.domain.sykepengesoknad import ArbeidsgiverSoknad
from sykmeldingsflyt.domain.varsel import Varsel
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding, NavSykmelding
from sykmeldingsflyt.gateway.idempotency import forget_expired
from sykmeldingsflyt.messaging.codec import DecodeError
from sykmeldingsflyt.messaging.stage import Handler, Inbound
from sykmeldingsflyt.messaging.topics import (
    ARBEIDSGIVER_SOKNAD,
    ARBEIDSGIVER_SYKMELDING,
    EPJ_DIALOGMELDING,
    EPJ_KVITTERING,
    HR_KVITTERING,
    NAV_MOTEBEHOV,
    NAV_OPPGAVE,
    NAV_SYKMELDING,
    VARSEL,
    Topic,
)
from sykmeldingsflyt.services.runtime import Service
from sykmeldingsflyt.services.wiring import consume_all, decoded
from sykmeldingsflyt.storage import rom as rom_storage
from sykmeldingsflyt.storage.lesemodell import Lesebatch
from sykmeldingsflyt.storage.tables import (
    Base,
    GatewayArbeidsgiverSoknad,
    GatewayArbeidsgiverSykmelding,
    GatewayDialogmelding,
    GatewayKvittering,
    GatewayMotebehov,
    GatewayOppgave,
    GatewayPlanKvittering,
    GatewayRomSykmelding,
    GatewaySykmeldingEier,
    GatewayVarsel,
)
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)

M = TypeVar("M", bound=DomainModel)

_MODELS: dict[Topic, type[DomainModel]] = {
    NAV_SYKMELDING: NavSykmelding,
    EPJ_KVITTERING: Kvittering,
    ARBEIDSGIVER_SYKMELDING: ArbeidsgiverSykmelding,
    HR_KVITTERING: PlanKvittering,
    NAV_OPPGAVE: Oppgave,
    VARSEL: Varsel,
    EPJ_DIALOGMELDING: Dialogmelding,
    NAV_MOTEBEHOV: MotebehovMottatt,
    ARBEIDSGIVER_SOKNAD: ArbeidsgiverSoknad,
}
PRUNE_EVERY = timedelta(hours=1)


def _looked_up_by(melding: DomainModel) -> tuple[type[Base], object]:
    """The table a message's handler looks in, and the value of its `Lesebatch.hent` column to fetch by."""
    match melding:
        case NavSykmelding():
            return GatewaySykmeldingEier, melding.received_sykmelding.sykmelding.id
        case Kvittering():
            return GatewayKvittering, melding.msg_id
        case ArbeidsgiverSykmelding():
            return GatewayArbeidsgiverSykmelding, melding.id
        case PlanKvittering():
            return GatewayPlanKvittering, melding.plan_uuid
        case Oppgave():
            return GatewayOppgave, melding.id
        case Varsel():
            return GatewayVarsel, melding.id
        case Dialogmelding():
            return GatewayDialogmelding, melding.dialogmelding_id
        case MotebehovMottatt():
            return GatewayMotebehov, melding.id
        case ArbeidsgiverSoknad():
            return GatewayArbeidsgiverSoknad, melding.id
    raise TypeError(type(melding).__name__)


def _lest(uow: UnitOfWork) -> Lesebatch:
    lest: Lesebatch = uow.scratch  # set by `prepare`, which the stage runs before each batch
    return lest


class GatewayReadModel(Service):
    name = "gateway"

    def subscribe(self, broker: KafkaBroker) -> None:
        inputs: tuple[tuple[Topic, Handler], ...] = (
            (NAV_SYKMELDING, self.on_sykmelding),
            (EPJ_KVITTERING, self.on_kvittering),
            (ARBEIDSGIVER_SYKMELDING, self.on_arbeidsgiver_sykmelding),
            (HR_KVITTERING, self.on_plan_kvittering),
            (NAV_OPPGAVE, self.on_oppgave),
            (VARSEL, self.on_varsel),
            (EPJ_DIALOGMELDING, self.on_dialogmelding),
            (NAV_MOTEBEHOV, self.on_motebehov),
            (ARBEIDSGIVER_SOKNAD, self.on_arbeidsgiver_soknad),
        )
        consume_all(self, broker, inputs, self.poisoned, {topic: self.prepare for topic, _ in inputs})

    async def background(self) -> None:
        """Seal the case room's rows stored in the clear or under an old key (once, at start); forget
        idempotency keys past their time."""
        await self._seal_clear_rows()
        while True:
            try:
                await forget_expired(self.runtime.database, self.runtime.clock.now())
            except Exception:
                # The next round tries again; keys kept a little longer do no harm.
                log.warning("gateway.prune_failed", exc_info=True)
            await asyncio.sleep(PRUNE_EVERY.total_seconds())

    async def _seal_clear_rows(self) -> None:
        try:
            while True:
                async with self.runtime.database.session.begin() as session:
                    sealed = await rom_storage.forsegl_gamle(session, self.runtime.dead_letters.keyring)
                if sealed < rom_storage.SEAL_BATCH:
                    return
        except Exception:
            # The next start tries again; until then the room opens these rows in the clear, as before.
            log.warning("gateway.seal_failed", exc_info=True)

    async def prepare(self, uow: UnitOfWork, batch: Sequence[Inbound]) -> None:
        """Read the batch's messages and fetch, one query per table, the rows their handlers look up; write
        the batch's feed entries at the commit (see storage/lesemodell.py)."""
        models = {self.runtime.topics.name(topic): model for topic, model in _MODELS.items()}
        employer_topic = self.runtime.topics.name(ARBEIDSGIVER_SYKMELDING)
        wanted: dict[type[Base], set[object]] = defaultdict(set)
        for inbound in batch:
            if inbound.topic == employer_topic and inbound.key:
                # A tombstone is named only by its key: the sykmelding id.
                wanted[GatewayArbeidsgiverSykmelding].add(inbound.key.decode(errors="replace"))
            if inbound.value is None or inbound.topic not in models:
                continue
            melding = decoded(self, uow, inbound, models[inbound.topic])
            if isinstance(melding, DecodeError):
                continue  # its handler raises, and the stage isolates it as poison
            table, value = _looked_up_by(melding)
            if value is not None:
                wanted[table].add(value)
        lest = Lesebatch(sqlite=self.runtime.database.is_sqlite)
        for table, values in wanted.items():
            await lest.hent(uow.session, table, values)
        event.listen(uow.session.sync_session, "before_commit", lest.skriv)
        uow.scratch = lest

    async def on_sykmelding(self, uow: UnitOfWork, inbound: Inbound) -> None:
        lest = _lest(uow)
        nav = self._read(uow, inbound, NavSykmelding)
        sykmelding_id = nav.received_sykmelding.sykmelding.id
        if lest.finn(GatewaySykmeldingEier, sykmelding_id) is None:
            key = self.runtime.settings.pseudonym_key
            pasient = person_ref(nav.received_sykmelding.pasient_fnr, key)
            eier = GatewaySykmeldingEier(sykmelding_id=sykmelding_id, person_ref=pasient)
            lest.legg_til(uow.session, sykmelding_id, eier)
            rom = GatewayRomSykmelding(
                sykmelding_id=sykmelding_id,
                sak_ref=sak_ref(pasient, key),
                behandler_ref=person_ref(nav.received_sykmelding.sykmelding.behandler.fnr, key),
            )
            wire = nav.model_dump(mode="json", by_alias=True)
            uow.session.add(rom_storage.forsegl(rom, wire, self.runtime.dead_letters.keyring))

    async def on_kvittering(self, uow: UnitOfWork, inbound: Inbound) -> None:
        lest = _lest(uow)
        kvittering = self._read(uow, inbound, Kvittering)
        key = (kvittering.msg_id, inbound.header("legekontor-orgnr"))
        if lest.finn(GatewayKvittering, key) is None:
            row = GatewayKvittering(
                kvittering_id=kvittering.kvittering_id,
                msg_id=kvittering.msg_id,
                legekontor_orgnr=key[1],
                kvittering=kvittering.model_dump(mode="json", by_alias=True),
            )
            lest.legg_til(uow.session, key, row)

    async def on_arbeidsgiver_sykmelding(self, uow: UnitOfWork, inbound: Inbound) -> None:
        lest = _lest(uow)
        sykmelding_id = (inbound.key or b"").decode()
        if inbound.value is None:
            orgnummer, juridisk = inbound.header("orgnummer"), inbound.header("juridisk-orgnummer")
            if orgnummer is None or juridisk is None:
                log.error("gateway.tombstone_without_employer", sykmelding_id=sykmelding_id)
                return
            self._append(lest, sykmelding_id, orgnummer, juridisk, None)
            return
        view = self._read(uow, inbound, ArbeidsgiverSykmelding)
        wire = view.model_dump(mode="json", by_alias=True)
        self._append(lest, view.id, view.orgnummer, view.juridisk_orgnummer, wire)

    async def on_plan_kvittering(self, uow: UnitOfWork, inbound: Inbound) -> None:
        lest = _lest(uow)
        kvittering = self._read(uow, inbound, PlanKvittering)
        orgnummer = inbound.header("orgnummer")
        if kvittering.plan_uuid is None or orgnummer is None:
            return  # a plan too broken to name itself or its sender: no one can ask for this receipt
        wire = kvittering.model_dump(mode="json", by_alias=True)
        key = (kvittering.plan_uuid, orgnummer)
        row = lest.finn(GatewayPlanKvittering, key)
        if row is None:
            row = GatewayPlanKvittering(plan_uuid=kvittering.plan_uuid, orgnummer=orgnummer, kvittering=wire)
            lest.legg_til(uow.session, key, row)
        else:
            row.kvittering = wire

    async def on_oppgave(self, uow: UnitOfWork, inbound: Inbound) -> None:
        lest = _lest(uow)
        oppgave = self._read(uow, inbound, Oppgave)
        wire = oppgave.model_dump(mode="json", by_alias=True)
        lest.flytt_sist(GatewayOppgave, oppgave.id, {"oppgave_id": oppgave.id, "oppgave": wire})

    async def on_varsel(self, uow: UnitOfWork, inbound: Inbound) -> None:
        lest = _lest(uow)
        varsel = self._read(uow, inbound, Varsel)
        entry = {
            "varsel_id": varsel.id,
            "mottaker": varsel.mottaker.value,
            "orgnr": varsel.orgnr,
            "person_ref": varsel.person_ref,
            "varsel": varsel.model_dump(mode="json", by_alias=True),
        }
        lest.flytt_sist(GatewayVarsel, varsel.id, entry)

    async def on_dialogmelding(self, uow: UnitOfWork, inbound: Inbound) -> None:
        lest = _lest(uow)
        melding = self._read(uow, inbound, Dialogmelding)
        entry = {
            "dialogmelding_id": melding.dialogmelding_id,
            "legekontor_her_id": melding.legekontor_her_id,
            "dialogmelding": melding.model_dump(mode="json", by_alias=True),
        }
        lest.flytt_sist(GatewayDialogmelding, melding.dialogmelding_id, entry)

    async def on_motebehov(self, uow: UnitOfWork, inbound: Inbound) -> None:
        lest = _lest(uow)
        mottatt = self._read(uow, inbound, MotebehovMottatt)
        wire = mottatt.model_dump(mode="json", by_alias=True)
        row = lest.finn(GatewayMotebehov, mottatt.id)
        if row is None:
            row = GatewayMotebehov(motebehov_id=mottatt.id, person_ref=mottatt.person_ref, orgnr=mottatt.orgnr)
            lest.legg_til(uow.session, mottatt.id, row)
        row.motebehov = wire

    async def on_arbeidsgiver_soknad(self, uow: UnitOfWork, inbound: Inbound) -> None:
        lest = _lest(uow)
        view = self._read(uow, inbound, ArbeidsgiverSoknad)
        entry = {
            "soknad_id": view.id,
            "sykmelding_id": view.sykmelding_id,
            "orgnummer": view.arbeidsgiver.orgnummer,
            "soknad": view.model_dump(mode="json", by_alias=True),
        }
        lest.flytt_sist(GatewayArbeidsgiverSoknad, view.id, entry)

    def _read(self, uow: UnitOfWork, inbound: Inbound, model: type[M]) -> M:
        """The message as `prepare` read it (`decoded`: once per transaction); one that cannot be read raises
        here, and the stage isolates it as poison."""
        melding = decoded(self, uow, inbound, model)
        if isinstance(melding, DecodeError):
            raise melding
        return melding

    def _append(
        self, lest: Lesebatch, sykmelding_id: str, orgnummer: str, juridisk: str, view: dict[str, object] | None
    ) -> None:
        entry = {
            "sykmelding_id": sykmelding_id,
            "orgnummer": orgnummer,
            "juridisk_orgnummer": juridisk,
            "view": view,
            "updated_at": self.runtime.clock.now(),
        }
        lest.flytt_sist(GatewayArbeidsgiverSykmelding, (sykmelding_id, orgnummer), entry)

    async def poisoned(self, uow: UnitOfWork, inbound: Inbound, error: Exception) -> None:
        # Our own output topics: a message we cannot read is a bug to fix, not a sender to answer.
        log.error("gateway.unreadable", event_id=inbound.event_id, error=type(error).__name__)
