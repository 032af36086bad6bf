"""A sykmelding's life as the employee drives it: which status events are allowed, and what each means
for the employer (docs/domain.md §2: APEN -> SENDT | BEKREFTET | AVBRUTT ; AVBRUTT can be reopened ; SLETTET
removes it; the employer learns of a sykmelding only after the employee sends it).
"""

from dataclasses import dataclass
from enum import StrEnum

from sykmeldingsflyt.domain.status import StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykmelding import SykmeldingStatus
from sykmeldingsflyt.domain.validering import RuleStatus


class ArbeidsgiverEffekt(StrEnum):
    """What the employer's topic must show after the event."""

    INGEN = "INGEN"
    PUBLISER = "PUBLISER"  # the employer view, to the orgnr the employee chose
    TREKK_TILBAKE = "TREKK_TILBAKE"  # a tombstone: the employer must no longer see it


class Avslag(StrEnum):
    """Why a status event is refused; the event changes nothing."""

    AVVIST_SYKMELDING = "AVVIST_SYKMELDING"
    UGYLDIG_OVERGANG = "UGYLDIG_OVERGANG"
    ANNEN_ARBEIDSGIVER = "ANNEN_ARBEIDSGIVER"
    SLETTET = "SLETTET"


@dataclass(frozen=True, slots=True)
class Tilstand:
    status: SykmeldingStatus
    validation_status: RuleStatus
    sendt_til_orgnummer: str | None = None


@dataclass(frozen=True, slots=True)
class Overgang:
    ny: Tilstand
    effekt: ArbeidsgiverEffekt


@dataclass(frozen=True, slots=True)
class Avslatt:
    grunn: Avslag
    forklaring: str


# Which events may follow which status. SENDT again to the same employer is a repeat, not an error.
_TILLATT: dict[SykmeldingStatus, frozenset[StatusEvent]] = {
    SykmeldingStatus.APEN: frozenset(
        {StatusEvent.SENDT, StatusEvent.BEKREFTET, StatusEvent.AVBRUTT, StatusEvent.SLETTET}
    ),
    SykmeldingStatus.SENDT: frozenset({StatusEvent.SENDT, StatusEvent.AVBRUTT, StatusEvent.SLETTET}),
    SykmeldingStatus.BEKREFTET: frozenset({StatusEvent.AVBRUTT, StatusEvent.SLETTET}),
    SykmeldingStatus.AVBRUTT: frozenset({StatusEvent.GJENAPNET, StatusEvent.SLETTET}),
    SykmeldingStatus.UTGATT: frozenset({StatusEvent.SLETTET}),
    SykmeldingStatus.SLETTET: frozenset(),
}

_NY_STATUS = {
    StatusEvent.SENDT: SykmeldingStatus.SENDT,
    StatusEvent.BEKREFTET: SykmeldingStatus.BEKREFTET,
    StatusEvent.AVBRUTT: SykmeldingStatus.AVBRUTT,
    StatusEvent.GJENAPNET: SykmeldingStatus.APEN,
    StatusEvent.SLETTET: SykmeldingStatus.SLETTET,
}


def status_etter(status: SykmeldingStatus, hendelse: StatusEvent) -> SykmeldingStatus:
    """The status after `hendelse`; unchanged when the lifecycle does not allow the event."""
    return _NY_STATUS[hendelse] if hendelse in _TILLATT[status] else status


def anvend(tilstand: Tilstand, event: SykmeldingStatusEvent) -> Overgang | Avslatt:
    """The sykmelding after `event`, with what the employer must see; or why the event is refused."""
    hendelse = event.status_event
    if tilstand.status is SykmeldingStatus.SLETTET:
        return Avslatt(Avslag.SLETTET, f"The sykmelding is deleted; {hendelse} cannot apply.")
    if hendelse in (StatusEvent.SENDT, StatusEvent.BEKREFTET) and tilstand.validation_status is RuleStatus.INVALID:
        return Avslatt(Avslag.AVVIST_SYKMELDING, f"A rejected sykmelding cannot be {hendelse}.")
    if hendelse not in _TILLATT[tilstand.status]:
        return Avslatt(Avslag.UGYLDIG_OVERGANG, f"{hendelse} is not allowed when the sykmelding is {tilstand.status}.")

    if hendelse is StatusEvent.SENDT:
        assert event.arbeidsgiver is not None  # the event model requires it for SENDT
        orgnummer = event.arbeidsgiver.orgnummer
        if tilstand.sendt_til_orgnummer not in (None, orgnummer):
            return Avslatt(Avslag.ANNEN_ARBEIDSGIVER, "The sykmelding is already sent to another employer.")
        return Overgang(
            Tilstand(SykmeldingStatus.SENDT, tilstand.validation_status, orgnummer), ArbeidsgiverEffekt.PUBLISER
        )

    was_sent = tilstand.status is SykmeldingStatus.SENDT
    withdraws = hendelse in (StatusEvent.AVBRUTT, StatusEvent.SLETTET) and was_sent
    # A reopened sykmelding may be sent anew, to any employer: the earlier choice no longer binds.
    keeps_employer = None if hendelse is StatusEvent.GJENAPNET else tilstand.sendt_til_orgnummer
    return Overgang(
        Tilstand(_NY_STATUS[hendelse], tilstand.validation_status, keeps_employer),
        ArbeidsgiverEffekt.TREKK_TILBAKE if withdraws else ArbeidsgiverEffekt.INGEN,
    )
