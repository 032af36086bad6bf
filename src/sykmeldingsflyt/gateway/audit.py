"""The audit log: every read of personal data, by whom, of which id, when and for which purpose.

Written to the gateway's audit table before the data is returned, so no read goes unrecorded, and as
a structured log line for the log pipeline. Neither holds the data read: ids, never content. A person
is recorded by their pseudonym.
"""

from collections.abc import Sequence
from enum import StrEnum

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.clock import Clock
from sykmeldingsflyt.gateway.auth import Caller
from sykmeldingsflyt.storage.tables import GatewayAudit

log = structlog.get_logger(__name__)


class Purpose(StrEnum):
    """Why the data was read: the legal ground each audience reads under."""

    EPJ_KVITTERING = "epj.kvittering"
    """The clinic follows up the sykmelding it sent."""
    ARBEIDSGIVER_OPPFOLGING = "arbeidsgiver.oppfolging"
    """The employer's duty to follow up a sick employee (aml § 4-6)."""
    ARBEIDSGIVER_PLANKVITTERING = "arbeidsgiver.plankvittering"
    """The employer follows up the plan it sent."""
    NAV_OPPGAVE = "nav.oppgave"
    """NAV handles its follow-up tasks (ftrl § 8-7 a, § 8-8)."""
    DRIFT = "drift"
    """An operator keeps the flow running: triage, replay, repair; the reason says what for."""
    ARBEIDSTAKER_VARSEL = "arbeidstaker.varsel"
    """The employee reads the notices about their own case."""
    EPJ_DIALOGMELDING = "epj.dialogmelding"
    """The fastlege receives the follow-up plan of their patient (ftrl § 25-2)."""
    SAMHANDLINGSROM = "samhandlingsrom"
    """A party of the case reads it, in their own view, in the case room (gateway/rom)."""
    MOTEBEHOV = "motebehov"
    """A party, or NAV, follows up the need for a dialogue meeting in the case (ftrl § 8-7 a)."""


class Resource(StrEnum):
    KVITTERING = "kvittering"
    SYKMELDING = "sykmelding"
    PLAN = "oppfolgingsplan"
    OPPGAVE = "oppgave"
    DEAD_LETTER = "dead-letter"
    CASE = "case"
    ARBEIDSGIVER_SYKMELDING = "arbeidsgiver-sykmelding"
    VARSEL = "varsel"
    DIALOGMELDING = "dialogmelding"
    MOTEBEHOV = "motebehov"
    SOKNAD = "soknad"


class Audit:
    def __init__(self, session: AsyncSession, caller: Caller, clock: Clock) -> None:
        self.session = session
        self.caller = caller
        self.clock = clock

    async def record(self, purpose: Purpose, resource: Resource, ids: Sequence[str], reason: str | None = None) -> None:
        """Record reads of `ids`; call before returning them, so a failure here returns nothing."""
        if not ids:
            return
        now = self.clock.now()
        self.session.add_all(
            GatewayAudit(
                at=now,
                actor_type=self.caller.kind.value,
                actor=self.caller.actor,
                client_id=self.caller.client_id,
                purpose=purpose.value,
                resource_type=resource.value,
                resource_id=resource_id,
                reason=reason,
            )
            for resource_id in ids
        )
        await self.session.commit()
        log.info(
            "gateway.audit",
            actor_type=self.caller.kind.value,
            actor=self.caller.actor,
            client_id=self.caller.client_id,
            purpose=purpose.value,
            resource_type=resource.value,
            resource_ids=list(ids),
            reason=reason,
        )
