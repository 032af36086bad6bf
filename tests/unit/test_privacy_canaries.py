"""Trying hard to make a view leak: canaries planted in every field a party must not see.

Each canary names the field it was planted in (`CANARY[medisinskVurdering.hovedDiagnose.kode]`), so a
leak says where it came from. What the parties may see is drawn without "[" and digits, so a canary found
in a view can only be a leak. A view is searched in three renderings: its Avro bytes (dates by decoding
them), its JSON, and its repr. The views that may show a canary (NAV's, the patient's) must show exactly
the expected ones, which proves the search finds what is there.
"""

import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import fastavro
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.privacy import (
    EGENMELDT_AVSENDER,
    PAPIRSYKMELDING_AVSENDER,
    arbeidsgiver_view,
    nav_view,
    pasient_view,
)
from sykmeldingsflyt.domain.status import ArbeidsgiverStatus
from sykmeldingsflyt.domain.sykmelding import (
    ICD10_SYSTEM,
    ICPC2_SYSTEM,
    Adresse,
    AktivitetIkkeMulig,
    AnnenFraverGrunn,
    AnnenFraversArsak,
    ArbeidsrelatertArsak,
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
    ReceivedSykmelding,
    SporsmalSvar,
    SvarRestriksjon,
    Sykmelding,
    UtdypendeOpplysninger,
)
from sykmeldingsflyt.domain.validering import Merknad, ValidationResult
from tests import strategies

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def examples(count: int) -> settings:
    # The counts below add up to 2,700 sykmeldinger: some 35 s of CPU for the file, under a minute on a busy machine.
    return settings(max_examples=count, deadline=None, suppress_health_check=[HealthCheck.too_slow])


VISIBLE_TEXTS = st.text(st.characters(codec="utf-8", exclude_characters="[]0123456789"), max_size=12)
"""What the parties may see: never a "[" nor a digit, so never part of a canary."""

MEDICAL_TEXTS = (
    st.sampled_from([ICPC2_SYSTEM, ICD10_SYSTEM, "R991", "R992", "U071", "U072", "L87", "P76", "M653", "Z09"])
    | strategies.DEFAULT_TEXTS
)
"""Both code systems and real codes, the COVID codes NAV's mapper once derived a flag from among them."""


def _avro_schema(name: str) -> Any:
    return fastavro.parse_schema(json.loads((SCHEMAS / f"{name}.avsc").read_text()))


ARBEIDSGIVER_SCHEMA = _avro_schema("arbeidsgiver_sykmelding")
NAV_SCHEMA = _avro_schema("nav_sykmelding")
PASIENT_SCHEMA = _avro_schema("pasient_sykmelding")


def avro(schema: Any, view: DomainModel) -> bytes:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, view.to_wire())
    return buffer.getvalue()


# --- what a party must not see, in one bundle ------------------------------------------------------


@dataclass(frozen=True)
class Hidden:
    """Every value of a sykmelding outside the employer's whitelist (docs/domain.md §2.1)."""

    msg_id: str
    pasient_fnr: str
    avsender_fnr: str
    avsender_hpr: str | None
    legekontor_orgnr: str | None
    legekontor_her_id: str | None
    ruleset_version: str | None
    medisinsk_vurdering: MedisinskVurdering
    medisinske_arsaker: list[MedisinskArsak | None]
    """One per period; planted where the period is aktivitetIkkeMulig."""
    skjermes_for_pasient: bool
    har_arbeidsgiver: HarArbeidsgiver
    stillingsprosent: int | None
    er_i_arbeid: ErIArbeid | None
    er_ikke_i_arbeid: ErIkkeIArbeid | None
    utdypende_opplysninger: UtdypendeOpplysninger
    tiltak_nav: str | None
    andre_tiltak: str | None
    melding_til_nav: MeldingTilNAV | None
    begrunnelse_ikke_kontakt: str | None
    behandler_fnr: str
    behandler_hpr: str | None
    behandler_her: str | None
    avsender_versjon: str
    navn_fastlege: str | None


