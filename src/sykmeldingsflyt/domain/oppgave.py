"""The NAV task (oppgave): what a NAV veileder must look at, and nothing medical.

A task names what triggered it by reference only (a møtebehov id, a plan id, a sykmelding id, or the
stop point); NAV reads the details from the source it is entitled to. Free text never goes in a task.
"""

from datetime import datetime
from enum import StrEnum
from typing import Self
from uuid import NAMESPACE_URL, uuid5

from pydantic import Field, model_validator

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.identifiers import Uuid
from sykmeldingsflyt.domain.sykmelding import UtcTimestamp
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.domain.views import NavSykmelding

BISTAND_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sykmeldingsflyt:behandler-ber-om-bistand")


class Oppgavetype(StrEnum):
    AKTIVITETSKRAV_VURDERING = "AKTIVITETSKRAV_VURDERING"
    DIALOGMOTE_KANDIDAT = "DIALOGMOTE_KANDIDAT"
    DIALOGMOTE2_FRIST = "DIALOGMOTE2_FRIST"
    MOTEBEHOV_SVAR = "MOTEBEHOV_SVAR"
    OPPFOLGINGSPLAN_BISTAND = "OPPFOLGINGSPLAN_BISTAND"
    BEHANDLER_BER_OM_BISTAND = "BEHANDLER_BER_OM_BISTAND"
    SNART_SLUTT_PA_SYKEPENGER = "SNART_SLUTT_PA_SYKEPENGER"
    MAKSDATO = "MAKSDATO"
    GJENTAKENDE_SYKEFRAVAER = "GJENTAKENDE_SYKEFRAVAER"


class Oppgavestatus(StrEnum):
    MOTTATT = "MOTTATT"
    BEHANDLET = "BEHANDLET"


# The whole lifecycle: a task is handled once and never reopened; a new need is a new task.
TRANSITIONS: dict[Oppgavestatus, frozenset[Oppgavestatus]] = {
    Oppgavestatus.MOTTATT: frozenset({Oppgavestatus.BEHANDLET}),
    Oppgavestatus.BEHANDLET: frozenset(),
}


class InvalidTransitionError(ValueError):
    """A status change the lifecycle does not allow."""


class Oppgave(DomainModel):
    id: Uuid
    """Stable per trigger: the same trigger always yields the same id, which is how duplicates are found."""
    type: Oppgavetype
    referanse: str = Field(min_length=1)
    """The id of what triggered the task: the møtebehov, plan or sykmelding id, or for a stop point
    `<regelverk version>/<stoppunkt name>` (with `tilfelle_id` that identifies the firing)."""
    tilfelle_id: Uuid | None
    """None only where the producer cannot know the case."""
    person_ref: str = Field(min_length=1)
    """An opaque person reference, never the fnr."""
    status: Oppgavestatus = Oppgavestatus.MOTTATT
    opprettet: UtcTimestamp
    behandlet: UtcTimestamp | None = None

    @model_validator(mode="after")
    def _behandlet_matches_status(self) -> Self:
        if (self.status is Oppgavestatus.BEHANDLET) != (self.behandlet is not None):
            raise ValueError("behandlet is set exactly when the status is BEHANDLET")
        if self.behandlet is not None and self.behandlet < self.opprettet:
            raise ValueError("a task cannot be handled before it was created")
        return self

    def with_status(self, status: Oppgavestatus, at: datetime) -> "Oppgave":
        """The task after a status event. Repeating the current status returns the task unchanged,
        so a redelivered event is harmless; any other change outside TRANSITIONS is refused."""
        if status is self.status:
            return self
        if status not in TRANSITIONS[self.status]:
            raise InvalidTransitionError(f"{self.status} -> {status}")
        return Oppgave.model_validate(
            {
                **self.model_dump(),
                "status": status,
                "behandlet": at if status is Oppgavestatus.BEHANDLET else None,
            },
        )


class OppgaveBehandlet(DomainModel):
    """NAV's word that a task was handled."""

    oppgave_id: Uuid
    behandlet: UtcTimestamp


def behandler_ber_om_bistand(nav: NavSykmelding, person_ref: str, now: datetime) -> Oppgave | None:
    """The task for a sykmelding whose doctor asks NAV for help (meldingTilNAV.bistandUmiddelbart, or
    measures for NAV in tiltakNAV); None otherwise, and for a sykmelding the rules rejected.

    The task points at the sykmelding; NAV reads the doctor's words there, never in the task.
    """
    sykmelding = nav.received_sykmelding.sykmelding
    melding = sykmelding.melding_til_nav
    asks = (melding is not None and melding.bistand_umiddelbart) or bool((sykmelding.tiltak_nav or "").strip())
    if not asks or nav.validation_result.status is RuleStatus.INVALID:
        return None
    return Oppgave(
        id=str(uuid5(BISTAND_NAMESPACE, sykmelding.id)),
        type=Oppgavetype.BEHANDLER_BER_OM_BISTAND,
        referanse=sykmelding.id,
        tilfelle_id=None,
        person_ref=person_ref,
        opprettet=now,
    )
