"""The HTTP API's own request and answer bodies; the messages themselves are the domain's models."""

from enum import StrEnum

from pydantic import Field

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.oppfolgingsplan import Dialogmelding
from sykmeldingsflyt.domain.oppgave import Oppgave
from sykmeldingsflyt.domain.status import ArbeidsgiverStatus, SporsmalOgSvar, StatusEvent
from sykmeldingsflyt.domain.varsel import ArbeidstakerVarsel
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class Accepted(DomainModel):
    """The answer to a POST: the message is with the broker and will be processed."""

    id: str
    """The id of what was sent: the msgId, the plan's uuid, or the id the gateway gave the event."""
    location: str | None = None
    """Where to follow it, when there is something to follow."""


def accepted(identifier: str, location: str | None = None) -> tuple[int, dict[str, object]]:
    return 202, Accepted(id=identifier, location=location).model_dump(mode="json", by_alias=True)


class StatusAction(DomainModel):
    """What the employee does with their sykmelding; SENDT names the employer it is sent to."""

    status_event: StatusEvent
    arbeidsgiver: ArbeidsgiverStatus | None = None
    sporsmals: list[SporsmalOgSvar] = Field(default_factory=list, max_length=20)


class Sendingstatus(StrEnum):
    SENDT = "SENDT"
    """The employee sent it to this employer: the view is included."""
    TRUKKET = "TRUKKET"
    """The employee withdrew it (cancelled or deleted it, or sent it elsewhere): the view is gone."""


class ArbeidsgiverSykmeldingEntry(DomainModel):
    sykmelding_id: str
    orgnummer: str
    juridisk_orgnummer: str
    status: Sendingstatus
    ansatt_ref: str | None = None
    """The employee as this virksomhet alone knows them (the same on its varsler)."""
    sykmelding: ArbeidsgiverSykmelding | None = None


class ArbeidsgiverSykmeldingFeed(DomainModel):
    """One page of the employer's feed, oldest change first."""

    sykmeldinger: list[ArbeidsgiverSykmeldingEntry]
    next_cursor: str
    """Pass as `cursor` for the changes after this page; an empty page gives the same cursor back to poll with."""


class OppgaveFeed(DomainModel):
    """One page of NAV's tasks, oldest change first."""

    oppgaver: list[Oppgave]
    next_cursor: str


class ArbeidstakerVarselFeed(DomainModel):
    """One page of the employee's own varsler, oldest first."""

    varsler: list[ArbeidstakerVarsel]
    next_cursor: str


class DialogmeldingFeed(DomainModel):
    """One page of the dialogmeldinger to the clinic, oldest first."""

    dialogmeldinger: list[Dialogmelding]
    next_cursor: str