def with_hidden(base: ReceivedSykmelding, hidden: Hidden) -> ReceivedSykmelding:
    """`base` with every value outside the employer's whitelist taken from `hidden`."""
    sykmelding = base.sykmelding
    assert sykmelding.prognose is not None
    perioder = [
        periode
        if periode.aktivitet_ikke_mulig is None
        else periode.model_copy(
            update={"aktivitet_ikke_mulig": periode.aktivitet_ikke_mulig.model_copy(update={"medisinsk_arsak": arsak})}
        )
        for periode, arsak in zip(sykmelding.perioder, hidden.medisinske_arsaker, strict=True)
    ]
    planted = sykmelding.model_copy(
        update={
            "medisinsk_vurdering": hidden.medisinsk_vurdering,
            "skjermes_for_pasient": hidden.skjermes_for_pasient,
            "arbeidsgiver": sykmelding.arbeidsgiver.model_copy(
                update={"har_arbeidsgiver": hidden.har_arbeidsgiver, "stillingsprosent": hidden.stillingsprosent}
            ),
            "perioder": perioder,
            "prognose": sykmelding.prognose.model_copy(
                update={"er_i_arbeid": hidden.er_i_arbeid, "er_ikke_i_arbeid": hidden.er_ikke_i_arbeid}
            ),
            "utdypende_opplysninger": hidden.utdypende_opplysninger,
            "tiltak_nav": hidden.tiltak_nav,
            "andre_tiltak": hidden.andre_tiltak,
            "melding_til_nav": hidden.melding_til_nav,
            "kontakt_med_pasient": sykmelding.kontakt_med_pasient.model_copy(
                update={"begrunnelse_ikke_kontakt": hidden.begrunnelse_ikke_kontakt}
            ),
            "behandler": sykmelding.behandler.model_copy(
                update={"fnr": hidden.behandler_fnr, "hpr": hidden.behandler_hpr, "her": hidden.behandler_her}
            ),
            "avsender_system": sykmelding.avsender_system.model_copy(update={"versjon": hidden.avsender_versjon}),
            "navn_fastlege": hidden.navn_fastlege,
        }
    )
    return base.model_copy(
        update={
            "msg_id": hidden.msg_id,
            "pasient_fnr": hidden.pasient_fnr,
            "avsender_fnr": hidden.avsender_fnr,
            "avsender_hpr": hidden.avsender_hpr,
            "legekontor_orgnr": hidden.legekontor_orgnr,
            "legekontor_her_id": hidden.legekontor_her_id,
            "ruleset_version": hidden.ruleset_version,
            "sykmelding": planted,
        }
    )


# --- canaries --------------------------------------------------------------------------------------


class Part(Enum):
    MEDICAL = "medical"
    """Diagnoses, reasons, prognosis, answers, messages and measures for NAV, the justification."""
    ENVELOPE = "envelope"
    """Identifiers and sender metadata: patient, doctor and clinic ids, message id, ruleset, EPJ version."""


@dataclass(frozen=True)
class Canary:
    label: str
    value: str | date
    part: Part
    restriksjoner: frozenset[SvarRestriksjon] = frozenset()


@dataclass
class Canaries:
    planted: list[Canary] = field(default_factory=list)

    def text(
        self, label: str, part: Part = Part.MEDICAL, restriksjoner: frozenset[SvarRestriksjon] = frozenset()
    ) -> str:
        value = f"CANARY[{label}]"
        self.planted.append(Canary(label, value, part, restriksjoner))
        return value

    def identifier(self, label: str, value: str) -> str:
        """An fnr or UUID must stay valid, so it cannot name its field; its digits are unique enough."""
        self.planted.append(Canary(label, value, Part.ENVELOPE))
        return value

    def day(self, label: str) -> date:
        # Before 1900, where no visible date is drawn, so that finding one is a leak and not chance.
        value = date(1700, 1, 1) + timedelta(days=len(self.planted))
        self.planted.append(Canary(label, value, Part.MEDICAL))
        return value

    def labels(self, shown: Callable[[Canary], bool]) -> set[str]:
        return {canary.label for canary in self.planted if shown(canary)}


