"""What each party gets of a sykmelding (docs/domain.md §2.1), on examples with every field filled."""

import io
import json
import random
import typing
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import fastavro
import pytest
from pydantic import BaseModel

from sykmeldingsflyt.domain.privacy import (
    ARBEIDSRELATERT_ARSAK_TYPE_AG,
    EGENMELDT_AVSENDER,
    PAPIRSYKMELDING_AVSENDER,
    PERIODETYPE_AG,
    UndefinedPeriodError,
    arbeidsgiver_view,
    nav_view,
    pasient_view,
)
from sykmeldingsflyt.domain.status import SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykmelding import (
    ICD10_SYSTEM,
    ICPC2_SYSTEM,
    AktivitetIkkeMulig,
    AnnenFraverGrunn,
    AnnenFraversArsak,
    Arbeidsgiver,
    ArbeidsrelatertArsak,
    ArbeidsrelatertArsakType,
    AvsenderSystem,
    Diagnose,
    ErIArbeid,
    ErIkkeIArbeid,
    Gradert,
    HarArbeidsgiver,
    KontaktMedPasient,
    MedisinskArsak,
    MedisinskArsakType,
    MedisinskVurdering,
    MeldingTilNAV,
    Periode,
    Periodetype,
    Prognose,
    ReceivedSykmelding,
    SporsmalSvar,
    SvarRestriksjon,
)
from sykmeldingsflyt.domain.validering import Merknad, RuleHit, RuleStatus, ValidationResult
from sykmeldingsflyt.domain.views import (
    AdresseAG,
    AktivitetIkkeMuligAG,
    ArbeidsgiverAG,
    ArbeidsgiverSykmelding,
    ArbeidsrelatertArsakAG,
    ArbeidsrelatertArsakTypeAG,
    BehandlerAG,
    BehandlerPasient,
    GradertAG,
    KontaktMedPasientAG,
    MerknadAG,
    NavSykmelding,
    PasientSykmelding,
    PeriodeAG,
    PeriodetypeAG,
    PrognoseAG,
)
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER, DEMO_BEHANDLER, L87, make_sykmelding

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
RELEASED = SCHEMAS / "released" / "1"  # the release whose employer view had the older type names

FOM = date(2026, 3, 2)
SIGNERT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MOTTATT = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
SENDT = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)

