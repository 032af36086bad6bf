"""motebehov: the employee or the employer asks for a dialogue meeting, judged against their case.

motebehov.fra-part ──► pseudonymise ──► decide ──► nav.motebehov (every accepted one, with its case)
                                           ├──► oppgave.bestilling (MOTEBEHOV_SVAR, for a yes)
                                           └──► motebehov.fra-part.dlq (refused with the reason, or unreadable)

The cases are tidslinje's, read through storage.tidslinje.case_inputs and never written: one case
logic and one case id for both services, at the price of sharing tidslinje's database. A møtebehov
that overtakes its own sykmelding through tidslinje is refused, as one without a case would be.
"""

import structlog
from faststream.kafka import KafkaBroker

from sykmeldingsflyt.domain.motebehov import FORKLARING, MotebehovFraPart, decide
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.dead_letter import send_to_dead_letter
from sykmeldingsflyt.messaging.ids import stable_id
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import MOTEBEHOV_FRA_PART, NAV_MOTEBEHOV, OPPGAVE_BESTILLING, dead_letter_topic
from sykmeldingsflyt.services.runtime import Service
from sykmeldingsflyt.services.wiring import consume_all, dead_letter_poison, read_or_dead_letter
from sykmeldingsflyt.storage.tidslinje import case_inputs
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)


class MotebehovService(Service):
    name = "motebehov"
    produces = (NAV_MOTEBEHOV, OPPGAVE_BESTILLING, dead_letter_topic(MOTEBEHOV_FRA_PART))

    def subscribe(self, broker: KafkaBroker) -> None:
        consume_all(self, broker, ((MOTEBEHOV_FRA_PART, self.on_motebehov),), self.poisoned)

    async def on_motebehov(self, uow: UnitOfWork, inbound: Inbound) -> None:
        fra_part = read_or_dead_letter(self, uow, inbound, MotebehovFraPart)
        if fra_part is None:
            return
        motebehov = fra_part.pseudonymised(person_ref(fra_part.arbeidstaker_fnr, self.runtime.settings.pseudonym_key))
        # The person's cases in this employer's view: a case the employer is not part of is not theirs.
        cases = [
            f for f in (await case_inputs(uow.session, motebehov.person_ref)).cases() if f.orgnr == motebehov.orgnr
        ]
        decision = decide(
            motebehov,
            [facts.tilfelle for facts in cases],
            self.runtime.clock.now(),
            case_ids={facts.tilfelle.start: facts.tilfelle_id for facts in cases},
        )
        if decision.avvisning is not None:
            reason = decision.avvisning.value
            send_to_dead_letter(
                uow, self.runtime.dead_letters, inbound, reason=reason, detail=FORKLARING[decision.avvisning]
            )
            log.info("motebehov.refused", motebehov_id=motebehov.id, reason=reason)
            return
        if decision.mottatt is not None:
            topic = self.runtime.topics.name(NAV_MOTEBEHOV)
            uow.publish(
                topic=topic,
                key=motebehov.id,
                value=contracts.encode(self.runtime.codec, decision.mottatt, topic),
                event_id=stable_id(self.name, "mottatt", inbound.event_id),
            )
        if decision.oppgave is not None:
            topic = self.runtime.topics.name(OPPGAVE_BESTILLING)
            uow.publish(
                topic=topic,
                key=decision.oppgave.id,
                value=contracts.encode(self.runtime.codec, decision.oppgave, topic),
                # Per input position: the same møtebehov sent twice is ordered twice, and the oppgave
                # service, keyed by the task id, gives NAV one task.
                event_id=stable_id(self.name, "bestilling", inbound.event_id),
            )
        log.info("motebehov.accepted", motebehov_id=motebehov.id, har_motebehov=motebehov.har_motebehov)

    async def poisoned(self, uow: UnitOfWork, inbound: Inbound, error: Exception) -> None:
        dead_letter_poison(self, uow, inbound, error)