def canaries_for(base: ReceivedSykmelding, canaries: Canaries) -> Hidden:
    """A canary in every value outside the employer's whitelist, each field filled however `base` left it."""
    sykmelding = base.sykmelding

    def diagnose(label: str) -> Diagnose:
        return Diagnose(
            system=canaries.text(f"{label}.system"),
            kode=canaries.text(f"{label}.kode"),
            tekst=canaries.text(f"{label}.tekst"),
        )

    def answer(label: str, svar: SporsmalSvar) -> SporsmalSvar:
        restriksjoner = frozenset(svar.restriksjoner)
        return SporsmalSvar(
            sporsmal=canaries.text(f"{label}.sporsmal", restriksjoner=restriksjoner),
            svar=canaries.text(f"{label}.svar", restriksjoner=restriksjoner),
            restriksjoner=svar.restriksjoner,
        )

    return Hidden(
        # Derived from the sykmelding id rather than drawn, so that it can never equal it by chance.
        msg_id=canaries.identifier("msgId", str(uuid.uuid5(uuid.NAMESPACE_URL, sykmelding.id))),
        pasient_fnr=canaries.identifier("pasientFnr", base.pasient_fnr),
        avsender_fnr=canaries.identifier("avsenderFnr", base.avsender_fnr),
        avsender_hpr=canaries.text("avsenderHpr", Part.ENVELOPE),
        legekontor_orgnr=canaries.text("legekontorOrgnr", Part.ENVELOPE),
        legekontor_her_id=canaries.text("legekontorHerId", Part.ENVELOPE),
        ruleset_version=canaries.text("rulesetVersion", Part.ENVELOPE),
        medisinsk_vurdering=MedisinskVurdering(
            hoved_diagnose=diagnose("medisinskVurdering.hovedDiagnose"),
            bi_diagnoser=[diagnose(f"medisinskVurdering.biDiagnoser.{i}") for i in range(3)],
            svangerskap=True,
            yrkesskade=True,
            yrkesskade_dato=canaries.day("medisinskVurdering.yrkesskadeDato"),
            annen_fravers_arsak=AnnenFraversArsak(
                beskrivelse=canaries.text("medisinskVurdering.annenFraversArsak.beskrivelse"),
                grunn=list(AnnenFraverGrunn),
            ),
        ),
        medisinske_arsaker=[
            None
            if periode.aktivitet_ikke_mulig is None
            else MedisinskArsak(
                beskrivelse=canaries.text(f"perioder.{i}.aktivitetIkkeMulig.medisinskArsak.beskrivelse"),
                arsak=list(MedisinskArsakType),
            )
            for i, periode in enumerate(sykmelding.perioder)
        ],
        skjermes_for_pasient=sykmelding.skjermes_for_pasient,
        har_arbeidsgiver=sykmelding.arbeidsgiver.har_arbeidsgiver,
        stillingsprosent=sykmelding.arbeidsgiver.stillingsprosent,
        er_i_arbeid=ErIArbeid(
            eget_arbeid_pa_sikt=True,
            annet_arbeid_pa_sikt=True,
            arbeid_fom=canaries.day("prognose.erIArbeid.arbeidFOM"),
            vurderingsdato=canaries.day("prognose.erIArbeid.vurderingsdato"),
        ),
        er_ikke_i_arbeid=ErIkkeIArbeid(
            arbeidsfor_pa_sikt=True,
            arbeidsfor_fom=canaries.day("prognose.erIkkeIArbeid.arbeidsforFOM"),
            vurderingsdato=canaries.day("prognose.erIkkeIArbeid.vurderingsdato"),
        ),
        utdypende_opplysninger={
            gruppe: {
                sporsmal_id: answer(f"utdypendeOpplysninger.{gruppe}.{sporsmal_id}", svar)
                for sporsmal_id, svar in sporsmal.items()
            }
            for gruppe, sporsmal in sykmelding.utdypende_opplysninger.items()
        },
        tiltak_nav=canaries.text("tiltakNAV"),
        andre_tiltak=canaries.text("andreTiltak"),
        melding_til_nav=MeldingTilNAV(
            bistand_umiddelbart=True, beskriv_bistand=canaries.text("meldingTilNAV.beskrivBistand")
        ),
        begrunnelse_ikke_kontakt=canaries.text("kontaktMedPasient.begrunnelseIkkeKontakt"),
        behandler_fnr=canaries.identifier("behandler.fnr", sykmelding.behandler.fnr),
        behandler_hpr=canaries.text("behandler.hpr", Part.ENVELOPE),
        behandler_her=canaries.text("behandler.her", Part.ENVELOPE),
        avsender_versjon=canaries.text("avsenderSystem.versjon", Part.ENVELOPE),
        navn_fastlege=canaries.text("navnFastlege", Part.ENVELOPE),
    )


