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
events it handled, so a redelivered batch changes nothing. The HTTP side only reads these tables.
"""

import asyncio
from datetime import timedelta

import structlog
from faststream.kafka import KafkaBroker
from sqlalchemy import select, text

from sykmeldingsflyt.domain.kvittering import Kvittering
from sykmeldingsflyt.domain.motebehov import MotebehovMottatt
from sykmeldingsflyt.domain.oppfolgingsplan import Dialogmelding, PlanKvittering
from sykmeldingsflyt.domain.oppgave import Oppgave
from sykmeldingsflyt.domain.pseudonym import person_ref, sak_ref
from sykmeldingsflyt.domain.sykepengesoknad import ArbeidsgiverSoknad
from sykmeldingsflyt.domain.varsel import Varsel
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding, NavSykmelding
from sykmeldingsflyt.gateway.idempotency import forget_expired
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.stage import Inbound
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
)
from sykmeldingsflyt.services.runtime import Service
from sykmeldingsflyt.services.wiring import consume_all
from sykmeldingsflyt.storage import rom as rom_storage
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

_FEED_LOCK = 7306
PRUNE_EVERY = timedelta(hours=1)


class GatewayReadModel(Service):
    name = "gateway"

    def subscribe(self, broker: KafkaBroker) -> None:
        inputs = (
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
        consume_all(self, broker, inputs, self.poisoned)

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

    async def on_sykmelding(self, uow: UnitOfWork, inbound: Inbound) -> None:
        nav = contracts.decode(self.runtime.codec, inbound.value or b"", NavSykmelding)
        sykmelding_id = nav.received_sykmelding.sykmelding.id
        if await uow.session.get(GatewaySykmeldingEier, sykmelding_id) is None:
            key = self.runtime.settings.pseudonym_key
            pasient = person_ref(nav.received_sykmelding.pasient_fnr, key)
            uow.session.add(GatewaySykmeldingEier(sykmelding_id=sykmelding_id, person_ref=pasient))
            rom = GatewayRomSykmelding(
                sykmelding_id=sykmelding_id,
                sak_ref=sak_ref(pasient, key),
                behandler_ref=person_ref(nav.received_sykmelding.sykmelding.behandler.fnr, key),
            )
            wire = nav.model_dump(mode="json", by_alias=True)
            uow.session.add(rom_storage.forsegl(rom, wire, self.runtime.dead_letters.keyring))

    async def on_kvittering(self, uow: UnitOfWork, inbound: Inbound) -> None:
        kvittering = contracts.decode(self.runtime.codec, inbound.value or b"", Kvittering)
        legekontor = inbound.header("legekontor-orgnr")
        earlier = await uow.session.scalar(
            select(GatewayKvittering.kvittering_id).where(
                GatewayKvittering.msg_id == kvittering.msg_id,
                GatewayKvittering.legekontor_orgnr.is_(None)
                if legekontor is None
                else GatewayKvittering.legekontor_orgnr == legekontor,
            )
        )
        if earlier is None:
            uow.session.add(
                GatewayKvittering(
                    kvittering_id=kvittering.kvittering_id,
                    msg_id=kvittering.msg_id,
                    legekontor_orgnr=legekontor,
                    kvittering=kvittering.model_dump(mode="json", by_alias=True),
                )
            )

    async def on_arbeidsgiver_sykmelding(self, uow: UnitOfWork, inbound: Inbound) -> None:
        sykmelding_id = (inbound.key or b"").decode()
        if inbound.value is None:
            orgnummer, juridisk = inbound.header("orgnummer"), inbound.header("juridisk-orgnummer")
            if orgnummer is None or juridisk is None:
                log.error("gateway.tombstone_without_employer", sykmelding_id=sykmelding_id)
                return
            await self._append(uow, sykmelding_id, orgnummer, juridisk, None)
            return
        view = contracts.decode(self.runtime.codec, inbound.value, ArbeidsgiverSykmelding)
        wire = view.model_dump(mode="json", by_alias=True)
        await self._append(uow, view.id, view.orgnummer, view.juridisk_orgnummer, wire)

    async def on_plan_kvittering(self, uow: UnitOfWork, inbound: Inbound) -> None:
        kvittering = contracts.decode(self.runtime.codec, inbound.value or b"", PlanKvittering)
        orgnummer = inbound.header("orgnummer")
        if kvittering.plan_uuid is None or orgnummer is None:
            return  # a plan too broken to name itself or its sender: no one can ask for this receipt
        wire = kvittering.model_dump(mode="json", by_alias=True)
        row = await uow.session.get(GatewayPlanKvittering, (kvittering.plan_uuid, orgnummer))
        if row is None:
            uow.session.add(GatewayPlanKvittering(plan_uuid=kvittering.plan_uuid, orgnummer=orgnummer, kvittering=wire))
        else:
            row.kvittering = wire

    async def on_oppgave(self, uow: UnitOfWork, inbound: Inbound) -> None:
        oppgave = contracts.decode(self.runtime.codec, inbound.value or b"", Oppgave)
        earlier = await uow.session.scalar(select(GatewayOppgave).where(GatewayOppgave.oppgave_id == oppgave.id))
        wire = oppgave.model_dump(mode="json", by_alias=True)
        await self._move_to_end(uow, earlier, GatewayOppgave(oppgave_id=oppgave.id, oppgave=wire))

    async def on_varsel(self, uow: UnitOfWork, inbound: Inbound) -> None:
        varsel = contracts.decode(self.runtime.codec, inbound.value or b"", Varsel)
        earlier = await uow.session.scalar(select(GatewayVarsel).where(GatewayVarsel.varsel_id == varsel.id))
        entry = GatewayVarsel(
            varsel_id=varsel.id,
            mottaker=varsel.mottaker.value,
            orgnr=varsel.orgnr,
            person_ref=varsel.person_ref,
            varsel=varsel.model_dump(mode="json", by_alias=True),
        )
        await self._move_to_end(uow, earlier, entry)

    async def on_dialogmelding(self, uow: UnitOfWork, inbound: Inbound) -> None:
        melding = contracts.decode(self.runtime.codec, inbound.value or b"", Dialogmelding)
        earlier = await uow.session.scalar(
            select(GatewayDialogmelding).where(GatewayDialogmelding.dialogmelding_id == melding.dialogmelding_id)
        )
        entry = GatewayDialogmelding(
            dialogmelding_id=melding.dialogmelding_id,
            legekontor_her_id=melding.legekontor_her_id,
            dialogmelding=melding.model_dump(mode="json", by_alias=True),
        )
        await self._move_to_end(uow, earlier, entry)

    async def on_motebehov(self, uow: UnitOfWork, inbound: Inbound) -> None:
        mottatt = contracts.decode(self.runtime.codec, inbound.value or b"", MotebehovMottatt)
        wire = mottatt.model_dump(mode="json", by_alias=True)
        row = await uow.session.get(GatewayMotebehov, mottatt.id)
        if row is None:
            row = GatewayMotebehov(motebehov_id=mottatt.id, person_ref=mottatt.person_ref, orgnr=mottatt.orgnr)
            uow.session.add(row)
        row.motebehov = wire

    async def on_arbeidsgiver_soknad(self, uow: UnitOfWork, inbound: Inbound) -> None:
        view = contracts.decode(self.runtime.codec, inbound.value or b"", ArbeidsgiverSoknad)
        earlier = await uow.session.scalar(
            select(GatewayArbeidsgiverSoknad).where(GatewayArbeidsgiverSoknad.soknad_id == view.id)
        )
        entry = GatewayArbeidsgiverSoknad(
            soknad_id=view.id,
            sykmelding_id=view.sykmelding_id,
            orgnummer=view.arbeidsgiver.orgnummer,
            soknad=view.model_dump(mode="json", by_alias=True),
        )
        await self._move_to_end(uow, earlier, entry)

    async def _append(
        self, uow: UnitOfWork, sykmelding_id: str, orgnummer: str, juridisk: str, view: dict[str, object] | None
    ) -> None:
        earlier = await uow.session.scalar(
            select(GatewayArbeidsgiverSykmelding).where(
                GatewayArbeidsgiverSykmelding.sykmelding_id == sykmelding_id,
                GatewayArbeidsgiverSykmelding.orgnummer == orgnummer,
            )
        )
        entry = GatewayArbeidsgiverSykmelding(
            sykmelding_id=sykmelding_id,
            orgnummer=orgnummer,
            juridisk_orgnummer=juridisk,
            view=view,
            updated_at=self.runtime.clock.now(),
        )
        await self._move_to_end(uow, earlier, entry)

    async def _move_to_end(self, uow: UnitOfWork, earlier: Base | None, entry: Base) -> None:
        """Put `entry` at the end of its feed, in place of the `earlier` entry for the same thing."""
        if not self.runtime.database.is_sqlite:
            # Writers take positions one at a time, so positions commit in order and a reader's cursor can
            # never pass a position that commits later. (SQLite has one writer at a time anyway.)
            await uow.session.execute(text(f"SELECT pg_advisory_xact_lock({_FEED_LOCK})"))
        if earlier is not None:
            await uow.session.delete(earlier)
            await uow.session.flush()
        uow.session.add(entry)

    async def poisoned(self, uow: UnitOfWork, inbound: Inbound, error: Exception) -> None:
        # Our own output topics: a message we cannot read is a bug to fix, not a sender to answer.
        log.error("gateway.unreadable", event_id=inbound.event_id, error=type(error).__name__)
