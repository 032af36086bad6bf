"""The sykmelding as an EPJ sends it (docs/domain.md §2): NAV's `ReceivedSykmelding` wrapping `Sykmelding`.

The models accept what the validation rules judge (an orgnr of the wrong length, a period of no kind,
a grade over 99) so that the rules, not the schema, give the sender NAV's rule name for it.
"""

from datetime import UTC, date, datetime
from enum import StrEnum
from itertools import compress
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.identifiers import Fnr, Uuid

ICPC2_SYSTEM = "2.16.578.1.12.4.1.1.7170"
ICD10_SYSTEM = "2.16.578.1.12.4.1.1.7110"

AVRO_INT_MAX = 2**31 - 1


def _utc_millis(value: datetime) -> datetime:
    # The wire carries timestamp-millis in UTC: normalising here makes a model equal itself after a trip.
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        # An instant before year 1 in UTC: a ValueError, so it is a validation error, not a crash.
        raise ValueError("timestamp out of range") from None
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


UtcTimestamp = Annotated[AwareDatetime, AfterValidator(_utc_millis)]
"""A timezone-aware instant, normalised to UTC and whole milliseconds."""


class SykmeldingStatus(StrEnum):
    """Where a sykmelding is in its life as the employee sees it."""

    APEN = "APEN"
    SENDT = "SENDT"
    BEKREFTET = "BEKREFTET"
    AVBRUTT = "AVBRUTT"
    UTGATT = "UTGATT"
    SLETTET = "SLETTET"


class HarArbeidsgiver(StrEnum):
    EN_ARBEIDSGIVER = "EN_ARBEIDSGIVER"
    FLERE_ARBEIDSGIVERE = "FLERE_ARBEIDSGIVERE"
    INGEN_ARBEIDSGIVER = "INGEN_ARBEIDSGIVER"


class AnnenFraverGrunn(StrEnum):
    GODKJENT_HELSEINSTITUSJON = "GODKJENT_HELSEINSTITUSJON"
    BEHANDLING_FORHINDRER_ARBEID = "BEHANDLING_FORHINDRER_ARBEID"
    ARBEIDSRETTET_TILTAK = "ARBEIDSRETTET_TILTAK"
    MOTTAR_TILSKUDD_GRUNNET_HELSETILSTAND = "MOTTAR_TILSKUDD_GRUNNET_HELSETILSTAND"
    NODVENDIG_KONTROLLUNDENRSOKELSE = "NODVENDIG_KONTROLLUNDENRSOKELSE"
    SMITTEFARE = "SMITTEFARE"
    ABORT = "ABORT"
    UFOR_GRUNNET_BARNLOSHET = "UFOR_GRUNNET_BARNLOSHET"
    DONOR = "DONOR"
    BEHANDLING_STERILISERING = "BEHANDLING_STERILISERING"


class MedisinskArsakType(StrEnum):
    TILSTAND_HINDRER_AKTIVITET = "TILSTAND_HINDRER_AKTIVITET"
    AKTIVITET_FORVERRER_TILSTAND = "AKTIVITET_FORVERRER_TILSTAND"
    AKTIVITET_FORHINDRER_BEDRING = "AKTIVITET_FORHINDRER_BEDRING"
    ANNET = "ANNET"


class ArbeidsrelatertArsakType(StrEnum):
    MANGLENDE_TILRETTELEGGING = "MANGLENDE_TILRETTELEGGING"
    ANNET = "ANNET"


class SvarRestriksjon(StrEnum):
    """Who must not see an answer in utdypendeOpplysninger."""

    SKJERMET_FOR_ARBEIDSGIVER = "SKJERMET_FOR_ARBEIDSGIVER"
    SKJERMET_FOR_PASIENT = "SKJERMET_FOR_PASIENT"
    SKJERMET_FOR_NAV = "SKJERMET_FOR_NAV"


class Periodetype(StrEnum):
    AKTIVITET_IKKE_MULIG = "AKTIVITET_IKKE_MULIG"
    GRADERT = "GRADERT"
    AVVENTENDE = "AVVENTENDE"
    BEHANDLINGSDAGER = "BEHANDLINGSDAGER"
    REISETILSKUDD = "REISETILSKUDD"


_PERIODETYPER = (
    Periodetype.AKTIVITET_IKKE_MULIG,
    Periodetype.GRADERT,
    Periodetype.AVVENTENDE,
    Periodetype.BEHANDLINGSDAGER,
    Periodetype.REISETILSKUDD,
)
"""In the order `Periode.kinds` names them."""


class Diagnose(DomainModel):
    system: str
    """The code system's OID: ICPC-2 2.16.578.1.12.4.1.1.7170 or ICD-10 2.16.578.1.12.4.1.1.7110."""
    kode: str
    tekst: str


class AnnenFraversArsak(DomainModel):
    beskrivelse: str | None = None
    grunn: list[AnnenFraverGrunn] = Field(default_factory=list)


class MedisinskVurdering(DomainModel):
    hoved_diagnose: Diagnose | None = None
    bi_diagnoser: list[Diagnose] = Field(default_factory=list)
    svangerskap: bool
    yrkesskade: bool
    yrkesskade_dato: date | None = None
    annen_fravers_arsak: AnnenFraversArsak | None = None