ARBEIDSRELATERT = ArbeidsrelatertArsak(
    beskrivelse="Ingen løftehjelp ved ovnen", arsak=[ArbeidsrelatertArsakType.MANGLENDE_TILRETTELEGGING]
)
PERIODER = [
    Periode(
        fom=FOM,
        tom=FOM + timedelta(days=6),
        aktivitet_ikke_mulig=AktivitetIkkeMulig(
            medisinsk_arsak=MedisinskArsak(
                beskrivelse="Betent sene i høyre hånd", arsak=[MedisinskArsakType.TILSTAND_HINDRER_AKTIVITET]
            ),
            arbeidsrelatert_arsak=ARBEIDSRELATERT,
        ),
    ),
    Periode(
        fom=FOM + timedelta(days=7),
        tom=FOM + timedelta(days=13),
        gradert=Gradert(grad=50, reisetilskudd=True),
    ),
    Periode(
        fom=FOM + timedelta(days=14),
        tom=FOM + timedelta(days=20),
        avventende_innspill_til_arbeidsgiver="Kan ta lettere oppgaver ved disken",
    ),
    Periode(fom=FOM + timedelta(days=21), tom=FOM + timedelta(days=27), behandlingsdager=2),
    Periode(fom=FOM + timedelta(days=28), tom=FOM + timedelta(days=34), reisetilskudd=True),
]
MEDISINSK_VURDERING = MedisinskVurdering(
    hoved_diagnose=L87,
    bi_diagnoser=[Diagnose(system=ICD10_SYSTEM, kode="M653", tekst="Triggerfinger")],
    svangerskap=True,
    yrkesskade=True,
    yrkesskade_dato=date(2026, 2, 20),
    annen_fravers_arsak=AnnenFraversArsak(
        beskrivelse="Behandling på sykehus", grunn=[AnnenFraverGrunn.BEHANDLING_FORHINDRER_ARBEID]
    ),
)
PROGNOSE = Prognose(
    arbeidsfor_etter_periode=True,
    hensyn_arbeidsplassen="Unngå tunge løft den første uka",
    er_i_arbeid=ErIArbeid(
        eget_arbeid_pa_sikt=True, annet_arbeid_pa_sikt=False, arbeid_fom=date(2026, 4, 6), vurderingsdato=FOM
    ),
    er_ikke_i_arbeid=ErIkkeIArbeid(arbeidsfor_pa_sikt=True, arbeidsfor_fom=date(2026, 4, 6), vurderingsdato=FOM),
)
SVAR_FOR_ALLE = SporsmalSvar(sporsmal="Hva er pasientens plager?", svar="Smerter ved grep")
SVAR_SKJULT_FOR_ARBEIDSGIVER = SporsmalSvar(
    sporsmal="Hvilke undersøkelser er gjort?",
    svar="Ultralyd viser væske i seneskjeden",
    restriksjoner=[SvarRestriksjon.SKJERMET_FOR_ARBEIDSGIVER],
)
SVAR_SKJULT_FOR_NAV = SporsmalSvar(
    sporsmal="Annen informasjon?", svar="Kun til legen", restriksjoner=[SvarRestriksjon.SKJERMET_FOR_NAV]
)
SVAR_SKJULT_FOR_PASIENT = SporsmalSvar(
    sporsmal="Forventet forløp?", svar="Usikker prognose", restriksjoner=[SvarRestriksjon.SKJERMET_FOR_PASIENT]
)
OPPLYSNINGER = {
    "6.2": {"6.2.1": SVAR_FOR_ALLE, "6.2.2": SVAR_SKJULT_FOR_ARBEIDSGIVER, "6.2.3": SVAR_SKJULT_FOR_NAV},
    "6.3": {"6.3.1": SVAR_SKJULT_FOR_NAV},
    "6.4": {"6.4.1": SVAR_SKJULT_FOR_PASIENT},
}
BEHANDLER = DEMO_BEHANDLER.model_copy(update={"mellomnavn": "Mellom"})
MERKNADER = [Merknad(type="UGYLDIG_TILBAKEDATERING", beskrivelse="Tilbakedateringen er ikke godkjent")]
RESULT = ValidationResult(
    status=RuleStatus.MANUAL_PROCESSING,
    rule_hits=[
        RuleHit(
            rule_name="SYKMELDING_MED_BEHANDLINGSDAGER",
            message_for_sender="Sykmelding inneholder behandlingsdager.",
            message_for_user="Sykmeldingen inneholder behandlingsdager.",
            rule_status=RuleStatus.MANUAL_PROCESSING,
        )
    ],
)


def full(*, skjermes_for_pasient: bool = False) -> ReceivedSykmelding:
    """A sykmelding with every field filled, medical and not."""
    received = make_sykmelding(
        random.Random(11),
        fom=FOM,
        perioder=PERIODER,
        medisinsk_vurdering=MEDISINSK_VURDERING,
        arbeidsgiver=Arbeidsgiver(
            har_arbeidsgiver=HarArbeidsgiver.FLERE_ARBEIDSGIVERE,
            navn="Bakeriet Testesen",
            yrkesbetegnelse="Baker",
            stillingsprosent=80,
        ),
        behandler=BEHANDLER,
        signatur_dato=SIGNERT,
        mottatt_dato=MOTTATT,
        syketilfelle_start_dato=date(2026, 2, 23),
        kontakt_med_pasient=KontaktMedPasient(kontakt_dato=FOM, begrunnelse_ikke_kontakt="Pasienten lå innlagt"),
        utdypende_opplysninger=OPPLYSNINGER,
    )
    sykmelding = received.sykmelding.model_copy(
        update={
            "skjermes_for_pasient": skjermes_for_pasient,
            "prognose": PROGNOSE,
            "tiltak_arbeidsplassen": "Kortere vakter",
            "tiltak_nav": "Vurder arbeidsrettet tiltak",
            "andre_tiltak": "Fysioterapi",
            "melding_til_nav": MeldingTilNAV(bistand_umiddelbart=True, beskriv_bistand="Trenger rask avklaring"),
            "melding_til_arbeidsgiver": "Ta kontakt om tilrettelegging",
        }
    )
    return received.model_copy(update={"sykmelding": sykmelding})


