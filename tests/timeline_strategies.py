"""Hypothesis strategies for the case timeline's wire models, and their rows in the contract table."""

from datetime import timedelta
from typing import Any

from hypothesis import strategies as st

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.dialogmote import DialogmoteStatusEndring
from sykmeldingsflyt.domain.dialogmotekandidat import (
    DialogmotekandidatEndring,
    DialogmotekandidatVurdering,
    Endringsarsak,
    IkkeAktuellArsak,
    UnntakArsak,
)
from sykmeldingsflyt.domain.dodsfall import Dodsfall
from sykmeldingsflyt.domain.motebehov import Innmeldertype, MotebehovFraPart, Skjematype
from sykmeldingsflyt.domain.oppgave import Oppgave, OppgaveBehandlet, Oppgavestatus, Oppgavetype
from sykmeldingsflyt.domain.sykepengesoknad import (
    Dagperiode,
    Fravar,
    Fravarstype,
    SoknadArbeidsgiver,
    Soknadsperiode,
    Soknadstype,
    Sykepengesoknad,
    Sykmeldingstype,
)
from sykmeldingsflyt.domain.timeline import DialogmoteStatus
from sykmeldingsflyt.domain.varsel import Mottaker, Varsel, Varseltype
from tests.strategies import DEFAULT_TEXTS, Texts, dates, fnrs, ids, orgnrs, timestamps

person_refs = st.text(alphabet="0123456789abcdef", min_size=40, max_size=40)


@st.composite
def oppgaver(draw: st.DrawFn) -> Oppgave:
    opprettet = draw(timestamps())
    handled_after = draw(st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
    return Oppgave(
        id=draw(ids()),
        type=draw(st.sampled_from(Oppgavetype)),
        referanse=draw(ids() | st.just("2011-07/DIALOGMOTE_KANDIDAT")),
        tilfelle_id=draw(st.none() | ids()),
        person_ref=draw(person_refs),
        status=Oppgavestatus.MOTTATT if handled_after is None else Oppgavestatus.BEHANDLET,
        opprettet=opprettet,
        behandlet=None if handled_after is None else opprettet + handled_after,
    )


def oppgaver_behandlet() -> st.SearchStrategy[OppgaveBehandlet]:
    return st.builds(lambda oppgave_id, at: OppgaveBehandlet(oppgave_id=oppgave_id, behandlet=at), ids(), timestamps())


@st.composite
def varsler(draw: st.DrawFn) -> Varsel:
    mottaker = draw(st.sampled_from(Mottaker))
    return Varsel(
        id=draw(ids()),
        type=draw(st.sampled_from(Varseltype)),
        mottaker=mottaker,
        tilfelle_id=draw(ids()),
        person_ref=draw(person_refs),
        orgnr=draw(orgnrs()) if mottaker is Mottaker.ARBEIDSGIVER else draw(st.none() | orgnrs()),
        stoppunkt_dato=draw(dates()),
        opprettet=draw(timestamps()),
    )


@st.composite
def motebehov_fra_part(draw: st.DrawFn, texts: Texts = DEFAULT_TEXTS) -> MotebehovFraPart:
    skjematype = draw(st.sampled_from(Skjematype))
    har_motebehov = skjematype is Skjematype.MELD_BEHOV or draw(st.booleans())
    sykmelder = har_motebehov and draw(st.booleans())
    tolk = har_motebehov and draw(st.booleans())
    return MotebehovFraPart(
        id=draw(ids()),
        skjematype=skjematype,
        innmelder_type=draw(st.sampled_from(Innmeldertype)),
        orgnr=draw(orgnrs()),
        har_motebehov=har_motebehov,
        begrunnelse=draw(st.none() | texts),
        onsker_sykmelder_deltar=sykmelder,
        onsker_sykmelder_deltar_begrunnelse=draw(st.none() | texts) if sykmelder else None,
        onsker_tolk=tolk,
        tolk_sprak=draw(texts.filter(bool)) if tolk else None,
        innsendt=draw(timestamps()),
        arbeidstaker_fnr=draw(fnrs()),
    )


def dialogmote_statuser() -> st.SearchStrategy[DialogmoteStatusEndring]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        "dialogmote_uuid": ids(),
        "status_endring_type": st.sampled_from(DialogmoteStatus),
        "status_endring_tidspunkt": timestamps(),
        "dialogmote_tidspunkt": timestamps(),
        "person_ident": fnrs(),
        "virksomhetsnummer": orgnrs(),
    }
    return st.fixed_dictionaries(fields).map(lambda values: DialogmoteStatusEndring(**values))