class MedisinskArsak(DomainModel):
    beskrivelse: str | None = None
    arsak: list[MedisinskArsakType] = Field(default_factory=list)


class ArbeidsrelatertArsak(DomainModel):
    beskrivelse: str | None = None
    arsak: list[ArbeidsrelatertArsakType] = Field(default_factory=list)


class AktivitetIkkeMulig(DomainModel):
    medisinsk_arsak: MedisinskArsak | None = None
    arbeidsrelatert_arsak: ArbeidsrelatertArsak | None = None


class Gradert(DomainModel):
    grad: int = Field(ge=1, le=100)
    reisetilskudd: bool


class Periode(DomainModel):
    fom: date
    tom: date
    aktivitet_ikke_mulig: AktivitetIkkeMulig | None = None
    gradert: Gradert | None = None
    avventende_innspill_til_arbeidsgiver: str | None = None
    behandlingsdager: int | None = Field(default=None, ge=0, le=AVRO_INT_MAX)
    reisetilskudd: bool = False

    def kinds(self) -> tuple[Periodetype, ...]:
        """Every kind this period claims to be; a well-formed period claims exactly one."""
        claimed = (
            self.aktivitet_ikke_mulig is not None,
            self.gradert is not None,
            self.avventende_innspill_til_arbeidsgiver is not None,
            self.behandlingsdager is not None,
            self.reisetilskudd,
        )
        return tuple(compress(_PERIODETYPER, claimed))

    @property
    def kind(self) -> Periodetype | None:
        """The period's kind, or None when it claims none or several (IKKE_DEFINERT_PERIODE)."""
        kinds = self.kinds()
        return kinds[0] if len(kinds) == 1 else None


class Arbeidsgiver(DomainModel):
    har_arbeidsgiver: HarArbeidsgiver
    navn: str | None = None
    yrkesbetegnelse: str | None = None
    stillingsprosent: int | None = Field(default=None, ge=0, le=100)


class ErIArbeid(DomainModel):
    eget_arbeid_pa_sikt: bool
    annet_arbeid_pa_sikt: bool
    arbeid_fom: date | None = Field(default=None, alias="arbeidFOM")
    vurderingsdato: date | None = None


class ErIkkeIArbeid(DomainModel):
    arbeidsfor_pa_sikt: bool
    arbeidsfor_fom: date | None = Field(default=None, alias="arbeidsforFOM")
    vurderingsdato: date | None = None


class Prognose(DomainModel):
    arbeidsfor_etter_periode: bool
    hensyn_arbeidsplassen: str | None = None
    er_i_arbeid: ErIArbeid | None = None
    er_ikke_i_arbeid: ErIkkeIArbeid | None = None


class SporsmalSvar(DomainModel):
    sporsmal: str
    svar: str
    restriksjoner: list[SvarRestriksjon] = Field(default_factory=list)


UtdypendeOpplysninger = dict[str, dict[str, SporsmalSvar]]
"""Question group id (e.g. "6.2") -> question id (e.g. "6.2.1") -> the answer."""


class MeldingTilNAV(DomainModel):
    bistand_umiddelbart: bool
    beskriv_bistand: str | None = None


class KontaktMedPasient(DomainModel):
    kontakt_dato: date | None = None
    begrunnelse_ikke_kontakt: str | None = None
    """Why the doctor backdated without seeing the patient: read by the backdating rules."""


class Adresse(DomainModel):
    gate: str | None = None
    # A string, not NAV's Int: Norwegian postcodes such as 0150 start with zero.
    postnummer: str | None = None
    kommune: str | None = None
    postboks: str | None = None
    land: str | None = None


class Behandler(DomainModel):
    fornavn: str
    mellomnavn: str | None = None
    etternavn: str
    fnr: Fnr
    hpr: str | None = None
    her: str | None = None
    adresse: Adresse
    tlf: str | None = None


class AvsenderSystem(DomainModel):
    navn: str
    versjon: str


class Sykmelding(DomainModel):
    id: Uuid
    medisinsk_vurdering: MedisinskVurdering
    skjermes_for_pasient: bool
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
    behandlet_tidspunkt: UtcTimestamp
    behandler: Behandler
    avsender_system: AvsenderSystem
    syketilfelle_start_dato: date | None = None
    signatur_dato: UtcTimestamp
    navn_fastlege: str | None = None


class ReceivedSykmelding(DomainModel):
    """A sykmelding with its envelope, as the EPJ publishes it on sykmelding.fra-epj."""

    # Echoing a rejected value into an exception or log line could leak an fnr.
    model_config = ConfigDict(hide_input_in_errors=True)

    msg_id: Uuid
    """The sender's id for this message; the kvittering echoes it."""
    mottatt_dato: UtcTimestamp
    """When the message was received from the EPJ; the date rules measure against it."""
    pasient_fnr: Fnr
    """Personal data: never a Kafka key, never in a log line."""
    avsender_fnr: Fnr
    """The fnr of the doctor who signed."""
    avsender_hpr: str | None = None
    """The signer's number in the Health Personnel Register (HPR)."""
    # Not an Orgnr: the rule UGYLDIG_ORGNR_LENGDE judges it, so the sender learns the rule's name.
    legekontor_orgnr: str | None = None
    legekontor_her_id: str | None = None
    ruleset_version: str | None = None
    sykmelding: Sykmelding