def encoded(schema_name: str, wire: dict[str, object]) -> bytes:
    schema = fastavro.parse_schema(json.loads((SCHEMAS / f"{schema_name}.avsc").read_text()))
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, wire)
    return buffer.getvalue()


# --- the employer ----------------------------------------------------------------------------------

BEHANDLER_AG = BehandlerAG(
    fornavn=BEHANDLER.fornavn,
    mellomnavn="Mellom",
    etternavn=BEHANDLER.etternavn,
    adresse=AdresseAG(
        gate=BEHANDLER.adresse.gate,
        postnummer=BEHANDLER.adresse.postnummer,
        kommune=BEHANDLER.adresse.kommune,
        postboks=BEHANDLER.adresse.postboks,
        land=BEHANDLER.adresse.land,
    ),
    tlf=BEHANDLER.tlf,
)


def test_the_employer_view_of_a_full_sykmelding_is_exactly_the_whitelist() -> None:
    received = full()

    view = arbeidsgiver_view(received, DEMO_ARBEIDSGIVER, SENDT, MERKNADER)

    assert view == ArbeidsgiverSykmelding(
        id=received.sykmelding.id,
        orgnummer=DEMO_ARBEIDSGIVER.orgnummer,
        juridisk_orgnummer=DEMO_ARBEIDSGIVER.juridisk_orgnummer,
        org_navn="Bakeriet Testesen AS",
        mottatt_tidspunkt=MOTTATT,
        behandlet_tidspunkt=SIGNERT,
        signatur_dato=SIGNERT,
        sendt_tidspunkt=SENDT,
        syketilfelle_start_dato=date(2026, 2, 23),
        arbeidsgiver=ArbeidsgiverAG(navn="Bakeriet Testesen", yrkesbetegnelse="Baker"),
        sykmeldingsperioder=[
            PeriodeAG(
                fom=FOM,
                tom=FOM + timedelta(days=6),
                type=PeriodetypeAG.AKTIVITET_IKKE_MULIG,
                aktivitet_ikke_mulig=AktivitetIkkeMuligAG(
                    arbeidsrelatert_arsak=ArbeidsrelatertArsakAG(
                        beskrivelse="Ingen løftehjelp ved ovnen",
                        arsak=[ArbeidsrelatertArsakTypeAG.MANGLENDE_TILRETTELEGGING],
                    )
                ),
                reisetilskudd=False,
            ),
            PeriodeAG(
                fom=FOM + timedelta(days=7),
                tom=FOM + timedelta(days=13),
                type=PeriodetypeAG.GRADERT,
                gradert=GradertAG(grad=50, reisetilskudd=True),
                reisetilskudd=False,
            ),
            PeriodeAG(
                fom=FOM + timedelta(days=14),
                tom=FOM + timedelta(days=20),
                type=PeriodetypeAG.AVVENTENDE,
                innspill_til_arbeidsgiver="Kan ta lettere oppgaver ved disken",
                reisetilskudd=False,
            ),
            PeriodeAG(
                fom=FOM + timedelta(days=21),
                tom=FOM + timedelta(days=27),
                type=PeriodetypeAG.BEHANDLINGSDAGER,
                behandlingsdager=2,
                reisetilskudd=False,
            ),
            PeriodeAG(
                fom=FOM + timedelta(days=28),
                tom=FOM + timedelta(days=34),
                type=PeriodetypeAG.REISETILSKUDD,
                reisetilskudd=True,
            ),
        ],
        prognose=PrognoseAG(arbeidsfor_etter_periode=True, hensyn_arbeidsplassen="Unngå tunge løft den første uka"),
        tiltak_arbeidsplassen="Kortere vakter",
        melding_til_arbeidsgiver="Ta kontakt om tilrettelegging",
        kontakt_med_pasient=KontaktMedPasientAG(kontakt_dato=FOM),
        behandler=BEHANDLER_AG,
        egenmeldt=False,
        papirsykmelding=False,
        merknader=[MerknadAG(type="UGYLDIG_TILBAKEDATERING", beskrivelse="Tilbakedateringen er ikke godkjent")],
    )