def _dates(decoded: object) -> Iterator[date]:
    if isinstance(decoded, dict):
        for value in decoded.values():
            yield from _dates(value)
    elif isinstance(decoded, list):
        for item in decoded:
            yield from _dates(item)
    # A datetime is a date too, but no canary is one.
    elif isinstance(decoded, date) and not isinstance(decoded, datetime):
        yield decoded


RENDERINGS = ("avro", "json", "repr")


def found(schema: Any, view: DomainModel, canaries: Canaries) -> dict[str, set[str]]:
    """The labels of the canaries in each rendering of `view`."""
    encoded = avro(schema, view)
    avro_dates = set(_dates(fastavro.schemaless_reader(io.BytesIO(encoded), schema, None)))
    as_json = view.model_dump_json(by_alias=True)
    as_repr = repr(view)

    def renderings_showing(canary: Canary) -> set[str]:
        if isinstance(canary.value, str):
            shown = (canary.value.encode() in encoded, canary.value in as_json, canary.value in as_repr)
        else:
            shown = (canary.value in avro_dates, canary.value.isoformat() in as_json, repr(canary.value) in as_repr)
        return {rendering for rendering, hit in zip(RENDERINGS, shown, strict=True) if hit}

    showing = {canary.label: renderings_showing(canary) for canary in canaries.planted}
    return {rendering: {label for label, where in showing.items() if rendering in where} for rendering in RENDERINGS}


def in_every_rendering(labels: set[str]) -> dict[str, set[str]]:
    return dict.fromkeys(RENDERINGS, labels)


# --- sykmeldinger to plant them in -----------------------------------------------------------------
# Every strategy is built once, here: building them inside a draw costs more than drawing from them.

DATES = strategies.dates()
ARBEIDSRELATERTE_ARSAKER = st.none() | strategies.arbeidsrelaterte_arsaker(VISIBLE_TEXTS)
GRADERT = strategies.gradert()
BEHANDLINGSDAGER = strategies.behandlingsdager()


@st.composite
def perioder_av_en_type(draw: st.DrawFn, kinds: st.SearchStrategy[Periodetype]) -> Periode:
    fom, tom = draw(DATES), draw(DATES)
    match draw(kinds):
        case Periodetype.AKTIVITET_IKKE_MULIG:
            arbeidsrelatert = draw(ARBEIDSRELATERTE_ARSAKER)
            return Periode(
                fom=fom, tom=tom, aktivitet_ikke_mulig=AktivitetIkkeMulig(arbeidsrelatert_arsak=arbeidsrelatert)
            )
        case Periodetype.GRADERT:
            return Periode(fom=fom, tom=tom, gradert=draw(GRADERT))
        case Periodetype.AVVENTENDE:
            return Periode(fom=fom, tom=tom, avventende_innspill_til_arbeidsgiver=draw(VISIBLE_TEXTS))
        case Periodetype.BEHANDLINGSDAGER:
            return Periode(fom=fom, tom=tom, behandlingsdager=draw(BEHANDLINGSDAGER))
        case Periodetype.REISETILSKUDD:
            return Periode(fom=fom, tom=tom, reisetilskudd=True)


