"""What each party receives of a sykmelding (docs/domain.md §2.1). The whitelist functions in privacy.py fill them.

Each view has its own types, even where they look alike today, so that widening one party's view can
never widen another's. The employer view has no field that could carry medical data or anything
derived from it; tests walk its Avro schema to hold it to that. Every type in it, down to the enums, is
the employer's own (the `AG` types): none is shared with the sykmelding or another view, so a field or
symbol added to the sykmelding's `Gradert` or `Adresse` later cannot reach the employer's model or, since
a named Avro type must mean the same in every schema, the employer's schema.
"""

from datetime import date
from enum import StrEnum

from pydantic import ConfigDict, Field

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.identifiers import Orgnr, Uuid
from sykmeldingsflyt.domain.sykmelding import (
    AVRO_INT_MAX,
    Adresse,
    Arbeidsgiver,
    KontaktMedPasient,
    MedisinskVurdering,
    MeldingTilNAV,
    Periode,
    Prognose,
    ReceivedSykmelding,
    UtcTimestamp,
    UtdypendeOpplysninger,
)
from sykmeldingsflyt.domain.validering import Merknad, ValidationResult


class NavSykmelding(DomainModel):
    """The full sykmelding for NAV, less answers SKJERMET_FOR_NAV, with the rules' outcome."""

    model_config = ConfigDict(hide_input_in_errors=True)

    received_sykmelding: ReceivedSykmelding
    validation_result: ValidationResult


class ArbeidsgiverAG(DomainModel):
    navn: str | None = None
    yrkesbetegnelse: str | None = None


class ArbeidsrelatertArsakTypeAG(StrEnum):
    MANGLENDE_TILRETTELEGGING = "MANGLENDE_TILRETTELEGGING"
    ANNET = "ANNET"


class ArbeidsrelatertArsakAG(DomainModel):
    """The work-related reason activity is not possible: the only reason the employer gets."""

    beskrivelse: str | None = None
    arsak: list[ArbeidsrelatertArsakTypeAG] = Field(default_factory=list)


class AktivitetIkkeMuligAG(DomainModel):
    """Only the work-related reason: the medical one never reaches the employer."""

    arbeidsrelatert_arsak: ArbeidsrelatertArsakAG | None = None


class GradertAG(DomainModel):
    grad: int = Field(ge=1, le=100)
    reisetilskudd: bool


class PeriodetypeAG(StrEnum):
    """The kind of a period, as the employer's own type."""

    AKTIVITET_IKKE_MULIG = "AKTIVITET_IKKE_MULIG"
    GRADERT = "GRADERT"
    AVVENTENDE = "AVVENTENDE"
    BEHANDLINGSDAGER = "BEHANDLINGSDAGER"
    REISETILSKUDD = "REISETILSKUDD"


class PeriodeAG(DomainModel):
    fom: date
    tom: date
    type: PeriodetypeAG
    aktivitet_ikke_mulig: AktivitetIkkeMuligAG | None = None
    gradert: GradertAG | None = None
    behandlingsdager: int | None = Field(default=None, ge=0, le=AVRO_INT_MAX)
    innspill_til_arbeidsgiver: str | None = None
    reisetilskudd: bool


class PrognoseAG(DomainModel):
    arbeidsfor_etter_periode: bool
    hensyn_arbeidsplassen: str | None = None


class KontaktMedPasientAG(DomainModel):
    kontakt_dato: date | None = None


class AdresseAG(DomainModel):
    """The doctor's address as a contact for the employer."""

    gate: str | None = None
    postnummer: str | None = None
    kommune: str | None = None
    postboks: str | None = None
    land: str | None = None


class BehandlerAG(DomainModel):
    """The doctor as a contact for the employer: no fnr, HPR or HER id."""

    fornavn: str
    mellomnavn: str | None = None
    etternavn: str
    adresse: AdresseAG
    tlf: str | None = None


class MerknadAG(DomainModel):
    """A note from manual processing, e.g. UGYLDIG_TILBAKEDATERING."""

    type: str
    beskrivelse: str | None = None


class ArbeidsgiverSykmelding(DomainModel):
    """The employer's view of a sykmelding the employee SENDT to them."""

    model_config = ConfigDict(hide_input_in_errors=True)

    id: Uuid
    orgnummer: Orgnr
    """The virksomhet (underenhet) the employee sent it to."""
    juridisk_orgnummer: Orgnr
    """Its legal entity, carried too because employers often look under the wrong one."""
    org_navn: str | None = None
    """The employer's name as the employee chose it when sending (the status event's orgNavn).
    None only in views written before it was carried."""
    mottatt_tidspunkt: UtcTimestamp
    behandlet_tidspunkt: UtcTimestamp
    signatur_dato: UtcTimestamp
    sendt_tidspunkt: UtcTimestamp | None = None
    """When the employee sent it to this employer (the SENDT status event's timestamp).
    None only in views written before it was carried."""
    syketilfelle_start_dato: date | None = None
    arbeidsgiver: ArbeidsgiverAG
    sykmeldingsperioder: list[PeriodeAG] = Field(default_factory=list)
    prognose: PrognoseAG | None = None
    tiltak_arbeidsplassen: str | None = None
    melding_til_arbeidsgiver: str | None = None
    kontakt_med_pasient: KontaktMedPasientAG
    behandler: BehandlerAG | None = None
    egenmeldt: bool
    papirsykmelding: bool
    merknader: list[MerknadAG] = Field(default_factory=list)


class BehandlerPasient(DomainModel):
    """The doctor as a contact for the patient: no fnr, HPR or HER id."""

    fornavn: str
    mellomnavn: str | None = None
    etternavn: str
    adresse: Adresse
    tlf: str | None = None


class PasientSykmelding(DomainModel):
    """The patient's own sykmelding, less answers SKJERMET_FOR_PASIENT.

    Under skjermesForPasient the doctor has judged the medical content harmful to show: it is left out.
    """

    model_config = ConfigDict(hide_input_in_errors=True)

    id: Uuid
    mottatt_tidspunkt: UtcTimestamp
    behandlet_tidspunkt: UtcTimestamp
    signatur_dato: UtcTimestamp
    syketilfelle_start_dato: date | None = None
    skjermes_for_pasient: bool
    medisinsk_vurdering: MedisinskVurdering | None = None
    arbeidsgiver: Arbeidsgiver
    perioder: list[Periode] = Field(default_factory=list)
    prognose: Prognose | None = None
    utdypende_opplysninger: UtdypendeOpplysninger = Field(default_factory=dict)
    tiltak_arbeidsplassen: str | None = None
    tiltak_nav: str | None = Field(default=None, alias="tiltakNAV")
    andre_tiltak: str | None = None
    melding_til_nav: MeldingTilNAV | None = Field(default=None, alias="meldingTilNAV")
    melding_til_arbeidsgiver: str | None = None
    kontakt_med_pasient: KontaktMedPasient
    behandler: BehandlerPasient
    behandlingsutfall: ValidationResult
    egenmeldt: bool
    papirsykmelding: bool
    merknader: list[Merknad] = Field(default_factory=list)