def test_the_employer_view_of_a_full_sykmelding_fits_its_schema() -> None:
    view = arbeidsgiver_view(full(), DEMO_ARBEIDSGIVER, SENDT, MERKNADER)
    assert encoded("arbeidsgiver_sykmelding", view.to_wire())


def test_the_employer_view_leaves_out_what_is_not_given() -> None:
    received = make_sykmelding(random.Random(2), fom=FOM)
    received = received.model_copy(update={"sykmelding": received.sykmelding.model_copy(update={"prognose": None})})

    view = arbeidsgiver_view(received, DEMO_ARBEIDSGIVER, SENDT)

    assert view.prognose is None
    assert view.merknader == []
    assert view.sykmeldingsperioder[0].gradert is None
    assert view.sykmeldingsperioder[0].aktivitet_ikke_mulig == AktivitetIkkeMuligAG(arbeidsrelatert_arsak=None)


@pytest.mark.parametrize(
    ("avsender", "egenmeldt", "papirsykmelding"),
    [
        (EGENMELDT_AVSENDER, True, False),
        (PAPIRSYKMELDING_AVSENDER, False, True),
        ("Testjournal EPJ", False, False),
    ],
)
def test_egenmeldt_and_papirsykmelding_follow_the_sending_system(
    avsender: str, egenmeldt: bool, papirsykmelding: bool
) -> None:
    received = full()
    sykmelding = received.sykmelding.model_copy(update={"avsender_system": AvsenderSystem(navn=avsender, versjon="1")})
    received = received.model_copy(update={"sykmelding": sykmelding})

    employer = arbeidsgiver_view(received, DEMO_ARBEIDSGIVER, SENDT)
    patient = pasient_view(received, RESULT)

    assert (employer.egenmeldt, employer.papirsykmelding) == (egenmeldt, papirsykmelding)
    assert (patient.egenmeldt, patient.papirsykmelding) == (egenmeldt, papirsykmelding)


@pytest.mark.parametrize(
    "periode",
    [
        Periode(fom=FOM, tom=FOM),
        Periode(fom=FOM, tom=FOM, gradert=Gradert(grad=50, reisetilskudd=False), behandlingsdager=1),
    ],
    ids=["no kind", "two kinds"],
)
def test_a_period_of_no_single_kind_gives_no_employer_view(periode: Periode) -> None:
    received = make_sykmelding(random.Random(3), fom=FOM, perioder=[periode])

    with pytest.raises(UndefinedPeriodError):
        arbeidsgiver_view(received, DEMO_ARBEIDSGIVER, SENDT)


@pytest.mark.parametrize(
    "diagnose",
    [
        Diagnose(system=ICPC2_SYSTEM, kode="R991", tekst="Covid-19 (mistenkt/sannsynlig)"),
        Diagnose(system=ICD10_SYSTEM, kode="U071", tekst="Covid-19, virus påvist"),
        Diagnose(system=ICD10_SYSTEM, kode="M653", tekst="Triggerfinger"),
    ],
)
def test_a_diagnosis_changes_no_byte_of_the_employer_view(diagnose: Diagnose) -> None:
    # NAV's mapper once shortened the employer period for COVID codes: the employer could read the diagnosis off it.
    short = [Periode(fom=FOM, tom=FOM + timedelta(days=4), aktivitet_ikke_mulig=AktivitetIkkeMulig())]
    with_l87 = make_sykmelding(random.Random(4), fom=FOM, perioder=short)
    vurdering = MedisinskVurdering(hoved_diagnose=diagnose, svangerskap=False, yrkesskade=False)
    with_other = with_l87.model_copy(
        update={"sykmelding": with_l87.sykmelding.model_copy(update={"medisinsk_vurdering": vurdering})}
    )

    views = [arbeidsgiver_view(received, DEMO_ARBEIDSGIVER, SENDT) for received in (with_l87, with_other)]

    wires = [encoded("arbeidsgiver_sykmelding", view.to_wire()) for view in views]
    assert wires[0] == wires[1]