ANDRE_PERIODER = st.lists(perioder_av_en_type(st.sampled_from(Periodetype)), max_size=3)
IKKE_MULIG = perioder_av_en_type(st.just(Periodetype.AKTIVITET_IKKE_MULIG))
ANSWERS = st.dictionaries(
    st.sampled_from(["6.1", "6.2", "6.3", "6.4", "6.5", "6.6"]),
    st.dictionaries(
        st.sampled_from([f"6.{gruppe}.{nummer}" for gruppe in range(1, 7) for nummer in range(1, 7)]),
        st.builds(
            SporsmalSvar,
            sporsmal=VISIBLE_TEXTS,
            svar=VISIBLE_TEXTS,
            restriksjoner=st.lists(st.sampled_from(SvarRestriksjon), max_size=3, unique=True),
        ),
        min_size=1,
        max_size=4,
    ),
    min_size=1,
    max_size=3,
)
"""At least one answer, under any mix of restrictions."""
IDS = strategies.ids()
FNRS = strategies.fnrs()
TIMESTAMPS = strategies.timestamps()
MAYBE_VISIBLE_TEXT = st.none() | VISIBLE_TEXTS
MAYBE_DATE = st.none() | DATES
ARBEIDSGIVERE = strategies.arbeidsgivere(VISIBLE_TEXTS)
BEHANDLERE = strategies.behandlere(VISIBLE_TEXTS)
PROGNOSER = strategies.prognoser(VISIBLE_TEXTS)
AVSENDERE = st.sampled_from([EGENMELDT_AVSENDER, PAPIRSYKMELDING_AVSENDER]) | VISIBLE_TEXTS


@st.composite
def sendable_sykmeldinger(draw: st.DrawFn) -> ReceivedSykmelding:
    """What the employer may see, and the places the values they may not see go: `with_hidden` fills those.

    Each period has one kind, as the rules demand before a sykmelding can be sent; at least one of them is
    aktivitetIkkeMulig, and there are a prognose and answers, so that every hidden field has a place.
    """
    perioder = draw(ANDRE_PERIODER)
    perioder.insert(draw(st.integers(min_value=0, max_value=len(perioder))), draw(IKKE_MULIG))
    sykmelding = Sykmelding(
        id=draw(IDS),
        medisinsk_vurdering=MedisinskVurdering(svangerskap=False, yrkesskade=False),
        skjermes_for_pasient=draw(st.booleans()),
        arbeidsgiver=draw(ARBEIDSGIVERE),
        perioder=perioder,
        prognose=draw(PROGNOSER),
        utdypende_opplysninger=draw(ANSWERS),
        tiltak_arbeidsplassen=draw(MAYBE_VISIBLE_TEXT),
        melding_til_arbeidsgiver=draw(MAYBE_VISIBLE_TEXT),
        kontakt_med_pasient=KontaktMedPasient(kontakt_dato=draw(MAYBE_DATE)),
        behandlet_tidspunkt=draw(TIMESTAMPS),
        behandler=draw(BEHANDLERE),
        avsender_system=AvsenderSystem(navn=draw(AVSENDERE), versjon=""),
        syketilfelle_start_dato=draw(MAYBE_DATE),
        signatur_dato=draw(TIMESTAMPS),
    )
    return ReceivedSykmelding(
        msg_id=draw(IDS),
        mottatt_dato=draw(TIMESTAMPS),
        pasient_fnr=draw(FNRS),
        avsender_fnr=draw(FNRS),
        sykmelding=sykmelding,
    )


