"""Every view a party gets of a sykmelding (docs/domain.md §2.1): one whitelist function per audience.

NAV is entitled to the whole sykmelding: its view is the sykmelding less the answers the doctor hid from
NAV. The employer's view is built field by field from named source fields, never by copying the sykmelding
and deleting what must not show, so that a field added to the sykmelding later reaches the employer only
when someone names it here. Its parts are the employer's own types (GradertAG, AdresseAG, ...), each built
from named fields of the source part, and its enums are mapped symbol by symbol. The patient's view names
each of its fields in the same way; its parts are the patient's own sykmelding's, whole, unless
skjermesForPasient takes the medical ones away.
Each view has its own model and Avro schema (views.py), so that widening one party's view cannot widen
another's.

The employer view holds exactly the §2.1 whitelist and no value computed from medical data: NAV's own
mapper once told employers about diagnoses through a flag derived from COVID codes.
"""

from datetime import datetime

from sykmeldingsflyt.domain.status import ArbeidsgiverStatus
from sykmeldingsflyt.domain.sykmelding import (
    Adresse,
    AktivitetIkkeMulig,
    ArbeidsrelatertArsak,
    ArbeidsrelatertArsakType,
    AvsenderSystem,
    Gradert,
    KontaktMedPasient,
    Periode,
    Periodetype,
    Prognose,
    ReceivedSykmelding,
    SvarRestriksjon,
    UtdypendeOpplysninger,
)
from sykmeldingsflyt.domain.validering import Merknad, ValidationResult
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

# NAV marks these kinds of sykmelding by the sending system's name and nothing else.
EGENMELDT_AVSENDER = "Egenmeldt"
PAPIRSYKMELDING_AVSENDER = "Papirsykmelding"

# The employer's enums, symbol by symbol: a symbol added to the sykmelding's enum reaches the employer only
# when someone adds it to the employer's enum and here (until then, building the view fails loudly).
PERIODETYPE_AG: dict[Periodetype, PeriodetypeAG] = {
    Periodetype.AKTIVITET_IKKE_MULIG: PeriodetypeAG.AKTIVITET_IKKE_MULIG,
    Periodetype.GRADERT: PeriodetypeAG.GRADERT,
    Periodetype.AVVENTENDE: PeriodetypeAG.AVVENTENDE,
    Periodetype.BEHANDLINGSDAGER: PeriodetypeAG.BEHANDLINGSDAGER,
    Periodetype.REISETILSKUDD: PeriodetypeAG.REISETILSKUDD,
}
ARBEIDSRELATERT_ARSAK_TYPE_AG: dict[ArbeidsrelatertArsakType, ArbeidsrelatertArsakTypeAG] = {
    ArbeidsrelatertArsakType.MANGLENDE_TILRETTELEGGING: ArbeidsrelatertArsakTypeAG.MANGLENDE_TILRETTELEGGING,
    ArbeidsrelatertArsakType.ANNET: ArbeidsrelatertArsakTypeAG.ANNET,
}


class UndefinedPeriodError(ValueError):
    """A period claims no kind or several (IKKE_DEFINERT_PERIODE), so no employer view can say which."""


def nav_view(received: ReceivedSykmelding, result: ValidationResult) -> NavSykmelding:
    """The full sykmelding and the rules' outcome, less the answers SKJERMET_FOR_NAV."""
    sykmelding = received.sykmelding.model_copy(
        update={
            "utdypende_opplysninger": _answers_for(
                received.sykmelding.utdypende_opplysninger, SvarRestriksjon.SKJERMET_FOR_NAV
            )
        }
    )
    return NavSykmelding(
        received_sykmelding=received.model_copy(update={"sykmelding": sykmelding}),
        validation_result=result,
    )


