"""The dialogmøte-2 candidate's lifecycle (DOMAIN.md §5.2, NAV's isdialogmotekandidat).

On the candidate stop point (case start + 119 days, from the case's rule set) the person becomes a
candidate if the case is still running then, they are an employee at its end, they are alive, and no
dialogmøte was FERDIGSTILT within the case before it. Candidature ends when a meeting is FERDIGSTILT
or LUKKET (INNKALT changes nothing), when a NAV officer records an exception (unntak) or "ikke
aktuell" (refused for someone who is not a candidate), or when it has stood open longer than a
configured number of months (LUKKET). Every change is an event with its reason; NAV's read API shows
a candidate only from 7 days after the decision.

Each change has an id derived from what caused it, so deciding again (a redelivery, a timer that
fires twice) gives the same change, and the service stores and publishes it once.
"""

import calendar
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Self
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import Field, model_validator

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.clock import norwegian_date
from sykmeldingsflyt.domain.identifiers import Fnr, Uuid
from sykmeldingsflyt.domain.stoppunkter import StoppunktName, regelverk_for
from sykmeldingsflyt.domain.sykmelding import UtcTimestamp
from sykmeldingsflyt.domain.tilfelle import Oppfolgingstilfelle
from sykmeldingsflyt.domain.timeline import DialogmoteHendelse, DialogmoteStatus

KANDIDAT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sykmeldingsflyt:dialogmotekandidat")
VISNING_FORSINKELSE = timedelta(days=7)
"""NAV's API shows a candidate only this long after the decision."""


class Endringsarsak(StrEnum):
    STOPPUNKT = "STOPPUNKT"
    DIALOGMOTE_FERDIGSTILT = "DIALOGMOTE_FERDIGSTILT"
    DIALOGMOTE_LUKKET = "DIALOGMOTE_LUKKET"
    UNNTAK = "UNNTAK"
    IKKE_AKTUELL = "IKKE_AKTUELL"
    LUKKET = "LUKKET"


class UnntakArsak(StrEnum):
    MEDISINSKE_GRUNNER = "MEDISINSKE_GRUNNER"
    INNLEGGELSE_INSTITUSJON = "INNLEGGELSE_INSTITUSJON"
    FORVENTET_FRISKMELDING_INNEN_28UKER = "FORVENTET_FRISKMELDING_INNEN_28UKER"
    DOKUMENTERT_TILTAK_FRISKMELDING = "DOKUMENTERT_TILTAK_FRISKMELDING"
    FRISKMELDT = "FRISKMELDT"
    """No longer allowed for a new exception: record "ikke aktuell" instead (as NAV)."""
    ARBEIDSFORHOLD_OPPHORT = "ARBEIDSFORHOLD_OPPHORT"
    """No longer allowed for a new exception: record "ikke aktuell" instead (as NAV)."""


UTGATTE_UNNTAK = frozenset({UnntakArsak.FRISKMELDT, UnntakArsak.ARBEIDSFORHOLD_OPPHORT})


class IkkeAktuellArsak(StrEnum):
    ARBEIDSTAKER_AAP = "ARBEIDSTAKER_AAP"
    ARBEIDSTAKER_DOD = "ARBEIDSTAKER_DOD"
    DIALOGMOTE_AVHOLDT = "DIALOGMOTE_AVHOLDT"
    FRISKMELDT = "FRISKMELDT"
    ARBEIDSFORHOLD_OPPHORT = "ARBEIDSFORHOLD_OPPHORT"


class DialogmotekandidatEndring(DomainModel):
    """One change of a person's candidature, as NAV's KDialogmotekandidatEndring, by pseudonym."""

    uuid: Uuid
    created_at: UtcTimestamp
    person_ref: str
    """An opaque person reference, never the fnr."""
    tilfelle_id: Uuid
    tilfelle_start: date
    kandidat: bool
    arsak: Endringsarsak
    unntak_arsak: UnntakArsak | None = None
    ikke_aktuell_arsak: IkkeAktuellArsak | None = None


class DialogmotekandidatVurdering(DomainModel):
    """A NAV officer's word on a candidate: an exception (unntak) or "ikke aktuell", exactly one."""

    uuid: Uuid
    personident: Fnr
    """Personal data: pseudonymise it at once, never store or log it."""
    veilederident: str = Field(pattern=r"^[A-Z][0-9]{6}$")
    """The officer's NAV ident."""
    created_at: UtcTimestamp
    unntak_arsak: UnntakArsak | None = None
    ikke_aktuell_arsak: IkkeAktuellArsak | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.unntak_arsak is None) == (self.ikke_aktuell_arsak is None):
            raise ValueError("exactly one of unntakArsak and ikkeAktuellArsak is required")
        return self


class Avslag(StrEnum):
    """Why an officer's exception or "ikke aktuell" is refused."""

    IKKE_KANDIDAT = "IKKE_KANDIDAT"
    """The person is not a candidate now (409)."""
    UGYLDIG_ARSAK = "UGYLDIG_ARSAK"
    """The exception reason is not allowed for a new exception (400)."""


AVSLAG_FORKLARING = {
    Avslag.IKKE_KANDIDAT: "The person is not a dialogmøte candidate now.",
    Avslag.UGYLDIG_ARSAK: "This reason is no longer used for an exception: record ikke aktuell instead.",
}


def kandidatdag(tilfelle: Oppfolgingstilfelle) -> date:
    """The candidate stop point of the case, from the rule set in force at its start."""
    regelverk = regelverk_for(tilfelle.start)
    return next(s for s in regelverk.stoppunkter if s.name is StoppunktName.DIALOGMOTE_KANDIDAT).date_for(
        tilfelle.start
    )