SENDABLE = sendable_sykmeldinger()

TEXTS = st.none() | strategies.DEFAULT_TEXTS
MEDISINSKE_ARSAKER = st.none() | st.builds(
    MedisinskArsak, beskrivelse=TEXTS, arsak=st.lists(st.sampled_from(MedisinskArsakType))
)
HIDDEN_PARTS: dict[str, st.SearchStrategy[Any]] = {
    "msg_id": IDS,
    "pasient_fnr": FNRS,
    "avsender_fnr": FNRS,
    "avsender_hpr": TEXTS,
    "legekontor_orgnr": st.none() | strategies.orgnrs() | strategies.DEFAULT_TEXTS,
    "legekontor_her_id": TEXTS,
    "ruleset_version": st.none() | st.sampled_from(["", "1", "2", "3"]),
    "medisinsk_vurdering": strategies.medisinske_vurderinger(MEDICAL_TEXTS),
    "skjermes_for_pasient": st.booleans(),
    "har_arbeidsgiver": st.sampled_from(HarArbeidsgiver),
    "stillingsprosent": st.none() | st.integers(min_value=0, max_value=100),
    "prognose": strategies.prognoser(strategies.DEFAULT_TEXTS),
    "utdypende_opplysninger": strategies.utdypende_opplysninger(),
    "tiltak_nav": TEXTS,
    "andre_tiltak": TEXTS,
    "melding_til_nav": st.none() | strategies.meldinger_til_nav(),
    "begrunnelse_ikke_kontakt": TEXTS,
    "behandler_fnr": FNRS,
    "behandler_hpr": TEXTS,
    "behandler_her": TEXTS,
    "avsender_versjon": strategies.DEFAULT_TEXTS,
    "navn_fastlege": TEXTS,
}


@st.composite
def hidden_for(draw: st.DrawFn, base: ReceivedSykmelding) -> Hidden:
    """Any values outside the employer's whitelist that fit `base`."""
    parts = {name: draw(strategy) for name, strategy in HIDDEN_PARTS.items()}
    prognose = parts.pop("prognose")
    return Hidden(
        **parts,
        er_i_arbeid=prognose.er_i_arbeid,
        er_ikke_i_arbeid=prognose.er_ikke_i_arbeid,
        medisinske_arsaker=[
            None if periode.aktivitet_ikke_mulig is None else draw(MEDISINSKE_ARSAKER)
            for periode in base.sykmelding.perioder
        ],
    )


STATUSER = strategies.arbeidsgiver_statuser(VISIBLE_TEXTS)
MERKNADER = st.lists(strategies.merknader(VISIBLE_TEXTS), max_size=2)
RESULTATER = strategies.validation_results(VISIBLE_TEXTS)


# --- the employer ----------------------------------------------------------------------------------


@examples(1000)
@given(base=SENDABLE, status=STATUSER, sendt=TIMESTAMPS, merknader=MERKNADER)
def test_no_canary_reaches_the_employer(
    base: ReceivedSykmelding, status: ArbeidsgiverStatus, sendt: datetime, merknader: list[Merknad]
) -> None:
    canaries = Canaries()
    planted = with_hidden(base, canaries_for(base, canaries))

    view = arbeidsgiver_view(planted, status, sendt, merknader)

    assert found(ARBEIDSGIVER_SCHEMA, view, canaries) == in_every_rendering(set())


@examples(500)
@given(data=st.data(), base=SENDABLE, status=STATUSER, sendt=TIMESTAMPS)
def test_the_employer_view_is_the_same_whatever_the_medical_content(
    data: st.DataObject, base: ReceivedSykmelding, status: ArbeidsgiverStatus, sendt: datetime
) -> None:
    first, second = data.draw(hidden_for(base)), data.draw(hidden_for(base))

    views = [arbeidsgiver_view(with_hidden(base, hidden), status, sendt) for hidden in (first, second)]

    assert avro(ARBEIDSGIVER_SCHEMA, views[0]) == avro(ARBEIDSGIVER_SCHEMA, views[1])