# --- NAV -------------------------------------------------------------------------------------------


def test_nav_gets_the_whole_sykmelding_and_the_outcome() -> None:
    received = make_sykmelding(
        random.Random(5),
        fom=FOM,
        utdypende_opplysninger={"6.2": {"6.2.1": SVAR_FOR_ALLE, "6.2.2": SVAR_SKJULT_FOR_PASIENT}},
    )

    assert nav_view(received, RESULT) == NavSykmelding(received_sykmelding=received, validation_result=RESULT)


def test_answers_skjermet_for_nav_are_not_in_the_nav_view() -> None:
    received = full()

    view = nav_view(received, RESULT)

    # Group 6.3 held nothing but a hidden answer: it goes, so not even its existence shows.
    assert view.received_sykmelding.sykmelding.utdypende_opplysninger == {
        "6.2": {"6.2.1": SVAR_FOR_ALLE, "6.2.2": SVAR_SKJULT_FOR_ARBEIDSGIVER},
        "6.4": {"6.4.1": SVAR_SKJULT_FOR_PASIENT},
    }
    assert view.received_sykmelding.model_dump(exclude={"sykmelding": {"utdypende_opplysninger"}}) == (
        received.model_dump(exclude={"sykmelding": {"utdypende_opplysninger"}})
    )
    assert view.validation_result == RESULT


def test_the_nav_view_of_a_full_sykmelding_fits_its_schema() -> None:
    assert encoded("nav_sykmelding", nav_view(full(), RESULT).to_wire())


# --- the patient -----------------------------------------------------------------------------------

BEHANDLER_PASIENT = BehandlerPasient(
    fornavn=BEHANDLER.fornavn,
    mellomnavn="Mellom",
    etternavn=BEHANDLER.etternavn,
    adresse=BEHANDLER.adresse,
    tlf=BEHANDLER.tlf,
)


def test_the_patient_gets_their_sykmelding_less_answers_skjermet_for_pasient() -> None:
    received = full()

    view = pasient_view(received, RESULT, MERKNADER)

    assert view == PasientSykmelding(
        id=received.sykmelding.id,
        mottatt_tidspunkt=MOTTATT,
        behandlet_tidspunkt=SIGNERT,
        signatur_dato=SIGNERT,
        syketilfelle_start_dato=date(2026, 2, 23),
        skjermes_for_pasient=False,
        medisinsk_vurdering=MEDISINSK_VURDERING,
        arbeidsgiver=received.sykmelding.arbeidsgiver,
        perioder=PERIODER,
        prognose=PROGNOSE,
        utdypende_opplysninger={
            "6.2": {"6.2.1": SVAR_FOR_ALLE, "6.2.2": SVAR_SKJULT_FOR_ARBEIDSGIVER, "6.2.3": SVAR_SKJULT_FOR_NAV},
            "6.3": {"6.3.1": SVAR_SKJULT_FOR_NAV},
        },
        tiltak_arbeidsplassen="Kortere vakter",
        tiltak_nav="Vurder arbeidsrettet tiltak",
        andre_tiltak="Fysioterapi",
        melding_til_nav=MeldingTilNAV(bistand_umiddelbart=True, beskriv_bistand="Trenger rask avklaring"),
        melding_til_arbeidsgiver="Ta kontakt om tilrettelegging",
        kontakt_med_pasient=KontaktMedPasient(kontakt_dato=FOM, begrunnelse_ikke_kontakt="Pasienten lå innlagt"),
        behandler=BEHANDLER_PASIENT,
        behandlingsutfall=RESULT,
        egenmeldt=False,
        papirsykmelding=False,
        merknader=MERKNADER,
    )


