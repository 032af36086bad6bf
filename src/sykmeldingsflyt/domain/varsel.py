"""The varsel: a notice to the employee or the employer at a stop point. Keyed by `tilfelle_id`.

It says which notice and for which case, never why the person is sick: no grade, no diagnosis,
no free text.
"""

from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.identifiers import Orgnr, Uuid
from sykmeldingsflyt.domain.sykmelding import UtcTimestamp


class Mottaker(StrEnum):
    ARBEIDSTAKER = "ARBEIDSTAKER"
    ARBEIDSGIVER = "ARBEIDSGIVER"


class Varseltype(StrEnum):
    OPPFOLGINGSPLAN_MANGLER = "OPPFOLGINGSPLAN_MANGLER"
    AKTIVITETSKRAV_INFORMASJON = "AKTIVITETSKRAV_INFORMASJON"
    DIALOGMOTE1_PAMINNELSE = "DIALOGMOTE1_PAMINNELSE"
    SVAR_MOTEBEHOV = "SVAR_MOTEBEHOV"
    SNART_SLUTT_PA_SYKEPENGER = "SNART_SLUTT_PA_SYKEPENGER"
    OPPFOLGINGSPLAN_FOR_DIALOGMOTE = "OPPFOLGINGSPLAN_FOR_DIALOGMOTE"
    """NAV has called a dialogue meeting and needs the updated plan a week before it (ftrl § 25-2)."""


class Varsel(DomainModel):
    id: Uuid
    type: Varseltype
    mottaker: Mottaker
    tilfelle_id: Uuid
    person_ref: str = Field(min_length=1)
    """An opaque person reference, never the fnr."""
    orgnr: Orgnr | None = None
    stoppunkt_dato: date
    """The day the notice is about: the stop point, or the deadline it reminds of."""
    opprettet: UtcTimestamp

    @model_validator(mode="after")
    def _employer_varsel_has_employer(self) -> Self:
        if self.mottaker is Mottaker.ARBEIDSGIVER and self.orgnr is None:
            raise ValueError("a varsel to ARBEIDSGIVER needs the employer's orgnr")
        return self