# --- a field added to the sykmelding later ---------------------------------------------------------
# The parts of the employer view are its own types, built from named fields of the sykmelding's parts. A
# field someone adds later to one of those source parts (a diagnosis on Gradert, say) must not reach the
# employer until someone names it in privacy.py: here each part the view reads from grows such a field.


class GradertMedTillegg(Gradert):
    tillegg: str


class ArbeidsrelatertArsakMedTillegg(ArbeidsrelatertArsak):
    tillegg: str


class AdresseMedTillegg(Adresse):
    tillegg: str


class MerknadMedTillegg(Merknad):
    tillegg: str


class ArbeidsgiverStatusMedTillegg(ArbeidsgiverStatus):
    tillegg: str


def with_added_fields(base: ReceivedSykmelding, canaries: Canaries) -> ReceivedSykmelding:
    """`base` with a canary in a new field of every Gradert, ArbeidsrelatertArsak and the doctor's Adresse."""
    sykmelding = base.sykmelding
    perioder = []
    for i, periode in enumerate(sykmelding.perioder):
        update: dict[str, object] = {}
        if periode.gradert is not None:
            update["gradert"] = GradertMedTillegg(
                **periode.gradert.model_dump(), tillegg=canaries.text(f"perioder.{i}.gradert.tillegg")
            )
        if (aktivitet := periode.aktivitet_ikke_mulig) is not None:
            arsak = aktivitet.arbeidsrelatert_arsak or ArbeidsrelatertArsak()
            tillegg = canaries.text(f"perioder.{i}.aktivitetIkkeMulig.arbeidsrelatertArsak.tillegg")
            update["aktivitet_ikke_mulig"] = aktivitet.model_copy(
                update={"arbeidsrelatert_arsak": ArbeidsrelatertArsakMedTillegg(**arsak.model_dump(), tillegg=tillegg)}
            )
        perioder.append(periode.model_copy(update=update))
    behandler = sykmelding.behandler
    adresse = AdresseMedTillegg(**behandler.adresse.model_dump(), tillegg=canaries.text("behandler.adresse.tillegg"))
    planted = sykmelding.model_copy(
        update={"perioder": perioder, "behandler": behandler.model_copy(update={"adresse": adresse})}
    )
    return base.model_copy(update={"sykmelding": planted})


@examples(300)
@given(base=SENDABLE, status=STATUSER, sendt=TIMESTAMPS, merknader=MERKNADER)
def test_a_field_added_to_a_part_the_employer_view_reads_does_not_reach_the_employer(
    base: ReceivedSykmelding, status: ArbeidsgiverStatus, sendt: datetime, merknader: list[Merknad]
) -> None:
    canaries = Canaries()
    planted = with_added_fields(base, canaries)
    grown_status = ArbeidsgiverStatusMedTillegg(**status.model_dump(), tillegg=canaries.text("status.tillegg"))
    grown_merknader: list[Merknad] = [
        MerknadMedTillegg(**merknad.model_dump(), tillegg=canaries.text(f"merknader.{i}.tillegg"))
        for i, merknad in enumerate(merknader)
    ]
    # Every added field is there to be found: a part passed through whole would show it in its repr.
    rendered = repr((planted, grown_status, grown_merknader))
    assert all(isinstance(canary.value, str) and canary.value in rendered for canary in canaries.planted)

    view = arbeidsgiver_view(planted, grown_status, sendt, grown_merknader)

    assert found(ARBEIDSGIVER_SCHEMA, view, canaries) == in_every_rendering(set())


# --- NAV -------------------------------------------------------------------------------------------