def test_skjermes_for_pasient_leaves_the_patient_no_medical_content() -> None:
    received = full(skjermes_for_pasient=True)

    view = pasient_view(received, RESULT)

    assert view == PasientSykmelding(
        id=received.sykmelding.id,
        mottatt_tidspunkt=MOTTATT,
        behandlet_tidspunkt=SIGNERT,
        signatur_dato=SIGNERT,
        syketilfelle_start_dato=date(2026, 2, 23),
        skjermes_for_pasient=True,
        medisinsk_vurdering=None,
        arbeidsgiver=received.sykmelding.arbeidsgiver,
        perioder=[
            PERIODER[0].model_copy(
                update={"aktivitet_ikke_mulig": AktivitetIkkeMulig(arbeidsrelatert_arsak=ARBEIDSRELATERT)}
            ),
            *PERIODER[1:],
        ],
        prognose=Prognose(arbeidsfor_etter_periode=True, hensyn_arbeidsplassen="Unngå tunge løft den første uka"),
        utdypende_opplysninger={},
        tiltak_arbeidsplassen="Kortere vakter",
        tiltak_nav=None,
        andre_tiltak=None,
        melding_til_nav=None,
        melding_til_arbeidsgiver="Ta kontakt om tilrettelegging",
        kontakt_med_pasient=KontaktMedPasient(kontakt_dato=FOM),
        behandler=BEHANDLER_PASIENT,
        behandlingsutfall=RESULT,
        egenmeldt=False,
        papirsykmelding=False,
        merknader=[],
    )


@pytest.mark.parametrize("skjermes_for_pasient", [False, True])
def test_the_patient_view_of_a_full_sykmelding_fits_its_schema(skjermes_for_pasient: bool) -> None:
    view = pasient_view(full(skjermes_for_pasient=skjermes_for_pasient), RESULT, MERKNADER)
    assert encoded("pasient_sykmelding", view.to_wire())


# --- the employer's schema holds nothing but §2.1 --------------------------------------------------

# docs/domain.md §2.1 as field paths of schemas/arbeidsgiver_sykmelding.avsc ("[]" an array item, "=" an enum
# symbol). Widening the employer's view takes a line here, written on purpose and reviewed against §2.1.
ARBEIDSGIVER_WHITELIST = {
    "id",
    "orgnummer",
    "juridiskOrgnummer",
    # Whom the employee sent it to (the status event's orgNavn), as NAV's own employer message carries it.
    "orgNavn",
    "mottattTidspunkt",
    "behandletTidspunkt",
    "signaturDato",
    # When the employee sent it (the SENDT status event's timestamp): the act of sending, not the sykmelding.
    "sendtTidspunkt",
    "syketilfelleStartDato",
    "arbeidsgiver",
    "arbeidsgiver.navn",
    "arbeidsgiver.yrkesbetegnelse",
    "sykmeldingsperioder",
    "sykmeldingsperioder[].fom",
    "sykmeldingsperioder[].tom",
    "sykmeldingsperioder[].type",
    "sykmeldingsperioder[].type=AKTIVITET_IKKE_MULIG",
    "sykmeldingsperioder[].type=GRADERT",
    "sykmeldingsperioder[].type=AVVENTENDE",
    "sykmeldingsperioder[].type=BEHANDLINGSDAGER",
    "sykmeldingsperioder[].type=REISETILSKUDD",
    "sykmeldingsperioder[].aktivitetIkkeMulig",
    "sykmeldingsperioder[].aktivitetIkkeMulig.arbeidsrelatertArsak",
    "sykmeldingsperioder[].aktivitetIkkeMulig.arbeidsrelatertArsak.beskrivelse",
    "sykmeldingsperioder[].aktivitetIkkeMulig.arbeidsrelatertArsak.arsak",
    "sykmeldingsperioder[].aktivitetIkkeMulig.arbeidsrelatertArsak.arsak[]=MANGLENDE_TILRETTELEGGING",
    "sykmeldingsperioder[].aktivitetIkkeMulig.arbeidsrelatertArsak.arsak[]=ANNET",
    "sykmeldingsperioder[].gradert",
    "sykmeldingsperioder[].gradert.grad",
    "sykmeldingsperioder[].gradert.reisetilskudd",
    "sykmeldingsperioder[].behandlingsdager",
    "sykmeldingsperioder[].innspillTilArbeidsgiver",
    "sykmeldingsperioder[].reisetilskudd",
    "prognose",
    "prognose.arbeidsforEtterPeriode",
    "prognose.hensynArbeidsplassen",
    "tiltakArbeidsplassen",
    "meldingTilArbeidsgiver",
    "kontaktMedPasient",
    "kontaktMedPasient.kontaktDato",
    "behandler",
    "behandler.fornavn",
    "behandler.mellomnavn",
    "behandler.etternavn",
    "behandler.adresse",
    "behandler.adresse.gate",
    "behandler.adresse.postnummer",
    "behandler.adresse.kommune",
    "behandler.adresse.postboks",
    "behandler.adresse.land",
    "behandler.tlf",
    "egenmeldt",
    "papirsykmelding",
    "merknader",
    "merknader[].type",
    "merknader[].beskrivelse",
}


