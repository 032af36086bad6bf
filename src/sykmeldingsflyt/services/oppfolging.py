"""oppfolging: every follow-up plan an HR system posts reaches everyone it must, and the sender learns how.

oppfolgingsplan.fra-hr ──► checks ──► epj.dialogmelding (to the fastlege, by HER id, when asked)
                                  ├──► nav.oppfolgingsplan (when asked)
                                  ├──► oppgave.bestilling (a NAV task, only when the plan asks for help)
                                  ├──► oppfolgingsplan.mottatt (for the case timeline)
                                  ├──► hr.kvittering (ACCEPTED with both deliveries, or REFUSED with code and field)
                                  └──► oppfolgingsplan.fra-hr.dlq (refused plans, with the reason)
nav.sykmelding ───────────┐
arbeidsgiver.sykmelding ──┴─► whose each sykmelding is, until when, and which employer it was SENT to

A plan is checked as the HTTP door checks it (`services.plansjekk`, NAV's order and codes): an employment
at the organisation in Aareg (NO_ACTIVE_EMPLOYMENT), an active sykmelding SENT to it
(NO_ACTIVE_SENT_SYKMELDING), the employee in the population register (EMPLOYEE_NOT_FOUND). The sykmeldinger
are learnt from the topics: nav.sykmelding says whose each sykmelding is (kept as a pseudonym) and its last
tom, arbeidsgiver.sykmelding where it was sent. The HR system learns of a sykmelding from that same employer
topic and may post a plan at once, so a plan can overtake the SENDT it rests on: a plan that finds no
active sykmelding waits (`wait_for_sendt`), is accepted as soon as the sykmelding or its SENDT arrives,
and is refused when the wait runs out. A register that cannot answer (Aareg, the population register, the
fastlege register) is never the plan's fault: the plan waits, and is tried again each round until it can.
A waiting plan (an fnr, what employer and employee wrote) is kept sealed at rest (storage/segl.py).

Each stage fetches what its batch's messages will look up before handling them, a query per table
(storage/oppfolging_oppslag.py): the sykmeldinger and SENDTs by the messages' keys, the plans by their uuids,
and the plans waiting for the batch's people.

The same plan uuid twice: an accepted plan is routed once and each repeat gets the same receipt again;
a repeat of a waiting plan is absorbed (the one receipt answers both); a refused plan is not remembered,
so the HR system can fix the cause and send it again under the same uuid.
"""

from collections.abc import Iterable, Sequence
from datetime import timedelta

import structlog
from faststream.kafka import KafkaBroker
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import delete, select

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.identifiers import Uuid
from sykmeldingsflyt.domain.oppfolgingsplan import (
    ErrorType,
    KnownSykmelding,
    Oppfolgingsplan,
    Refusal,
    Routing,
    RoutingIds,
    check_plan,
    refused_kvittering,
    route,
)
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.registers import RegisterUtilgjengelig
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding, NavSykmelding
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.codec import DecodeError
from sykmeldingsflyt.messaging.dead_letter import KeyringError, send_to_dead_letter
from sykmeldingsflyt.messaging.ids import stable_id
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import (
    ARBEIDSGIVER_SYKMELDING,
    EPJ_DIALOGMELDING,
    HR_KVITTERING,
    NAV_OPPFOLGINGSPLAN,
    NAV_SYKMELDING,
    OPPFOLGINGSPLAN_FRA_HR,
    OPPFOLGINGSPLAN_MOTTATT,
    OPPGAVE_BESTILLING,
    Topic,
    dead_letter_topic,
)
from sykmeldingsflyt.messaging.transient import every
from sykmeldingsflyt.services.plansjekk import sjekk_arbeidstaker
from sykmeldingsflyt.services.runtime import Runtime, Service
from sykmeldingsflyt.services.wiring import consume_all, decoded, read_own
from sykmeldingsflyt.storage.oppfolging_oppslag import OppfolgingOppslag
from sykmeldingsflyt.storage.segl import Keyring, Post, apne_post, forsegl_post
from sykmeldingsflyt.storage.tables import (
    OppfolgingPlan,
    OppfolgingSendtSykmelding,
    OppfolgingSykmelding,
    OppfolgingVentendePlan,
)
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)