def arbeidsgiver_view(
    received: ReceivedSykmelding,
    status: ArbeidsgiverStatus,
    sendt_tidspunkt: datetime,
    merknader: list[Merknad] | None = None,
) -> ArbeidsgiverSykmelding:
    """The employer's view of a sykmelding the employee sent to `status` at `sendt_tidspunkt`: exactly
    docs/domain.md §2.1, and where, to whom (`status.org_navn`) and when it was sent.

    Raises UndefinedPeriodError for a period the rules reject as IKKE_DEFINERT_PERIODE.
    """
    sykmelding = received.sykmelding
    behandler = sykmelding.behandler
    return ArbeidsgiverSykmelding(
        id=sykmelding.id,
        orgnummer=status.orgnummer,
        juridisk_orgnummer=status.juridisk_orgnummer,
        org_navn=status.org_navn,
        mottatt_tidspunkt=received.mottatt_dato,
        behandlet_tidspunkt=sykmelding.behandlet_tidspunkt,
        signatur_dato=sykmelding.signatur_dato,
        sendt_tidspunkt=sendt_tidspunkt,
        syketilfelle_start_dato=sykmelding.syketilfelle_start_dato,
        arbeidsgiver=ArbeidsgiverAG(
            navn=sykmelding.arbeidsgiver.navn,
            yrkesbetegnelse=sykmelding.arbeidsgiver.yrkesbetegnelse,
        ),
        sykmeldingsperioder=[_periode_for_arbeidsgiver(periode) for periode in sykmelding.perioder],
        prognose=_prognose_for_arbeidsgiver(sykmelding.prognose),
        tiltak_arbeidsplassen=sykmelding.tiltak_arbeidsplassen,
        melding_til_arbeidsgiver=sykmelding.melding_til_arbeidsgiver,
        kontakt_med_pasient=KontaktMedPasientAG(kontakt_dato=sykmelding.kontakt_med_pasient.kontakt_dato),
        behandler=BehandlerAG(
            fornavn=behandler.fornavn,
            mellomnavn=behandler.mellomnavn,
            etternavn=behandler.etternavn,
            adresse=_adresse_for_arbeidsgiver(behandler.adresse),
            tlf=behandler.tlf,
        ),
        egenmeldt=_egenmeldt(sykmelding.avsender_system),
        papirsykmelding=_papirsykmelding(sykmelding.avsender_system),
        merknader=[MerknadAG(type=merknad.type, beskrivelse=merknad.beskrivelse) for merknad in merknader or []],
    )


def _periode_for_arbeidsgiver(periode: Periode) -> PeriodeAG:
    kind = periode.kind
    if kind is None:
        raise UndefinedPeriodError("a period claims no kind or several (IKKE_DEFINERT_PERIODE)")
    return PeriodeAG(
        fom=periode.fom,
        tom=periode.tom,
        type=PERIODETYPE_AG[kind],
        aktivitet_ikke_mulig=_aktivitet_ikke_mulig_for_arbeidsgiver(periode.aktivitet_ikke_mulig),
        gradert=_gradert_for_arbeidsgiver(periode.gradert),
        behandlingsdager=periode.behandlingsdager,
        innspill_til_arbeidsgiver=periode.avventende_innspill_til_arbeidsgiver,
        reisetilskudd=periode.reisetilskudd,
    )


def _aktivitet_ikke_mulig_for_arbeidsgiver(
    aktivitet: AktivitetIkkeMulig | None,
) -> AktivitetIkkeMuligAG | None:
    if aktivitet is None:
        return None
    # The medical reason stays behind: only the work-related one is the employer's business.
    return AktivitetIkkeMuligAG(
        arbeidsrelatert_arsak=_arbeidsrelatert_arsak_for_arbeidsgiver(aktivitet.arbeidsrelatert_arsak)
    )


def _arbeidsrelatert_arsak_for_arbeidsgiver(arsak: ArbeidsrelatertArsak | None) -> ArbeidsrelatertArsakAG | None:
    if arsak is None:
        return None
    return ArbeidsrelatertArsakAG(
        beskrivelse=arsak.beskrivelse, arsak=[ARBEIDSRELATERT_ARSAK_TYPE_AG[type_] for type_ in arsak.arsak]
    )


def _gradert_for_arbeidsgiver(gradert: Gradert | None) -> GradertAG | None:
    if gradert is None:
        return None
    return GradertAG(grad=gradert.grad, reisetilskudd=gradert.reisetilskudd)


def _adresse_for_arbeidsgiver(adresse: Adresse) -> AdresseAG:
    return AdresseAG(
        gate=adresse.gate,
        postnummer=adresse.postnummer,
        kommune=adresse.kommune,
        postboks=adresse.postboks,
        land=adresse.land,
    )


def _prognose_for_arbeidsgiver(prognose: Prognose | None) -> PrognoseAG | None:
    if prognose is None:
        return None
    return PrognoseAG(
        arbeidsfor_etter_periode=prognose.arbeidsfor_etter_periode,
        hensyn_arbeidsplassen=prognose.hensyn_arbeidsplassen,
    )