def _paths(schema: Any, path: str, named: dict[str, Any]) -> set[str]:
    """Every field path, array item and enum symbol the schema lets a writer fill."""
    if isinstance(schema, str):
        # A name defined earlier in the file is as wide as its definition.
        return _paths(named[schema], path, named) if schema in named else set()
    if isinstance(schema, list):
        return {found for branch in schema for found in _paths(branch, path, named)}
    kind = schema["type"]
    if kind in ("record", "enum", "fixed"):
        named[schema["name"]] = schema
    if kind == "record":
        found = set()
        for field in schema["fields"]:
            field_path = f"{path}.{field['name']}" if path else field["name"]
            found |= {field_path} | _paths(field["type"], field_path, named)
        return found
    if kind == "enum":
        return {f"{path}={symbol}" for symbol in schema["symbols"]}
    if kind == "array":
        return _paths(schema["items"], f"{path}[]", named)
    if kind == "map":
        return {f"{path}{{}}"} | _paths(schema["values"], f"{path}{{}}", named)
    return _paths(kind, path, named)


def test_the_employer_schema_has_exactly_the_whitelisted_fields() -> None:
    paths = _paths(json.loads((SCHEMAS / "arbeidsgiver_sykmelding.avsc").read_text()), "", {})

    assert paths - ARBEIDSGIVER_WHITELIST == set(), "not in docs/domain.md §2.1: the employer must not get these"
    assert ARBEIDSGIVER_WHITELIST - paths == set(), "whitelisted but gone from the schema: update the whitelist"


def test_the_schema_walk_sees_a_field_added_deep_inside() -> None:
    schema = json.loads((SCHEMAS / "arbeidsgiver_sykmelding.avsc").read_text())
    behandler = next(field for field in schema["fields"] if field["name"] == "behandler")
    behandler["type"][1]["fields"].append({"name": "hpr", "type": ["null", "string"], "default": None})

    assert _paths(schema, "", {}) - ARBEIDSGIVER_WHITELIST == {"behandler.hpr"}


# --- the employer's types are its own --------------------------------------------------------------

# Every named type of schemas/arbeidsgiver_sykmelding.avsc, each the employer's own. A named Avro type must
# mean the same in every schema (test_contracts), so a type shared with the sykmelding would take a field
# or symbol added to the sykmelding's type into the employer's schema. The types that used to be shared
# carry their released names as aliases, so that views written under the released schema still read.
ARBEIDSGIVER_TYPES = {
    "ArbeidsgiverSykmelding": [],
    "ArbeidsgiverAG": [],
    "PeriodeAG": [],
    "PeriodetypeAG": ["no.sykmeldingsflyt.v1.Periodetype"],
    "AktivitetIkkeMuligAG": [],
    "ArbeidsrelatertArsakAG": ["no.sykmeldingsflyt.v1.ArbeidsrelatertArsak"],
    "ArbeidsrelatertArsakTypeAG": ["no.sykmeldingsflyt.v1.ArbeidsrelatertArsakType"],
    "GradertAG": ["no.sykmeldingsflyt.v1.Gradert"],
    "PrognoseAG": [],
    "KontaktMedPasientAG": [],
    "BehandlerAG": [],
    "AdresseAG": ["no.sykmeldingsflyt.v1.Adresse"],
    "MerknadAG": ["no.sykmeldingsflyt.v1.Merknad"],
}


