"""What each party receives of a sykmelding (DOMAIN.md §2.1). The whitelist functions in privacy.py fill them.

Each view has its own types, even where they look alike today, so that widening one party's view can
never widen another's. The employer view has no field that could carry medical data or anything
derived from it; tests walk its Avro schema to hold it to that.
"""

from datetime import date

from pydantic import ConfigDict, Field

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.identifiers import Orgnr, Uuid
from sykmeldingsflyt.domain.sykmelding import (
    AVRO_INT_MAX,
    Adresse,
    Arbeidsgiver,
    ArbeidsrelatertArsak,
    Gradert,
    KontaktMedPasient,
    MedisinskVurdering,
    MeldingTilNAV,
    Periode,
    Periodetype,
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


class AktivitetIkkeMuligAG(DomainModel):
    """Only the work-related reason: the medical one never reaches the employer."""

    arbeidsrelatert_arsak: ArbeidsrelatertArsak | None = None


class PeriodeAG(DomainModel):
    fom: date
    tom: date
    type: Periodetype
    aktivitet_ikke_mulig: AktivitetIkkeMuligAG | None = None
    gradert: Gradert | None = None
    behandlingsdager: int | None = Field(default=None, ge=0, le=AVRO_INT_MAX)
    innspill_til_arbeidsgiver: str | None = None
    reisetilskudd: bool


class PrognoseAG(DomainModel):
    arbeidsfor_etter_periode: bool
    hensyn_arbeidsplassen: str | None = None


class KontaktMedPasientAG(DomainModel):
    kontakt_dato: date | None = None


class BehandlerAG(DomainModel):
    """The doctor as a contact for the employer: no fnr, HPR or HER id."""

    fornavn: str
    mellomnavn: str | None = None
    etternavn: str
    adresse: Adresse
    tlf: str | None = None


class ArbeidsgiverSykmelding(DomainModel):
    """The employer's view of a sykmelding the employee SENDT to them."""

    model_config = ConfigDict(hide_input_in_errors=True)

    id: Uuid
    orgnummer: Orgnr
    """The virksomhet (underenhet) the employee sent it to."""
    juridisk_orgnummer: Orgnr
    """Its legal entity, carried too because employers often look under the wrong one."""
    mottatt_tidspunkt: UtcTimestamp
    behandlet_tidspunkt: UtcTimestamp
    signatur_dato: UtcTimestamp
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
    merknader: list[Merknad] = Field(default_factory=list)


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
