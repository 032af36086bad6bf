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

    def for_arbeidsgiver(self, ansatt: str) -> "ArbeidsgiverVarsel":
        """The employer's copy: the person only as `ansatt` (their pseudonym within this employer)."""
        if self.orgnr is None or self.mottaker is not Mottaker.ARBEIDSGIVER:
            raise ValueError("only a varsel to ARBEIDSGIVER has an employer's copy")
        return ArbeidsgiverVarsel(
            id=self.id,
            type=self.type,
            tilfelle_id=self.tilfelle_id,
            ansatt_ref=ansatt,
            orgnr=self.orgnr,
            stoppunkt_dato=self.stoppunkt_dato,
            opprettet=self.opprettet,
        )

    def for_arbeidstaker(self) -> "ArbeidstakerVarsel":
        """The employee's copy: about themselves, so no person reference at all."""
        if self.mottaker is not Mottaker.ARBEIDSTAKER:
            raise ValueError("only a varsel to ARBEIDSTAKER has an employee's copy")
        return ArbeidstakerVarsel(
            id=self.id,
            type=self.type,
            tilfelle_id=self.tilfelle_id,
            orgnr=self.orgnr,
            stoppunkt_dato=self.stoppunkt_dato,
            opprettet=self.opprettet,
        )


_UUID_EXAMPLE = ["9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"]


class ArbeidsgiverVarsel(DomainModel):
    """A varsel as the employer's HR system gets it: NAV's person reference replaced by the employer's own."""

    id: Uuid = Field(description="The varsel's id: the same for every delivery of it.", examples=_UUID_EXAMPLE)
    type: Varseltype = Field(description="Which notice.", examples=["OPPFOLGINGSPLAN_MANGLER"])
    tilfelle_id: Uuid = Field(
        description="The case: derived from the person, this employer and the start, so another employer's differs.",
        examples=["1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"],
    )
    ansatt_ref: str = Field(
        description="The employee as this virksomhet alone knows them (the same as on their sykmeldinger here).",
        examples=["3f1c0e9a7b5d4c2e8a6f1b3d5c7e9a0b2d4f6a8c"],
    )
    orgnr: Orgnr = Field(description="The virksomhet the varsel is to.", examples=["311000101"])
    stoppunkt_dato: date = Field(
        description="The day the notice is about: the stop point, or the deadline it reminds of.",
        examples=["2026-12-29"],
    )
    opprettet: UtcTimestamp = Field(description="When the varsel was made.", examples=["2026-12-01T08:00:00Z"])


class ArbeidstakerVarsel(DomainModel):
    """A varsel as the employee gets it on nav.no."""

    id: Uuid = Field(description="The varsel's id: the same for every delivery of it.", examples=_UUID_EXAMPLE)
    type: Varseltype = Field(description="Which notice.", examples=["SVAR_MOTEBEHOV"])
    tilfelle_id: Uuid = Field(
        description="The case (one per employer) the notice is about.",
        examples=["1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"],
    )
    orgnr: Orgnr | None = Field(default=None, description="The employer the case is with.", examples=["311000101"])
    stoppunkt_dato: date = Field(
        description="The day the notice is about: the stop point, or the deadline it reminds of.",
        examples=["2026-12-29"],
    )
    opprettet: UtcTimestamp = Field(description="When the varsel was made.", examples=["2026-12-01T08:00:00Z"])