def _named(schema: Any, found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every record and enum a schema defines, by name."""
    if isinstance(schema, list):
        for branch in schema:
            _named(branch, found)
    elif isinstance(schema, dict):
        if schema["type"] in ("record", "enum", "fixed"):
            found[schema["name"]] = schema
        for field in schema.get("fields", []):
            _named(field["type"], found)
        _named(schema.get("items"), found)
        _named(schema.get("values"), found)
    return found


def test_the_employer_schema_defines_exactly_its_own_types() -> None:
    named = _named(json.loads((SCHEMAS / "arbeidsgiver_sykmelding.avsc").read_text()), {})

    assert {name: definition.get("aliases", []) for name, definition in named.items()} == ARBEIDSGIVER_TYPES


def test_no_other_schema_defines_a_type_of_the_employer_view() -> None:
    for path in sorted(SCHEMAS.glob("*.avsc")):
        if path.name != "arbeidsgiver_sykmelding.avsc":
            assert set(_named(json.loads(path.read_text()), {})) & set(ARBEIDSGIVER_TYPES) == set(), path.name


def _model_types(annotation: Any, found: set[type]) -> set[type]:
    """Every model and enum class an annotation can hold, however deep."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in found:
            found.add(annotation)
            for info in annotation.model_fields.values():
                _model_types(info.annotation, found)
    elif isinstance(annotation, type) and issubclass(annotation, Enum):
        found.add(annotation)
    else:
        for argument in typing.get_args(annotation):
            _model_types(argument, found)
    return found


def test_no_type_of_the_employer_view_is_in_another_view_or_the_sykmelding() -> None:
    employer = _model_types(ArbeidsgiverSykmelding, set())
    others = set[type]()
    for model in (ReceivedSykmelding, NavSykmelding, PasientSykmelding, SykmeldingStatusEvent):
        _model_types(model, others)

    assert {model.__name__ for model in employer} == set(ARBEIDSGIVER_TYPES)
    assert employer & others == set()


@pytest.mark.parametrize(
    ("mapping", "source", "target"),
    [
        (PERIODETYPE_AG, Periodetype, PeriodetypeAG),
        (ARBEIDSRELATERT_ARSAK_TYPE_AG, ArbeidsrelatertArsakType, ArbeidsrelatertArsakTypeAG),
    ],
    ids=["Periodetype", "ArbeidsrelatertArsakType"],
)
def test_the_employer_enums_map_symbol_for_symbol(
    mapping: dict[Enum, Enum], source: type[Enum], target: type[Enum]
) -> None:
    # A symbol added to the sykmelding's enum makes this fail until someone decides the employer may see it.
    assert list(mapping) == list(source)
    assert [(key.name, value.name) for key, value in mapping.items()] == [
        (member.name, member.name) for member in target
    ]


def test_an_employer_view_written_under_the_released_schema_still_reads() -> None:
    view = arbeidsgiver_view(full(), DEMO_ARBEIDSGIVER, SENDT, MERKNADER)
    released = fastavro.parse_schema(json.loads((RELEASED / "arbeidsgiver_sykmelding.avsc").read_text()))
    current = fastavro.parse_schema(json.loads((SCHEMAS / "arbeidsgiver_sykmelding.avsc").read_text()))
    old_wire = {key: value for key, value in view.to_wire().items() if key not in ("orgNavn", "sendtTidspunkt")}
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, released, old_wire)
    buffer.seek(0)

    # fastavro matches the renamed types to the released names by their aliases.
    decoded = fastavro.schemaless_reader(buffer, released, current)

    assert ArbeidsgiverSykmelding.model_validate(decoded) == view.model_copy(
        update={"org_navn": None, "sendt_tidspunkt": None}
    )
