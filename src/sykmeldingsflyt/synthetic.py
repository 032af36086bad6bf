"""Deterministic synthetic data for tests, the demo and benchmarks.

Every fnr here is synthetic (birth month + 80) and every orgnr starts with 3, while real organisations'
numbers start with 8 or 9: no real person or organisation can appear. The same `random.Random` seed
always gives the same data.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sykmeldingsflyt.domain.identifiers import orgnr_check_digit, synthetic_fnr
from sykmeldingsflyt.domain.oppfolgingsplan import Oppfolgingsplan
from sykmeldingsflyt.domain.status import ArbeidsgiverStatus
from sykmeldingsflyt.domain.sykmelding import (
    ICPC2_SYSTEM,
    Adresse,
    AktivitetIkkeMulig,
    Arbeidsgiver,
    AvsenderSystem,
    Behandler,
    Diagnose,
    HarArbeidsgiver,
    KontaktMedPasient,
    MedisinskArsak,
    MedisinskArsakType,
    MedisinskVurdering,
    Periode,
    Prognose,
    ReceivedSykmelding,
    Sykmelding,
    UtdypendeOpplysninger,
)

L87 = Diagnose(system=ICPC2_SYSTEM, kode="L87", tekst="Bursitt/tendinitt/synovitt IKA")


@dataclass(frozen=True, slots=True)
class Legekontor:
    navn: str
    orgnr: str
    her_id: str
    adresse: Adresse


DEMO_LEGEKONTOR = Legekontor(
    navn="Testlegene Legesenter",
    orgnr="310000019",
    her_id="900001",
    adresse=Adresse(gate="Testveien 1", postnummer="0150", kommune="Oslo", land="Norge"),
)

DEMO_BEHANDLER = Behandler(
    fornavn="Test",
    etternavn="Legesen",
    fnr="17857233115",
    hpr="9000001",
    her="900002",
    adresse=DEMO_LEGEKONTOR.adresse,
    # A leading 0 is no Norwegian subscriber number, so the demo never dials anyone.
    tlf="+47 00000000",
)
"""Dr. Test Legesen, the fastlege at DEMO_LEGEKONTOR."""

DEMO_ARBEIDSGIVER = ArbeidsgiverStatus(
    orgnummer="311000101",
    juridisk_orgnummer="311000004",
    org_navn="Bakeriet Testesen AS",
)
"""The employer: `orgnummer` is the bakery's underenhet, `juridisk_orgnummer` its legal entity."""

DEMO_ARBEIDSTAKER = "17858813719"
"""The demo's employee (born 1988-05-17): employed at DEMO_ARBEIDSGIVER in the bundled registers
(registers/data/local/arbeidsforhold.yaml), so a follow-up plan for them passes Aareg's check."""

DEMO_AVSENDER_SYSTEM = AvsenderSystem(navn="Testjournal EPJ", versjon="1.0.0")

_PASIENT_BORN_FROM = date(1960, 1, 1)
_PASIENT_BORN_TO = date(2000, 12, 31)
_SYKMELDING_DAYS = 14


def synthetic_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def synthetic_orgnr(rng: random.Random) -> str:
    """A valid orgnr starting with 3, a range Enhetsregisteret does not give to real organisations."""
    while True:
        first_eight = "3" + "".join(str(rng.randrange(10)) for _ in range(7))
        check_digit = orgnr_check_digit(first_eight)
        if check_digit is not None:
            return first_eight + check_digit


def synthetic_pasient_fnr(rng: random.Random) -> str:
    """The synthetic fnr of an adult of working age."""
    born = date.fromordinal(rng.randint(_PASIENT_BORN_FROM.toordinal(), _PASIENT_BORN_TO.toordinal()))
    return synthetic_fnr(born, rng)