@examples(300)
@given(base=SENDABLE, result=RESULTATER)
def test_nav_sees_every_canary_but_the_answers_skjermet_for_nav(
    base: ReceivedSykmelding, result: ValidationResult
) -> None:
    canaries = Canaries()
    planted = with_hidden(base, canaries_for(base, canaries))

    view = nav_view(planted, result)

    shown = canaries.labels(lambda canary: SvarRestriksjon.SKJERMET_FOR_NAV not in canary.restriksjoner)
    assert found(NAV_SCHEMA, view, canaries) == in_every_rendering(shown)


# --- the patient -----------------------------------------------------------------------------------


@examples(500)
@given(base=SENDABLE, result=RESULTATER, skjermes_for_pasient=st.booleans())
def test_the_patient_sees_the_medical_canaries_only_when_not_skjermet_and_not_hidden_from_them(
    base: ReceivedSykmelding, result: ValidationResult, skjermes_for_pasient: bool
) -> None:
    canaries = Canaries()
    hidden = replace(canaries_for(base, canaries), skjermes_for_pasient=skjermes_for_pasient)
    planted = with_hidden(base, hidden)

    view = pasient_view(planted, result)

    shown = set[str]()
    if not skjermes_for_pasient:
        shown = canaries.labels(
            lambda canary: (
                canary.part is Part.MEDICAL and SvarRestriksjon.SKJERMET_FOR_PASIENT not in canary.restriksjoner
            )
        )
    assert found(PASIENT_SCHEMA, view, canaries) == in_every_rendering(shown)


@examples(200)
@given(data=st.data(), base=SENDABLE, result=RESULTATER)
def test_under_skjermes_for_pasient_the_patient_view_is_the_same_whatever_the_medical_content(
    data: st.DataObject, base: ReceivedSykmelding, result: ValidationResult
) -> None:
    first = replace(data.draw(hidden_for(base)), skjermes_for_pasient=True)
    # The employment details are the patient's own, not medical: they may show and so must match.
    second = replace(
        data.draw(hidden_for(base)),
        skjermes_for_pasient=True,
        har_arbeidsgiver=first.har_arbeidsgiver,
        stillingsprosent=first.stillingsprosent,
    )

    views = [pasient_view(with_hidden(base, hidden), result) for hidden in (first, second)]

    assert avro(PASIENT_SCHEMA, views[0]) == avro(PASIENT_SCHEMA, views[1])


def _values(dumped: object) -> Iterator[object]:
    """Every text and date in a dumped model; enum symbols are structure, not content."""
    if isinstance(dumped, dict):
        for value in dumped.values():
            yield from _values(value)
    elif isinstance(dumped, list):
        for item in dumped:
            yield from _values(item)
    elif type(dumped) in (str, date, datetime):
        yield dumped


@examples(200)
@given(
    data=st.data(),
    base=SENDABLE,
    status=STATUSER,
    sendt=TIMESTAMPS,
    merknader=MERKNADER,
)
def test_the_patient_sees_all_the_employer_sees_of_them(
    data: st.DataObject, base: ReceivedSykmelding, status: ArbeidsgiverStatus, sendt: datetime, merknader: list[Merknad]
) -> None:
    received = with_hidden(base, data.draw(hidden_for(base)))

    employer = arbeidsgiver_view(received, status, sendt, merknader)
    patient = pasient_view(received, data.draw(RESULTATER), merknader)

    # Where, to whom and when the employee sent it is the employer's own address and the act of sending,
    # not the patient's sykmelding.
    unseen = set(_values(employer.model_dump())) - set(_values(patient.model_dump()))
    assert employer.sendt_tidspunkt is not None and employer.sendt_tidspunkt == sendt.replace(
        microsecond=sendt.microsecond // 1000 * 1000
    )
    assert unseen <= {status.orgnummer, status.juridisk_orgnummer, status.org_navn, employer.sendt_tidspunkt}