def pasient_view(
    received: ReceivedSykmelding, result: ValidationResult, merknader: list[Merknad] | None = None
) -> PasientSykmelding:
    """The patient's own sykmelding, less the answers SKJERMET_FOR_PASIENT.

    Under skjermesForPasient the doctor has judged the medical content harmful for the patient to read:
    the patient then sees what the employer would, and their own employment details, but no diagnosis,
    medical reason, prognosis beyond work, answer, message to NAV, measure for NAV or justification.
    """
    sykmelding = received.sykmelding
    skjermet = sykmelding.skjermes_for_pasient
    behandler = sykmelding.behandler
    return PasientSykmelding(
        id=sykmelding.id,
        mottatt_tidspunkt=received.mottatt_dato,
        behandlet_tidspunkt=sykmelding.behandlet_tidspunkt,
        signatur_dato=sykmelding.signatur_dato,
        syketilfelle_start_dato=sykmelding.syketilfelle_start_dato,
        skjermes_for_pasient=skjermet,
        medisinsk_vurdering=None if skjermet else sykmelding.medisinsk_vurdering,
        arbeidsgiver=sykmelding.arbeidsgiver,
        perioder=[_periode_uten_medisinsk_arsak(p) for p in sykmelding.perioder] if skjermet else sykmelding.perioder,
        prognose=_prognose_uten_vurdering(sykmelding.prognose) if skjermet else sykmelding.prognose,
        utdypende_opplysninger={}
        if skjermet
        else _answers_for(sykmelding.utdypende_opplysninger, SvarRestriksjon.SKJERMET_FOR_PASIENT),
        tiltak_arbeidsplassen=sykmelding.tiltak_arbeidsplassen,
        tiltak_nav=None if skjermet else sykmelding.tiltak_nav,
        andre_tiltak=None if skjermet else sykmelding.andre_tiltak,
        melding_til_nav=None if skjermet else sykmelding.melding_til_nav,
        melding_til_arbeidsgiver=sykmelding.melding_til_arbeidsgiver,
        kontakt_med_pasient=KontaktMedPasient(kontakt_dato=sykmelding.kontakt_med_pasient.kontakt_dato)
        if skjermet
        else sykmelding.kontakt_med_pasient,
        behandler=BehandlerPasient(
            fornavn=behandler.fornavn,
            mellomnavn=behandler.mellomnavn,
            etternavn=behandler.etternavn,
            adresse=_adresse(behandler.adresse),
            tlf=behandler.tlf,
        ),
        behandlingsutfall=result,
        egenmeldt=_egenmeldt(sykmelding.avsender_system),
        papirsykmelding=_papirsykmelding(sykmelding.avsender_system),
        merknader=_merknader(merknader),
    )


def _periode_uten_medisinsk_arsak(periode: Periode) -> Periode:
    aktivitet = periode.aktivitet_ikke_mulig
    return Periode(
        fom=periode.fom,
        tom=periode.tom,
        aktivitet_ikke_mulig=None
        if aktivitet is None
        else AktivitetIkkeMulig(arbeidsrelatert_arsak=aktivitet.arbeidsrelatert_arsak),
        gradert=periode.gradert,
        avventende_innspill_til_arbeidsgiver=periode.avventende_innspill_til_arbeidsgiver,
        behandlingsdager=periode.behandlingsdager,
        reisetilskudd=periode.reisetilskudd,
    )


def _prognose_uten_vurdering(prognose: Prognose | None) -> Prognose | None:
    if prognose is None:
        return None
    return Prognose(
        arbeidsfor_etter_periode=prognose.arbeidsfor_etter_periode,
        hensyn_arbeidsplassen=prognose.hensyn_arbeidsplassen,
    )


def _answers_for(opplysninger: UtdypendeOpplysninger, hidden: SvarRestriksjon) -> UtdypendeOpplysninger:
    """The answers not hidden from this audience. A group left without answers goes too, so that a hidden
    answer leaves no trace, not even that its question group was filled in."""
    visible: UtdypendeOpplysninger = {}
    for gruppe, sporsmal in opplysninger.items():
        svar = {sporsmal_id: s for sporsmal_id, s in sporsmal.items() if hidden not in s.restriksjoner}
        if svar:
            visible[gruppe] = svar
    return visible


def _adresse(adresse: Adresse) -> Adresse:
    return Adresse(
        gate=adresse.gate,
        postnummer=adresse.postnummer,
        kommune=adresse.kommune,
        postboks=adresse.postboks,
        land=adresse.land,
    )


def _merknader(merknader: list[Merknad] | None) -> list[Merknad]:
    return [Merknad(type=merknad.type, beskrivelse=merknad.beskrivelse) for merknad in merknader or []]


def _egenmeldt(avsender: AvsenderSystem) -> bool:
    return avsender.navn == EGENMELDT_AVSENDER


def _papirsykmelding(avsender: AvsenderSystem) -> bool:
    return avsender.navn == PAPIRSYKMELDING_AVSENDER