def make_sykmelding(
    rng: random.Random,
    *,
    fom: date,
    tom: date | None = None,
    pasient_fnr: str | None = None,
    perioder: list[Periode] | None = None,
    medisinsk_vurdering: MedisinskVurdering | None = None,
    arbeidsgiver: Arbeidsgiver | None = None,
    behandler: Behandler = DEMO_BEHANDLER,
    signatur_dato: datetime | None = None,
    behandlet_tidspunkt: datetime | None = None,
    mottatt_dato: datetime | None = None,
    syketilfelle_start_dato: date | None = None,
    kontakt_med_pasient: KontaktMedPasient | None = None,
    utdypende_opplysninger: UtdypendeOpplysninger | None = None,
    legekontor_orgnr: str | None = DEMO_LEGEKONTOR.orgnr,
    ruleset_version: str | None = "3",
) -> ReceivedSykmelding:
    """A sykmelding all validation rules accept: L87, 14 days aktivitetIkkeMulig from `fom`, signed on `fom`.

    An argument left as None takes that default; pass a value to make the case a test needs. Fields
    without an argument here can be changed with `model_copy(update=...)`.
    """
    signert = signatur_dato or datetime.combine(fom, time(9, 0), UTC)
    periode = Periode(
        fom=fom,
        tom=tom or fom + timedelta(days=_SYKMELDING_DAYS - 1),
        aktivitet_ikke_mulig=AktivitetIkkeMulig(
            medisinsk_arsak=MedisinskArsak(arsak=[MedisinskArsakType.TILSTAND_HINDRER_AKTIVITET]),
        ),
    )
    sykmelding = Sykmelding(
        id=synthetic_uuid(rng),
        medisinsk_vurdering=medisinsk_vurdering
        or MedisinskVurdering(hoved_diagnose=L87, svangerskap=False, yrkesskade=False),
        skjermes_for_pasient=False,
        arbeidsgiver=arbeidsgiver
        or Arbeidsgiver(
            har_arbeidsgiver=HarArbeidsgiver.EN_ARBEIDSGIVER,
            navn=DEMO_ARBEIDSGIVER.org_navn,
            yrkesbetegnelse="Baker",
            stillingsprosent=100,
        ),
        perioder=perioder if perioder is not None else [periode],
        prognose=Prognose(arbeidsfor_etter_periode=True),
        utdypende_opplysninger=utdypende_opplysninger or {},
        kontakt_med_pasient=kontakt_med_pasient or KontaktMedPasient(kontakt_dato=fom),
        behandlet_tidspunkt=behandlet_tidspunkt or signert,
        behandler=behandler,
        avsender_system=DEMO_AVSENDER_SYSTEM,
        syketilfelle_start_dato=syketilfelle_start_dato or fom,
        signatur_dato=signert,
        navn_fastlege=f"{behandler.fornavn} {behandler.etternavn}",
    )
    return ReceivedSykmelding(
        msg_id=synthetic_uuid(rng),
        mottatt_dato=mottatt_dato or signert + timedelta(minutes=5),
        pasient_fnr=pasient_fnr or synthetic_pasient_fnr(rng),
        avsender_fnr=behandler.fnr,
        avsender_hpr=behandler.hpr,
        legekontor_orgnr=legekontor_orgnr,
        legekontor_her_id=DEMO_LEGEKONTOR.her_id,
        ruleset_version=ruleset_version,
        sykmelding=sykmelding,
    )


def make_oppfolgingsplan(fnr: str, today: date, **changes: Any) -> Oppfolgingsplan:
    """A plan every check accepts, from the demo employer's virksomhet, to the doctor and NAV; `changes`
    (snake_case field names) make the case a test needs."""
    fields: dict[str, Any] = {
        "plan_uuid": str(uuid.uuid4()),
        "orgnummer": DEMO_ARBEIDSGIVER.orgnummer,
        "sendt_tidspunkt": datetime.now(UTC),
        "employee_identification_number": fnr,
        "typical_workday": "Baker fra klokken fire.",
        "tasks_that_can_still_be_done": "Pynte kaker sittende.",
        "tasks_that_can_not_be_done": "Bære melsekker.",
        "previous_facilitation": "Ingen.",
        "planned_facilitation": "Løftehjelp og kortere skift.",
        "follow_up": "Samtale hver fredag.",
        "evaluation_date": today + timedelta(days=28),
        "contact_person_full_name": "Kari Leder",
        "contact_person_phone_number": "+47 00000000",
        "contact_person_email": "kari.leder@example.invalid",
        "employee_has_contributed_to_plan": True,
        "send_plan_to_nav": True,
        "send_plan_to_general_practitioner": True,
        "message_to_general_practitioner": "Hei, her er planen vår.",
        "lps_name": "Testlønn",
    }
    return Oppfolgingsplan(**(fields | changes))
