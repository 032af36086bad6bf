"""What the employee does with a sykmelding, on sykmelding.status: NAV's SykmeldingStatusKafkaEventDTO."""

from enum import StrEnum

from pydantic import ConfigDict, Field, model_validator

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.identifiers import Orgnr, Uuid
from sykmeldingsflyt.domain.sykmelding import UtcTimestamp


class StatusEvent(StrEnum):
    SENDT = "SENDT"
    """Sent to one employer: the only event that lets an employer see the sykmelding."""
    BEKREFTET = "BEKREFTET"
    """Confirmed without an employer: self-employed, unemployed."""
    AVBRUTT = "AVBRUTT"
    GJENAPNET = "GJENAPNET"
    """Reopened after AVBRUTT: the sykmelding is APEN again."""
    SLETTET = "SLETTET"


class ArbeidsgiverStatus(DomainModel):
    """The employer the employee chose, both as the sub-unit they work at and as the legal entity."""

    orgnummer: Orgnr
    """The virksomhet (underenhet) the employee works at."""
    juridisk_orgnummer: Orgnr
    """The legal entity (hovedenhet); employers often look for a sykmelding under this one."""
    org_navn: str


class ShortName(StrEnum):
    ARBEIDSSITUASJON = "ARBEIDSSITUASJON"
    NY_NARMESTE_LEDER = "NY_NARMESTE_LEDER"
    FRAVAER = "FRAVAER"
    PERIODE = "PERIODE"
    FORSIKRING = "FORSIKRING"


class Svartype(StrEnum):
    ARBEIDSSITUASJON = "ARBEIDSSITUASJON"
    PERIODER = "PERIODER"
    JA_NEI = "JA_NEI"


class SporsmalOgSvar(DomainModel):
    tekst: str
    short_name: ShortName
    svartype: Svartype
    svar: str


class SykmeldingStatusEvent(DomainModel):
    model_config = ConfigDict(hide_input_in_errors=True)

    event_id: Uuid
    """Stable per event, so every consumer can drop a redelivered one."""
    sykmelding_id: Uuid
    timestamp: UtcTimestamp
    status_event: StatusEvent
    arbeidsgiver: ArbeidsgiverStatus | None = None
    sporsmals: list[SporsmalOgSvar] = Field(default_factory=list)

    @model_validator(mode="after")
    def _arbeidsgiver_only_when_sendt(self) -> "SykmeldingStatusEvent":
        # An employer on any other event would route a sykmelding the employee never sent.
        if (self.status_event is StatusEvent.SENDT) != (self.arbeidsgiver is not None):
            raise ValueError("arbeidsgiver is required for SENDT and forbidden for every other statusEvent")
        return self
