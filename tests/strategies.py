"""Hypothesis strategies for every wire model, filling every optional field with a value some of the time.

Every free-text field draws from one `texts` strategy, so a privacy test can pass a strategy of unique
canary strings and then look for them where they must not be. Identifiers are always valid and synthetic.
"""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, TypeVar

from hypothesis import strategies as st

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.identifiers import synthetic_fnr
from sykmeldingsflyt.domain.kvittering import Avvisningsgrunn, Kvittering, KvitteringStatus
from sykmeldingsflyt.domain.status import (
    ArbeidsgiverStatus,
    ShortName,
    SporsmalOgSvar,
    StatusEvent,
    Svartype,
    SykmeldingStatusEvent,
)
from sykmeldingsflyt.domain.sykmelding import (
    AVRO_INT_MAX,
    Adresse,
    AktivitetIkkeMulig,
    AnnenFraverGrunn,
    AnnenFraversArsak,
    Arbeidsgiver,
    ArbeidsrelatertArsak,
    ArbeidsrelatertArsakType,
    AvsenderSystem,
    Behandler,
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
    Prognose,
    ReceivedSykmelding,
    SporsmalSvar,
    SvarRestriksjon,
    Sykmelding,
    UtdypendeOpplysninger,
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
from sykmeldingsflyt.synthetic import synthetic_orgnr

Texts = st.SearchStrategy[str]

DEFAULT_TEXTS: Texts = st.text(max_size=30)
_SEVERITY = [RuleStatus.OK, RuleStatus.MANUAL_PROCESSING, RuleStatus.INVALID]


T = TypeVar("T")
M = TypeVar("M", bound=DomainModel)


def _model(model: type[M], **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[M]:
    # Not st.builds: it reads pydantic's alias-named signature and would add its own camelCase arguments.
    return st.fixed_dictionaries(fields).map(lambda values: model(**values))


def _optional(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | strategy


def _lists(strategy: st.SearchStrategy[T]) -> st.SearchStrategy[list[T]]:
    return st.lists(strategy, max_size=3)


def fnrs() -> st.SearchStrategy[str]:
    """Synthetic fnr (month + 80) for birth dates across every century an fnr can encode."""
    born = st.dates(min_value=date(1854, 1, 1), max_value=date(2039, 12, 31))
    return st.builds(synthetic_fnr, born, st.randoms(use_true_random=False))


def orgnrs() -> st.SearchStrategy[str]:
    return st.builds(synthetic_orgnr, st.randoms(use_true_random=False))


def ids() -> st.SearchStrategy[str]:
    return st.uuids().map(str)


def dates() -> st.SearchStrategy[date]:
    return st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


def timestamps() -> st.SearchStrategy[datetime]:
    """Aware datetimes in any UTC offset and at microsecond precision: the models normalise both."""
    offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    )
    return st.datetimes(
        min_value=datetime(1900, 1, 2),
        max_value=datetime(2100, 12, 30),
        timezones=st.just(UTC) | offsets,
    )


def _question_ids() -> st.SearchStrategy[str]:
    return st.from_regex(r"[1-9]\.[1-9]{1,2}(\.[1-9])?", fullmatch=True)


def diagnoser(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[Diagnose]:
    return _model(Diagnose, system=texts, kode=texts, tekst=texts)


def medisinske_vurderinger(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[MedisinskVurdering]:
    return _model(
        MedisinskVurdering,
        hoved_diagnose=_optional(diagnoser(texts)),
        bi_diagnoser=_lists(diagnoser(texts)),
        svangerskap=st.booleans(),
        yrkesskade=st.booleans(),
        yrkesskade_dato=_optional(dates()),
        annen_fravers_arsak=_optional(
            _model(
                AnnenFraversArsak,
                beskrivelse=_optional(texts),
                grunn=_lists(st.sampled_from(AnnenFraverGrunn)),
            )
        ),
    )


def arbeidsrelaterte_arsaker(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[ArbeidsrelatertArsak]:
    return _model(
        ArbeidsrelatertArsak,
        beskrivelse=_optional(texts),
        arsak=_lists(st.sampled_from(ArbeidsrelatertArsakType)),
    )


def gradert() -> st.SearchStrategy[Gradert]:
    return _model(Gradert, grad=st.integers(min_value=1, max_value=100), reisetilskudd=st.booleans())


def behandlingsdager() -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=AVRO_INT_MAX)


def perioder(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[Periode]:
    """Periods of any combination of kinds, none and several included: the rules judge those."""
    return _model(
        Periode,
        fom=dates(),
        tom=dates(),
        aktivitet_ikke_mulig=_optional(
            _model(
                AktivitetIkkeMulig,
                medisinsk_arsak=_optional(
                    _model(
                        MedisinskArsak,
                        beskrivelse=_optional(texts),
                        arsak=_lists(st.sampled_from(MedisinskArsakType)),
                    )
                ),
                arbeidsrelatert_arsak=_optional(arbeidsrelaterte_arsaker(texts)),
            )
        ),
        gradert=_optional(gradert()),
        avventende_innspill_til_arbeidsgiver=_optional(texts),
        behandlingsdager=_optional(behandlingsdager()),
        reisetilskudd=st.booleans(),
    )


def arbeidsgivere(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[Arbeidsgiver]:
    return _model(
        Arbeidsgiver,
        har_arbeidsgiver=st.sampled_from(HarArbeidsgiver),
        navn=_optional(texts),
        yrkesbetegnelse=_optional(texts),
        stillingsprosent=_optional(st.integers(min_value=0, max_value=100)),
    )


def prognoser(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[Prognose]:
    return _model(
        Prognose,
        arbeidsfor_etter_periode=st.booleans(),
        hensyn_arbeidsplassen=_optional(texts),
        er_i_arbeid=_optional(
            _model(
                ErIArbeid,
                eget_arbeid_pa_sikt=st.booleans(),
                annet_arbeid_pa_sikt=st.booleans(),
                arbeid_fom=_optional(dates()),
                vurderingsdato=_optional(dates()),
            )
        ),
        er_ikke_i_arbeid=_optional(
            _model(
                ErIkkeIArbeid,
                arbeidsfor_pa_sikt=st.booleans(),
                arbeidsfor_fom=_optional(dates()),
                vurderingsdato=_optional(dates()),
            )
        ),
    )


def utdypende_opplysninger(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[UtdypendeOpplysninger]:
    svar = _model(
        SporsmalSvar,
        sporsmal=texts,
        svar=texts,
        restriksjoner=st.lists(st.sampled_from(SvarRestriksjon), max_size=3, unique=True),
    )
    return st.dictionaries(_question_ids(), st.dictionaries(_question_ids(), svar, max_size=3), max_size=3)


def adresser(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[Adresse]:
    return _model(
        Adresse,
        gate=_optional(texts),
        postnummer=_optional(texts),
        kommune=_optional(texts),
        postboks=_optional(texts),
        land=_optional(texts),
    )


def behandlere(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[Behandler]:
    return _model(
        Behandler,
        fornavn=texts,
        mellomnavn=_optional(texts),
        etternavn=texts,
        fnr=fnrs(),
        hpr=_optional(texts),
        her=_optional(texts),
        adresse=adresser(texts),
        tlf=_optional(texts),
    )


def kontakter_med_pasient(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[KontaktMedPasient]:
    return _model(KontaktMedPasient, kontakt_dato=_optional(dates()), begrunnelse_ikke_kontakt=_optional(texts))


def meldinger_til_nav(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[MeldingTilNAV]:
    return _model(MeldingTilNAV, bistand_umiddelbart=st.booleans(), beskriv_bistand=_optional(texts))


def sykmeldinger(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[Sykmelding]:
    return _model(
        Sykmelding,
        id=ids(),
        medisinsk_vurdering=medisinske_vurderinger(texts),
        skjermes_for_pasient=st.booleans(),
        arbeidsgiver=arbeidsgivere(texts),
        perioder=_lists(perioder(texts)),
        prognose=_optional(prognoser(texts)),
        utdypende_opplysninger=utdypende_opplysninger(texts),
        tiltak_arbeidsplassen=_optional(texts),
        tiltak_nav=_optional(texts),
        andre_tiltak=_optional(texts),
        melding_til_nav=_optional(meldinger_til_nav(texts)),
        melding_til_arbeidsgiver=_optional(texts),
        kontakt_med_pasient=kontakter_med_pasient(texts),
        behandlet_tidspunkt=timestamps(),
        behandler=behandlere(texts),
        avsender_system=_model(AvsenderSystem, navn=texts, versjon=texts),
        syketilfelle_start_dato=_optional(dates()),
        signatur_dato=timestamps(),
        navn_fastlege=_optional(texts),
    )


def received_sykmeldinger(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[ReceivedSykmelding]:
    return _model(
        ReceivedSykmelding,
        msg_id=ids(),
        mottatt_dato=timestamps(),
        pasient_fnr=fnrs(),
        avsender_fnr=fnrs(),
        avsender_hpr=_optional(texts),
        legekontor_orgnr=_optional(texts),
        legekontor_her_id=_optional(texts),
        ruleset_version=_optional(texts),
        sykmelding=sykmeldinger(texts),
    )


def rule_hits(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[RuleHit]:
    return _model(
        RuleHit,
        rule_name=texts,
        message_for_sender=texts,
        message_for_user=texts,
        rule_status=st.sampled_from(RuleStatus),
        legal_reference=_optional(texts),
    )


@st.composite
def validation_results(draw: st.DrawFn, texts: Texts = DEFAULT_TEXTS) -> ValidationResult:
    hits = draw(_lists(rule_hits(texts)))
    status = max((hit.rule_status for hit in hits), key=_SEVERITY.index, default=RuleStatus.OK)
    return ValidationResult(status=status, rule_hits=hits)


def merknader(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[Merknad]:
    return _model(Merknad, type=texts, beskrivelse=_optional(texts))


@st.composite
def kvitteringer(draw: st.DrawFn, texts: Texts = DEFAULT_TEXTS) -> Kvittering:
    status = draw(st.sampled_from(KvitteringStatus))
    grunn = _model(Avvisningsgrunn, rule_name=texts, message_for_sender=texts, field=_optional(texts))
    grunner = draw(st.lists(grunn, min_size=1, max_size=3)) if status is KvitteringStatus.AVVIST else []
    return Kvittering(
        kvittering_id=draw(ids()),
        msg_id=draw(texts),
        sykmelding_id=draw(_optional(ids())),
        status=status,
        mottatt_dato=draw(timestamps()),
        avvisningsgrunner=grunner,
    )


def arbeidsgiver_statuser(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[ArbeidsgiverStatus]:
    return _model(ArbeidsgiverStatus, orgnummer=orgnrs(), juridisk_orgnummer=orgnrs(), org_navn=texts)


@st.composite
def status_events(draw: st.DrawFn, texts: Texts = DEFAULT_TEXTS) -> SykmeldingStatusEvent:
    status = draw(st.sampled_from(StatusEvent))
    sporsmal = _model(
        SporsmalOgSvar,
        tekst=texts,
        short_name=st.sampled_from(ShortName),
        svartype=st.sampled_from(Svartype),
        svar=texts,
    )
    return SykmeldingStatusEvent(
        event_id=draw(ids()),
        sykmelding_id=draw(ids()),
        timestamp=draw(timestamps()),
        status_event=status,
        arbeidsgiver=draw(arbeidsgiver_statuser(texts)) if status is StatusEvent.SENDT else None,
        sporsmals=draw(_lists(sporsmal)),
    )


def nav_sykmeldinger(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[NavSykmelding]:
    return _model(
        NavSykmelding,
        received_sykmelding=received_sykmeldinger(texts),
        validation_result=validation_results(texts),
    )


# The employer view's own types: drawn from its own models, never the sykmelding's.


def _perioder_ag(texts: Texts) -> st.SearchStrategy[PeriodeAG]:
    arbeidsrelatert_arsak = _model(
        ArbeidsrelatertArsakAG,
        beskrivelse=_optional(texts),
        arsak=_lists(st.sampled_from(ArbeidsrelatertArsakTypeAG)),
    )
    return _model(
        PeriodeAG,
        fom=dates(),
        tom=dates(),
        type=st.sampled_from(PeriodetypeAG),
        aktivitet_ikke_mulig=_optional(
            _model(AktivitetIkkeMuligAG, arbeidsrelatert_arsak=_optional(arbeidsrelatert_arsak))
        ),
        gradert=_optional(_model(GradertAG, grad=st.integers(min_value=1, max_value=100), reisetilskudd=st.booleans())),
        behandlingsdager=_optional(behandlingsdager()),
        innspill_til_arbeidsgiver=_optional(texts),
        reisetilskudd=st.booleans(),
    )


def arbeidsgiver_sykmeldinger(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[ArbeidsgiverSykmelding]:
    return _model(
        ArbeidsgiverSykmelding,
        id=ids(),
        orgnummer=orgnrs(),
        juridisk_orgnummer=orgnrs(),
        org_navn=_optional(texts),
        mottatt_tidspunkt=timestamps(),
        behandlet_tidspunkt=timestamps(),
        signatur_dato=timestamps(),
        sendt_tidspunkt=_optional(timestamps()),
        syketilfelle_start_dato=_optional(dates()),
        arbeidsgiver=_model(ArbeidsgiverAG, navn=_optional(texts), yrkesbetegnelse=_optional(texts)),
        sykmeldingsperioder=_lists(_perioder_ag(texts)),
        prognose=_optional(
            _model(PrognoseAG, arbeidsfor_etter_periode=st.booleans(), hensyn_arbeidsplassen=_optional(texts))
        ),
        tiltak_arbeidsplassen=_optional(texts),
        melding_til_arbeidsgiver=_optional(texts),
        kontakt_med_pasient=_model(KontaktMedPasientAG, kontakt_dato=_optional(dates())),
        behandler=_optional(
            _model(
                BehandlerAG,
                fornavn=texts,
                mellomnavn=_optional(texts),
                etternavn=texts,
                adresse=_model(
                    AdresseAG,
                    gate=_optional(texts),
                    postnummer=_optional(texts),
                    kommune=_optional(texts),
                    postboks=_optional(texts),
                    land=_optional(texts),
                ),
                tlf=_optional(texts),
            )
        ),
        egenmeldt=st.booleans(),
        papirsykmelding=st.booleans(),
        merknader=_lists(_model(MerknadAG, type=texts, beskrivelse=_optional(texts))),
    )


def pasient_sykmeldinger(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[PasientSykmelding]:
    return _model(
        PasientSykmelding,
        id=ids(),
        mottatt_tidspunkt=timestamps(),
        behandlet_tidspunkt=timestamps(),
        signatur_dato=timestamps(),
        syketilfelle_start_dato=_optional(dates()),
        skjermes_for_pasient=st.booleans(),
        medisinsk_vurdering=_optional(medisinske_vurderinger(texts)),
        arbeidsgiver=arbeidsgivere(texts),
        perioder=_lists(perioder(texts)),
        prognose=_optional(prognoser(texts)),
        utdypende_opplysninger=utdypende_opplysninger(texts),
        tiltak_arbeidsplassen=_optional(texts),
        tiltak_nav=_optional(texts),
        andre_tiltak=_optional(texts),
        melding_til_nav=_optional(meldinger_til_nav(texts)),
        melding_til_arbeidsgiver=_optional(texts),
        kontakt_med_pasient=kontakter_med_pasient(texts),
        behandler=_model(
            BehandlerPasient,
            fornavn=texts,
            mellomnavn=_optional(texts),
            etternavn=texts,
            adresse=adresser(texts),
            tlf=_optional(texts),
        ),
        behandlingsutfall=validation_results(texts),
        egenmeldt=st.booleans(),
        papirsykmelding=st.booleans(),
        merknader=_lists(merknader(texts)),
    )
