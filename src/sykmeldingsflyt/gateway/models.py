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

    id: str = Field(
        description="The id of what was sent: the msgId, the plan's uuid, or the id the gateway gave the event.",
        examples=["b2b8f0a4-5f5a-4c1e-8f63-3c3f0a0d1e2f"],
    )
    location: str | None = Field(
        default=None,
        description="Where to follow it, when there is something to follow.",
        examples=["/epj/v1/kvitteringer/b2b8f0a4-5f5a-4c1e-8f63-3c3f0a0d1e2f"],
    )


def accepted(identifier: str, location: str | None = None) -> tuple[int, dict[str, object]]:
    return 202, Accepted(id=identifier, location=location).model_dump(mode="json", by_alias=True)


class StatusAction(DomainModel):
    """What the employee does with their sykmelding; SENDT names the employer it is sent to."""

    status_event: StatusEvent = Field(
        description="What the employee does: SENDT to an employer, BEKREFTET (no employer), AVBRUTT, GJENAPNET or "
        "SLETTET.",
        examples=["SENDT"],
    )
    arbeidsgiver: ArbeidsgiverStatus | None = Field(
        default=None, description="The employer it is sent to; required exactly when statusEvent is SENDT."
    )
    sporsmals: list[SporsmalOgSvar] = Field(
        default_factory=list,
        max_length=20,
        description="The employee's answers when sending: work situation, nærmeste leder, absence, insurance.",
    )


class Sendingstatus(StrEnum):
    SENDT = "SENDT"
    """The employee sent it to this employer: the view is included."""
    TRUKKET = "TRUKKET"
    """The employee withdrew it (cancelled or deleted it, or sent it elsewhere): the view is gone."""


class ArbeidsgiverSykmeldingEntry(DomainModel):
    """One change in the employer's feed: a sykmelding sent to them, or withdrawn."""

    sykmelding_id: str = Field(
        description="The sykmelding's id (a UUID).", examples=["9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"]
    )
    orgnummer: str = Field(description="The virksomhet (underenhet) the employee sent it to.", examples=["311000101"])
    juridisk_orgnummer: str = Field(description="That virksomhet's legal entity (hovedenhet).", examples=["311000004"])
    status: Sendingstatus = Field(
        description="SENDT with the view, or TRUKKET when the employee withdrew it.", examples=["SENDT"]
    )
    ansatt_ref: str | None = Field(
        default=None,
        description="The employee as this virksomhet alone knows them (a pseudonym; the same on its varsler).",
        examples=["3f1c0e9a7b5d4c2e8a6f1b3d5c7e9a0b2d4f6a8c"],
    )
    sykmelding: ArbeidsgiverSykmelding | None = Field(
        default=None, description="The employer's view of the sykmelding; null when TRUKKET."
    )


class ArbeidsgiverSykmeldingFeed(DomainModel):
    """One page of the employer's feed, oldest change first."""

    sykmeldinger: list[ArbeidsgiverSykmeldingEntry] = Field(description="The changes on this page, oldest first.")
    next_cursor: str = Field(
        description="Pass as `cursor` for the changes after this page; an empty page gives the same cursor back to "
        "poll with.",
        examples=["MTc0Mg"],
    )


class OppgaveFeed(DomainModel):
    """One page of NAV's tasks, oldest change first."""

    oppgaver: list[Oppgave] = Field(description="The tasks on this page, oldest change first.")
    next_cursor: str = Field(
        description="Pass as `cursor` for the changes after this page; an empty page gives the same cursor back to "
        "poll with.",
        examples=["MTc0Mg"],
    )


class ArbeidstakerVarselFeed(DomainModel):
    """One page of the employee's own varsler, oldest first."""

    varsler: list[ArbeidstakerVarsel] = Field(description="The varsler on this page, oldest first.")
    next_cursor: str = Field(
        description="Pass as `cursor` for the varsler after this page; an empty page gives the same cursor back.",
        examples=["MTc0Mg"],
    )


class DialogmeldingFeed(DomainModel):
    """One page of the dialogmeldinger to the clinic, oldest first."""

    dialogmeldinger: list[Dialogmelding] = Field(description="The dialogmeldinger on this page, oldest first.")
    next_cursor: str = Field(
        description="Pass as `cursor` for the dialogmeldinger after this page; an empty page gives the same cursor "
        "back.",
        examples=["MTc0Mg"],
    )