@st.composite
def soknader(draw: st.DrawFn, texts: Texts = DEFAULT_TEXTS) -> Sykepengesoknad:
    """A sent søknad of any type, every piece inside its fom..tom."""
    fom = draw(dates())
    length = draw(st.integers(0, 40))
    tom = fom + timedelta(days=length)

    def inside() -> st.SearchStrategy[tuple[Any, Any]]:
        return st.tuples(st.integers(0, length), st.integers(0, length)).map(
            lambda ab: (fom + timedelta(days=min(ab)), fom + timedelta(days=max(ab)))
        )

    def perioder() -> st.SearchStrategy[Soknadsperiode]:
        return st.builds(
            lambda span, grad, faktisk, kind: Soknadsperiode(
                fom=span[0], tom=span[1], sykmeldingsgrad=grad, faktisk_grad=faktisk, sykmeldingstype=kind
            ),
            inside(),
            st.integers(0, 100),
            st.none() | st.integers(0, 100),
            st.sampled_from(Sykmeldingstype),
        )

    type_ = draw(st.sampled_from(Soknadstype))
    sendt_nav = draw(st.none() | timestamps())
    return Sykepengesoknad(
        id=draw(ids()),
        type=type_,
        fnr=draw(fnrs()),
        sykmelding_id=draw(ids()),
        arbeidsgiver=(
            SoknadArbeidsgiver(orgnummer=draw(orgnrs()), navn=draw(texts))
            if type_ is Soknadstype.ARBEIDSTAKERE
            else None
        ),
        fom=fom,
        tom=tom,
        korrigerer=draw(st.none() | ids()),
        sendt_nav=sendt_nav,
        sendt_arbeidsgiver=draw(timestamps()) if sendt_nav is None else draw(st.none() | timestamps()),
        arbeid_gjenopptatt=draw(st.none() | inside().map(lambda span: span[0])),
        soknadsperioder=draw(st.lists(perioder(), min_size=1, max_size=3)),
        fravar=draw(
            st.lists(
                st.builds(
                    lambda span, t: Fravar(fom=span[0], tom=span[1], type=t), inside(), st.sampled_from(Fravarstype)
                ),
                max_size=2,
            )
        ),
        egenmeldinger=draw(
            st.lists(st.builds(lambda span: Dagperiode(fom=span[0], tom=span[1]), inside()), max_size=2)
        ),
        behandlingsdager=draw(st.lists(inside().map(lambda span: span[0]), max_size=3)),
        melding_til_nav=draw(st.none() | texts),
    )


@st.composite
def kandidat_endringer(draw: st.DrawFn) -> DialogmotekandidatEndring:
    arsak = draw(st.sampled_from(Endringsarsak))
    return DialogmotekandidatEndring(
        uuid=draw(ids()),
        created_at=draw(timestamps()),
        person_ref=draw(person_refs),
        tilfelle_id=draw(ids()),
        tilfelle_start=draw(dates()),
        kandidat=arsak is Endringsarsak.STOPPUNKT,
        arsak=arsak,
        unntak_arsak=draw(st.sampled_from(UnntakArsak)) if arsak is Endringsarsak.UNNTAK else None,
        ikke_aktuell_arsak=draw(st.sampled_from(IkkeAktuellArsak)) if arsak is Endringsarsak.IKKE_AKTUELL else None,
    )


@st.composite
def kandidat_vurderinger(draw: st.DrawFn) -> DialogmotekandidatVurdering:
    unntak = draw(st.booleans())
    return DialogmotekandidatVurdering(
        uuid=draw(ids()),
        personident=draw(fnrs()),
        veilederident=draw(st.from_regex(r"^[A-Z][0-9]{6}$", fullmatch=True)),
        created_at=draw(timestamps()),
        unntak_arsak=draw(st.sampled_from(UnntakArsak)) if unntak else None,
        ikke_aktuell_arsak=None if unntak else draw(st.sampled_from(IkkeAktuellArsak)),
    )


TIMELINE_CONTRACTS: list[tuple[str, type[DomainModel], st.SearchStrategy[Any]]] = [
    ("oppgave", Oppgave, oppgaver()),
    ("oppgave_behandlet", OppgaveBehandlet, oppgaver_behandlet()),
    ("varsel", Varsel, varsler()),
    ("motebehov", MotebehovFraPart, motebehov_fra_part()),
    ("dialogmote_status", DialogmoteStatusEndring, dialogmote_statuser()),
    ("sykepengesoknad", Sykepengesoknad, soknader()),
    ("dialogmotekandidat_endring", DialogmotekandidatEndring, kandidat_endringer()),
    ("dialogmotekandidat_vurdering", DialogmotekandidatVurdering, kandidat_vurderinger()),
    (
        "dodsfall",
        Dodsfall,
        st.builds(
            lambda i, f, d: Dodsfall(hendelse_id=i, personident=f, dodsdato=d), ids(), fnrs(), st.none() | dates()
        ),
    ),
]