UKJENT_PLAN = "ukjent"
"""The receipt's key when a plan could not be read and its key was no plan uuid either."""

REGISTER_UTILGJENGELIG = Refusal(ErrorType.INTERNAL_ERROR, "A register could not answer; the plan waits until it can.")
"""Why a plan waits while Aareg, the population register or the fastlege register is down: never a
refusal a sender sees."""

_PLAN_UUID = TypeAdapter(Uuid)
_SETTLE_BATCH = 500
_VENTENDE = OppfolgingVentendePlan.__tablename__
"""What a waiting plan's sealed parts are bound to, with its plan uuid."""


class Oppfolging(Service):
    name = "oppfolging"
    produces = (
        EPJ_DIALOGMELDING,
        NAV_OPPFOLGINGSPLAN,
        OPPGAVE_BESTILLING,
        OPPFOLGINGSPLAN_MOTTATT,
        HR_KVITTERING,
        dead_letter_topic(OPPFOLGINGSPLAN_FRA_HR),
    )

    def __init__(self, runtime: Runtime, wait_for_sendt: timedelta = timedelta(minutes=15)) -> None:
        super().__init__(runtime)
        self.wait_for_sendt = wait_for_sendt

    def subscribe(self, broker: KafkaBroker) -> None:
        inputs = (
            (OPPFOLGINGSPLAN_FRA_HR, self.on_plan),
            (NAV_SYKMELDING, self.on_sykmelding),
            (ARBEIDSGIVER_SYKMELDING, self.on_sendt),
        )
        prepare = {
            OPPFOLGINGSPLAN_FRA_HR: self.prepare_plans,
            NAV_SYKMELDING: self.prepare_sykmeldinger,
            ARBEIDSGIVER_SYKMELDING: self.prepare_sendt,
        }
        consume_all(self, broker, inputs, self.poisoned, prepare)

    async def background(self) -> None:
        """Settle the waiting plans now and then; a failed round is retried by the next."""
        await every(min(60.0, self.wait_for_sendt.total_seconds() / 4), self.settle_waiting, "oppfolging:planer")

    async def prepare_plans(self, uow: UnitOfWork, batch: Sequence[Inbound]) -> None:
        """Fetch the batch's plans, accepted or waiting, by the messages' keys: the plan uuid, as the topic asks.
        A key that is no uuid is not asked about: the plan's own uuid is looked up on its own, as before."""
        uuids = {uuid for inbound in batch if (uuid := _plan_uuid_of_key(inbound)) is not None}
        oppslag = OppfolgingOppslag(uow.session)
        await oppslag.rader.hent(OppfolgingPlan, uuids)
        await oppslag.rader.hent(OppfolgingVentendePlan, uuids)
        uow.scratch = oppslag

    async def prepare_sykmeldinger(self, uow: UnitOfWork, batch: Sequence[Inbound]) -> None:
        """Fetch the batch's sykmeldinger (to know those already here) and the plans waiting for their people.

        The person is only in the message, read here once for the handler too; one that cannot be read the
        handler logs."""
        known = [decoded(self, uow, inbound, NavSykmelding) for inbound in batch]
        received = [nav.received_sykmelding for nav in known if not isinstance(nav, DecodeError) and _kan_sendes(nav)]
        oppslag = OppfolgingOppslag(uow.session)
        await oppslag.rader.hent(OppfolgingSykmelding, {sykmelding.sykmelding.id for sykmelding in received})
        await oppslag.hent_ventende(self._person_refs(sykmelding.pasient_fnr for sykmelding in received))
        uow.scratch = oppslag

    async def prepare_sendt(self, uow: UnitOfWork, batch: Sequence[Inbound]) -> None:
        """Fetch where the batch's sykmeldinger were SENT, whose they are, and the plans waiting for those people.

        By the messages' keys, which personvern sets to the sykmelding id: a message keyed otherwise is looked
        up on its own, as before."""
        ids = {inbound.key.decode(errors="replace") for inbound in batch if inbound.key}
        oppslag = OppfolgingOppslag(uow.session)
        await oppslag.rader.hent(OppfolgingSendtSykmelding, ids)
        sykmeldinger = await oppslag.rader.hent(OppfolgingSykmelding, ids)
        await oppslag.hent_ventende(sykmelding.person_ref for sykmelding in sykmeldinger)
        uow.scratch = oppslag

    async def on_plan(self, uow: UnitOfWork, inbound: Inbound) -> None:
        plan = self._read_plan(uow, inbound)
        if plan is None:
            return
        oppslag = _oppslag(uow)
        accepted = await oppslag.rader.get(OppfolgingPlan, plan.plan_uuid)
        if accepted is not None:
            self._publish_kvittering(uow, inbound, accepted.kvittering, plan.plan_uuid, plan.orgnummer)
            log.info("oppfolging.repeated", plan_uuid=plan.plan_uuid)
            return
        if await oppslag.rader.get(OppfolgingVentendePlan, plan.plan_uuid) is not None:
            return
        refusal = await self._try_accept(uow, inbound, plan)
        if refusal is None:
            return
        if not _waits(refusal, expired=False):
            self._refuse(uow, inbound, [refusal], plan.plan_uuid, plan.orgnummer)
            return
        # At rest the plan (an fnr, what employer and employee wrote) is sealed as a dead letter is.
        key_id, key, value = forsegl_post(
            self.runtime.dead_letters.keyring, _VENTENDE, plan.plan_uuid, inbound.key, inbound.value
        )
        oppslag.vent(
            OppfolgingVentendePlan(
                plan_uuid=plan.plan_uuid,
                person_ref=self._person_ref(plan),
                key=key,
                value=value,
                key_id=key_id,
                source_topic=inbound.topic,
                source_partition=inbound.partition,
                source_offset=inbound.offset,
                received_at=self.runtime.clock.now(),
            )
        )
        log.info("oppfolging.waiting", plan_uuid=plan.plan_uuid)

    async def on_sykmelding(self, uow: UnitOfWork, inbound: Inbound) -> None:
        nav = read_own(self, uow, inbound, NavSykmelding)
        if nav is None:
            return
        received = nav.received_sykmelding
        perioder = received.sykmelding.perioder
        if not _kan_sendes(nav):
            return
        oppslag = _oppslag(uow)
        if await oppslag.rader.get(OppfolgingSykmelding, received.sykmelding.id) is not None:
            return
        ref = person_ref(received.pasient_fnr, self.runtime.settings.pseudonym_key)
        oppslag.rader.add(
            OppfolgingSykmelding(
                sykmelding_id=received.sykmelding.id,
                person_ref=ref,
                siste_tom=max(periode.tom for periode in perioder),
            )
        )
        await self._retry_waiting(uow, ref)

    async def on_sendt(self, uow: UnitOfWork, inbound: Inbound) -> None:
        if inbound.value is None:
            # The employee withdrew it: the employer can no longer base a plan on it.
            sykmelding_id = (inbound.key or b"").decode("utf-8", errors="replace")
            await uow.session.execute(
                delete(OppfolgingSendtSykmelding).where(OppfolgingSendtSykmelding.sykmelding_id == sykmelding_id)
            )
            return
        view = read_own(self, uow, inbound, ArbeidsgiverSykmelding)
        if view is None:
            return
        oppslag = _oppslag(uow)
        sendt = await oppslag.rader.get(OppfolgingSendtSykmelding, view.id)
        if sendt is None:
            sendt = OppfolgingSendtSykmelding(sykmelding_id=view.id)
            oppslag.rader.add(sendt)
        sendt.orgnummer = view.orgnummer
        sendt.juridisk_orgnummer = view.juridisk_orgnummer
        sykmelding = await oppslag.rader.get(OppfolgingSykmelding, view.id)
        if sykmelding is not None:
            await self._retry_waiting(uow, sykmelding.person_ref)

    async def poisoned(self, uow: UnitOfWork, inbound: Inbound, error: Exception) -> None:
        if inbound.topic != self.runtime.topics.name(OPPFOLGINGSPLAN_FRA_HR):
            return
        detail = f"The plan could not be processed ({type(error).__name__}); operators have been alerted."
        self._refuse(uow, inbound, [Refusal(ErrorType.INTERNAL_ERROR, detail)], _plan_uuid_of_key(inbound), None)

    async def settle_waiting(self) -> int:
        """Accept the waiting plans whose sykmelding has come since, and refuse those whose wait is over;
        returns how many were settled. Retrying every waiting plan, not only on a new sykmelding, also
        catches a SENDT that committed beside the plan in a concurrent transaction."""
        cutoff = self.runtime.clock.now() - self.wait_for_sendt
        settled = 0
        async with self.runtime.database.session.begin() as session:
            uow = UnitOfWork(session, self.name)
            rows = await session.execute(
                select(OppfolgingVentendePlan, OppfolgingVentendePlan.received_at < cutoff)
                .order_by(OppfolgingVentendePlan.received_at)
                .limit(_SETTLE_BATCH)
            )
            for waiting, expired in list(rows):
                source = _source_of(waiting, self.runtime.dead_letters.keyring)
                if source is None:
                    continue
                plan = contracts.decode(self.runtime.codec, source.value or b"", Oppfolgingsplan)
                refusal = await self._try_accept(uow, source, plan)
                if refusal is not None:
                    if _waits(refusal, expired=expired):
                        continue
                    self._refuse(uow, source, [refusal], plan.plan_uuid, plan.orgnummer)
                await _oppslag(uow).glem(waiting.plan_uuid)
                settled += 1
        if settled:
            self.relay.notify()
        return settled

    def _read_plan(self, uow: UnitOfWork, inbound: Inbound) -> Oppfolgingsplan | None:
        """The plan, or None when it was refused for its content."""
        plan = decoded(self, uow, inbound, Oppfolgingsplan)
        if isinstance(plan, contracts.ContractViolationError):
            refusals = [
                Refusal(ErrorType.VALIDATION_ERROR, f"{error.field}: {error.message}", error.field)
                for error in plan.errors
            ]
            self._refuse(uow, inbound, refusals, _plan_uuid_of_key(inbound), None)
            return None
        if isinstance(plan, DecodeError):
            refusal = Refusal(ErrorType.VALIDATION_ERROR, str(plan))
            self._refuse(uow, inbound, [refusal], _plan_uuid_of_key(inbound), None, dead_letter_reason=plan.reason)
            return None
        refusals = check_plan(plan, self.runtime.clock.today())
        if refusals:
            self._refuse(uow, inbound, refusals, plan.plan_uuid, plan.orgnummer)
            return None
        return plan

    async def _try_accept(self, uow: UnitOfWork, source: Inbound, plan: Oppfolgingsplan) -> Refusal | None:
        """Accept and route `plan` if the employee checks pass (`services.plansjekk`); otherwise say why
        not, and do nothing."""
        ref = self._person_ref(plan)
        fnr = plan.employee_identification_number
        registre = self.runtime.registre
        sykmeldinger = await _sykmeldinger_of(uow, ref)
        try:
            sent_to = await sjekk_arbeidstaker(registre, plan.orgnummer, fnr, self.runtime.clock.today(), sykmeldinger)
            if isinstance(sent_to, Refusal):
                return sent_to
            fastlege = await registre.fastlegeregister.fastlege(fnr) if plan.send_plan_to_general_practitioner else None
        except RegisterUtilgjengelig as error:
            log.warning(
                "oppfolging.register_utilgjengelig",
                plan_uuid=plan.plan_uuid,
                register=error.register,
                grunn=error.grunn,
            )
            return REGISTER_UTILGJENGELIG
        routing = route(
            plan,
            fastlege=fastlege,
            sent_to=sent_to,
            person_ref=ref,
            ids=RoutingIds(
                kvittering_id=_kvittering_id(source),
                dialogmelding_id=self._id("dialogmelding", plan),
                oppgave_id=self._id("oppgave", plan),
            ),
            now=self.runtime.clock.now(),
        )
        self._publish_routing(uow, source, plan, routing)
        log.info(
            "oppfolging.accepted",
            plan_uuid=plan.plan_uuid,
            to_doctor=routing.dialogmelding is not None,
            to_nav=routing.nav is not None,
            oppgave=routing.oppgave is not None,
        )
        return None

    def _publish_routing(self, uow: UnitOfWork, source: Inbound, plan: Oppfolgingsplan, routing: Routing) -> None:
        if routing.dialogmelding is not None:
            self._publish(
                uow,
                EPJ_DIALOGMELDING,
                plan.plan_uuid,
                routing.dialogmelding,
                event_id=routing.dialogmelding.dialogmelding_id,
                headers={"her-id": routing.dialogmelding.her_id},
            )
        if routing.nav is not None:
            self._publish(uow, NAV_OPPFOLGINGSPLAN, plan.plan_uuid, routing.nav, event_id=self._id("nav", plan))
        if routing.oppgave is not None:
            self._publish(uow, OPPGAVE_BESTILLING, routing.oppgave.id, routing.oppgave, event_id=routing.oppgave.id)
        self._publish(uow, OPPFOLGINGSPLAN_MOTTATT, plan.plan_uuid, routing.mottatt, event_id=self._id("mottatt", plan))
        kvittering = contracts.encode(self.runtime.codec, routing.kvittering, self.runtime.topics.name(HR_KVITTERING))
        _oppslag(uow).rader.add(
            OppfolgingPlan(plan_uuid=plan.plan_uuid, kvittering=kvittering, mottatt=routing.mottatt.mottatt)
        )
        self._publish_kvittering(uow, source, kvittering, plan.plan_uuid, plan.orgnummer)

    async def _retry_waiting(self, uow: UnitOfWork, ref: str) -> None:
        """A sykmelding of this person, or where it was sent, has just become known: try their waiting plans."""
        oppslag = _oppslag(uow)
        for parked in await oppslag.ventende(ref):
            source = _source_of(parked, self.runtime.dead_letters.keyring)
            if source is None:
                continue
            plan = contracts.decode(self.runtime.codec, source.value or b"", Oppfolgingsplan)
            if await self._try_accept(uow, source, plan) is None:
                await oppslag.glem(parked.plan_uuid)

    def _refuse(
        self,
        uow: UnitOfWork,
        source: Inbound,
        refusals: Sequence[Refusal],
        plan_uuid: str | None,
        orgnummer: str | None,
        *,
        dead_letter_reason: str | None = None,
    ) -> None:
        kvittering = refused_kvittering(_kvittering_id(source), plan_uuid, refusals, self.runtime.clock.now())
        topic = self.runtime.topics.name(HR_KVITTERING)
        self._publish_kvittering(
            uow, source, contracts.encode(self.runtime.codec, kvittering, topic), plan_uuid, orgnummer
        )
        send_to_dead_letter(
            uow,
            self.runtime.dead_letters,
            source,
            reason=dead_letter_reason or refusals[0].code.value,
            detail=kvittering.message or "",
            field=kvittering.field,
        )
        log.info("oppfolging.refused", plan_uuid=plan_uuid, code=refusals[0].code.value, field=refusals[0].field)

    def _publish_kvittering(
        self, uow: UnitOfWork, source: Inbound, kvittering: bytes, plan_uuid: str | None, orgnummer: str | None
    ) -> None:
        uow.publish(
            topic=self.runtime.topics.name(HR_KVITTERING),
            key=plan_uuid or UKJENT_PLAN,
            value=kvittering,
            event_id=_kvittering_id(source),
            # Lets an HR system filter the receipts of its own organisations without decoding each one.
            headers={"orgnummer": orgnummer} if orgnummer else None,
        )

    def _publish(
        self,
        uow: UnitOfWork,
        topic: Topic,
        key: str,
        model: DomainModel,
        *,
        event_id: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        name = self.runtime.topics.name(topic)
        uow.publish(
            topic=name,
            key=key,
            value=contracts.encode(self.runtime.codec, model, name),
            event_id=event_id,
            headers=headers,
        )

    def _id(self, kind: str, plan: Oppfolgingsplan) -> str:
        return stable_id(self.name, kind, plan.plan_uuid)

    def _person_ref(self, plan: Oppfolgingsplan) -> str:
        return person_ref(plan.employee_identification_number, self.runtime.settings.pseudonym_key)

    def _person_refs(self, fnrs: Iterable[str]) -> set[str]:
        return {person_ref(fnr, self.runtime.settings.pseudonym_key) for fnr in fnrs}


def _oppslag(uow: UnitOfWork) -> OppfolgingOppslag:
    # Outside a stage (the settling round) nothing was fetched beforehand: every look-up asks the database.
    oppslag: OppfolgingOppslag | None = uow.scratch
    return oppslag if oppslag is not None else OppfolgingOppslag(uow.session)


def _kan_sendes(nav: NavSykmelding) -> bool:
    """Whether a plan can ever rest on the sykmelding: an INVALID one can never be SENT, and one without
    periods has no last day to be active until."""
    return nav.validation_result.status is not RuleStatus.INVALID and bool(nav.received_sykmelding.sykmelding.perioder)


def _waits(refusal: Refusal, *, expired: bool) -> bool:
    """Whether a plan refused for now waits instead: for a register that cannot answer, as long as it takes;
    for the SENDT it rests on, which may come after the plan, until `wait_for_sendt` is over. Any other
    refusal is final at once: Aareg and the population register do not change with our topics."""
    if refusal is REGISTER_UTILGJENGELIG:
        return True
    return refusal.code is ErrorType.NO_ACTIVE_SENT_SYKMELDING and not expired


async def _sykmeldinger_of(uow: UnitOfWork, ref: str) -> list[KnownSykmelding]:
    """Every sykmelding oppfolging knows for the person, with the employer it was SENT to, if any."""
    rows = await uow.session.execute(
        select(
            OppfolgingSykmelding.siste_tom,
            OppfolgingSendtSykmelding.orgnummer,
            OppfolgingSendtSykmelding.juridisk_orgnummer,
        )
        .outerjoin(
            OppfolgingSendtSykmelding,
            OppfolgingSendtSykmelding.sykmelding_id == OppfolgingSykmelding.sykmelding_id,
        )
        .where(OppfolgingSykmelding.person_ref == ref)
    )
    return [KnownSykmelding(siste_tom, orgnummer, juridisk) for siste_tom, orgnummer, juridisk in rows]


def _kvittering_id(source: Inbound) -> str:
    """One receipt per plan message: the same id whichever path decides it, so it is published once."""
    return stable_id(Oppfolging.name, "kvittering", source.event_id)


def _plan_uuid_of_key(inbound: Inbound) -> str | None:
    """The key, when it is a plan uuid as the topic asks: what a receipt for an unreadable plan can name."""
    try:
        return _PLAN_UUID.validate_python((inbound.key or b"").decode("utf-8", errors="replace"))
    except ValidationError:
        return None


def _source_of(waiting: OppfolgingVentendePlan, keyring: Keyring) -> Inbound | None:
    """The plan's record as it was read, opened from its seal; None when the keyring cannot open it (its key
    was dropped too soon): the plan waits for the key to come back, and holds up no sykmelding or other plan."""
    post = Post(waiting.key_id, waiting.key, waiting.value)
    try:
        key, value = apne_post(keyring, _VENTENDE, waiting.plan_uuid, post)
    except KeyringError as error:
        log.error("oppfolging.ventende_uapnet", plan_uuid=waiting.plan_uuid, error=str(error))
        return None
    return Inbound(
        topic=waiting.source_topic,
        partition=waiting.source_partition,
        offset=waiting.source_offset,
        key=key,
        value=value,
        headers=(),
    )