def gjeldende(endringer: Sequence[DialogmotekandidatEndring]) -> DialogmotekandidatEndring | None:
    """The person's candidature now: the last change made (changes are kept in the order made, since
    two can share a timestamp)."""
    return endringer[-1] if endringer else None


def _endring(
    cause: str,
    case: tuple[str, UUID | str, date],
    now: datetime,
    kandidat: bool,
    arsak: Endringsarsak,
    **reasons: object,
) -> DialogmotekandidatEndring:
    """A change with an id derived from the person, the case, the reason and its cause."""
    person_ref, tilfelle_id, tilfelle_start = case
    return DialogmotekandidatEndring.model_validate(
        {
            "uuid": str(uuid5(KANDIDAT_NAMESPACE, f"{person_ref}|{tilfelle_id}|{arsak}|{cause}")),
            "created_at": now,
            "person_ref": person_ref,
            "tilfelle_id": str(tilfelle_id),
            "tilfelle_start": tilfelle_start,
            "kandidat": kandidat,
            "arsak": arsak,
            **reasons,
        }
    )


def stoppunkt(
    person_ref: str,
    tilfelle_id: UUID,
    tilfelle: Oppfolgingstilfelle,
    *,
    dialogmoter: Sequence[DialogmoteHendelse],
    endringer: Sequence[DialogmotekandidatEndring],
    now: datetime,
    today: date,
) -> DialogmotekandidatEndring | None:
    """The stop point's decision once its day has come: a new candidate, or None (not yet, not
    eligible, or decided before for this case)."""
    day = kandidatdag(tilfelle)
    if today < day or any(e.tilfelle_id == str(tilfelle_id) and e.arsak is Endringsarsak.STOPPUNKT for e in endringer):
        return None
    held = any(m.status is DialogmoteStatus.FERDIGSTILT and tilfelle.start <= m.dato <= day for m in dialogmoter)
    alive = tilfelle.dodsdato is None or tilfelle.dodsdato > day
    if not (tilfelle.is_running_on(day) and tilfelle.arbeidstaker_ved_slutt and alive and not held):
        return None
    return _endring("stoppunkt", (person_ref, tilfelle_id, tilfelle.start), now, True, Endringsarsak.STOPPUNKT)


_ETTER_MOTE = {
    DialogmoteStatus.FERDIGSTILT: Endringsarsak.DIALOGMOTE_FERDIGSTILT,
    DialogmoteStatus.LUKKET: Endringsarsak.DIALOGMOTE_LUKKET,
}


def _as_case(endring: DialogmotekandidatEndring) -> tuple[str, str, date]:
    return endring.person_ref, endring.tilfelle_id, endring.tilfelle_start


def etter_dialogmote(
    current: DialogmotekandidatEndring | None, mote: DialogmoteHendelse, hendelse_id: str, now: datetime
) -> DialogmotekandidatEndring | None:
    """A meeting FERDIGSTILT or LUKKET ends the candidature; any other status changes nothing."""
    arsak = _ETTER_MOTE.get(mote.status)
    if current is None or not current.kandidat or arsak is None:
        return None
    return _endring(hendelse_id, _as_case(current), now, False, arsak)


def unntak(
    current: DialogmotekandidatEndring | None, arsak: UnntakArsak, vurdering_id: str, now: datetime
) -> DialogmotekandidatEndring | Avslag:
    """An officer's exception: the reason is checked first, then that the person is a candidate."""
    if arsak in UTGATTE_UNNTAK:
        return Avslag.UGYLDIG_ARSAK
    if current is None or not current.kandidat:
        return Avslag.IKKE_KANDIDAT
    return _endring(vurdering_id, _as_case(current), now, False, Endringsarsak.UNNTAK, unntak_arsak=arsak)


def ikke_aktuell(
    current: DialogmotekandidatEndring | None, arsak: IkkeAktuellArsak, vurdering_id: str, now: datetime
) -> DialogmotekandidatEndring | Avslag:
    if current is None or not current.kandidat:
        return Avslag.IKKE_KANDIDAT
    return _endring(vurdering_id, _as_case(current), now, False, Endringsarsak.IKKE_AKTUELL, ikke_aktuell_arsak=arsak)


def vurder(
    current: DialogmotekandidatEndring | None, vurdering: DialogmotekandidatVurdering, now: datetime
) -> DialogmotekandidatEndring | Avslag:
    """The officer's exception or "ikke aktuell" applied to the current candidature."""
    if vurdering.unntak_arsak is not None:
        return unntak(current, vurdering.unntak_arsak, vurdering.uuid, now)
    assert vurdering.ikke_aktuell_arsak is not None
    return ikke_aktuell(current, vurdering.ikke_aktuell_arsak, vurdering.uuid, now)


def _add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, or the month's last day when it has fewer."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def lukkedag(current: DialogmotekandidatEndring | None, months: int) -> date | None:
    """The day a candidature still open is closed as outdated: `months` after the decision, and a
    day; None when the person is not a candidate."""
    if current is None or not current.kandidat:
        return None
    return _add_months(norwegian_date(current.created_at), months) + timedelta(days=1)


def lukk_utdatert(
    current: DialogmotekandidatEndring | None, months: int, now: datetime, today: date
) -> DialogmotekandidatEndring | None:
    """Close a candidature that has stood open longer than `months` (NAV's outdated candidates)."""
    day = lukkedag(current, months)
    if current is None or day is None or today < day:
        return None
    return _endring(current.uuid, _as_case(current), now, False, Endringsarsak.LUKKET)


def synlig_kandidat(current: DialogmotekandidatEndring | None, now: datetime) -> DialogmotekandidatEndring | None:
    """What NAV's read API shows: the candidature only from 7 days after the decision."""
    if current is None or not current.kandidat or now < current.created_at + VISNING_FORSINKELSE:
        return None
    return current
