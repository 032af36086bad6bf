"""Each party's card is made from its own view only: what the privacy functions leave out never shows; each
timeline line from what its reader's door gives."""

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.dialogmotekandidat import DialogmotekandidatEndring, Endringsarsak, UnntakArsak
from sykmeldingsflyt.domain.motebehov import Innmeldertype, Skjematype
from sykmeldingsflyt.domain.oppfolgingsplan import Delivery, DeliveryStatus, ErrorType, PlanKvittering, PlanStatus
from sykmeldingsflyt.domain.privacy import arbeidsgiver_view, nav_view, pasient_view
from sykmeldingsflyt.domain.timeline import DialogmoteHendelse, DialogmoteStatus
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult
from sykmeldingsflyt.gateway import motebehov
from sykmeldingsflyt.gateway.audit import Resource
from sykmeldingsflyt.gateway.rom import linjer
from sykmeldingsflyt.gateway.rom.bilde import kort_for_arbeidsgiver, kort_for_nav, kort_for_pasient
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER
from tests.integration.test_personvern import _with_canaries

CANARY = "KANARIKORT"
OK = ValidationResult(status=RuleStatus.OK)


def test_the_patient_under_skjermes_for_pasient_and_the_employer_see_no_medical_canary() -> None:
    received = _with_canaries(synthetic.make_sykmelding(random.Random(3), fom=date(2026, 11, 2)), CANARY)
    skjermet = received.model_copy(
        update={"sykmelding": received.sykmelding.model_copy(update={"skjermes_for_pasient": True})}
    )

    nav = kort_for_nav(nav_view(received, OK))
    pasient = kort_for_pasient(pasient_view(received, OK))
    pasient_skjermet = kort_for_pasient(pasient_view(skjermet, OK))
    arbeidsgiver = kort_for_arbeidsgiver(arbeidsgiver_view(received, DEMO_ARBEIDSGIVER, datetime.now(UTC)))

    assert f"{CANARY}-hoveddiagnose" in repr(nav) and f"{CANARY}-meldingtilnav" in repr(nav)
    assert f"{CANARY}-hoveddiagnose" in repr(pasient)
    assert CANARY not in repr(pasient_skjermet) and CANARY not in repr(arbeidsgiver)
    # Every card still shows the periods: the party learns when, not why.
    assert nav.perioder == pasient.perioder == pasient_skjermet.perioder == arbeidsgiver.perioder


NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


def _svar(innmelder: Innmeldertype, begrunnelse: str, **extra: object) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "skjematype": Skjematype.SVAR_BEHOV,
        "innmelder_type": innmelder,
        "har_motebehov": True,
        "begrunnelse": begrunnelse,
        "onsker_tolk": True,
        "tolk_sprak": "polsk",
        "onsker_sykmelder_deltar": False,
        "innsendt": NOW - timedelta(days=2),
        **extra,
    }


def test_an_answer_shows_what_its_readers_view_has_and_whether_nav_handled_it() -> None:
    own = linjer.svarlinje(motebehov.MotebehovSvar.model_validate(_svar(Innmeldertype.ARBEIDSTAKER, "egne ord")), TODAY)
    for_nav = linjer.svarlinje(
        motebehov.NavMotebehov.model_validate(
            _svar(
                Innmeldertype.ARBEIDSGIVER,
                "arbeidsgivers ord",
                orgnr=DEMO_ARBEIDSGIVER.orgnummer,
                tilfelle_id=str(uuid.uuid4()),
                behandlet=NOW,
            )
        ),
        TODAY,
    )

    assert (own.tittel, own.hvem, own.status, own.dato) == (
        "Svar på behov for dialogmøte",
        "NAV",
        "Venter på NAV",
        TODAY - timedelta(days=2),
    )
    assert own.detaljer == ("Fra: Sykmeldt", "Behov for dialogmøte: ja", "Begrunnelse: egne ord", "Ønsker tolk (polsk)")
    assert for_nav.hvem is None and for_nav.status == "Behandlet av NAV 01.12.2026"
    assert "Fra: Arbeidsgiver" in for_nav.detaljer
    assert own.lest is not None and own.lest[0] is Resource.MOTEBEHOV
    assert f"Gjelder arbeidsgiver {DEMO_ARBEIDSGIVER.orgnummer}" in for_nav.detaljer


def test_an_open_question_asks_the_side_that_has_not_answered() -> None:
    open_ = motebehov.MotebehovStatus(vis_motebehov=True, skjematype=Skjematype.SVAR_BEHOV)
    answered = motebehov.MotebehovStatus.model_validate(
        {
            "vis_motebehov": True,
            "skjematype": Skjematype.SVAR_BEHOV,
            "motebehov": _svar(Innmeldertype.ARBEIDSGIVER, "ja"),
        }
    )
    meld = motebehov.MotebehovStatus(vis_motebehov=True, skjematype=Skjematype.MELD_BEHOV)

    linje = linjer.sporsmalslinje(open_, Innmeldertype.ARBEIDSGIVER, TODAY)
    assert linje is not None and (linje.hvem, linje.status) == ("Arbeidsgiver", "Ikke svart")
    assert linjer.sporsmalslinje(answered, Innmeldertype.ARBEIDSGIVER, TODAY) is None
    assert linjer.sporsmalslinje(meld, Innmeldertype.ARBEIDSTAKER, TODAY) is None


def test_a_plan_says_where_its_receipt_says_it_went_and_nothing_of_what_it_says() -> None:
    kvittering = PlanKvittering(
        kvittering_id=str(uuid.uuid4()),
        plan_uuid=str(uuid.uuid4()),
        status=PlanStatus.ACCEPTED,
        general_practitioner=Delivery(status=DeliveryStatus.FAILED, reason=ErrorType.GENERAL_PRACTITIONER_NOT_FOUND),
        nav=Delivery(status=DeliveryStatus.SENT),
        mottatt=NOW,
    )

    linje = linjer.planlinje(kvittering.plan_uuid or "", TODAY, DEMO_ARBEIDSGIVER.orgnummer, kvittering)
    waiting = linjer.planlinje("plan", TODAY, DEMO_ARBEIDSGIVER.orgnummer, None)

    assert linje.detaljer == ("Til fastlegen: kunne ikke leveres", "Til NAV: sendt")
    assert linje.tittel == f"Oppfølgingsplan fra arbeidsgiver ({DEMO_ARBEIDSGIVER.orgnummer})"
    assert waiting.detaljer == () and waiting.status == "Mottatt"
    assert linje.lest == (Resource.PLAN, kvittering.plan_uuid)


def test_each_meeting_event_has_its_own_line() -> None:
    titles = [
        linjer.motelinje("311000101", DialogmoteHendelse("m", status, TODAY + timedelta(days=1)), TODAY)
        for status in DialogmoteStatus
    ]

    assert [t.tittel for t in titles] == [
        "Innkalling til dialogmøte",
        "Dialogmøtet er endret (nytt tid eller sted)",
        "Dialogmøtet er avlyst",
        "Referat fra dialogmøte",
        "Dialogmøtet er lukket",
    ]
    assert all(not t.passert and t.detaljer == ("Med arbeidsgiver 311000101",) for t in titles)


def test_a_meeting_line_shows_the_meetings_time_in_norway_and_none_for_an_event_stored_without_it() -> None:
    vinter, sommer = datetime(2027, 1, 14, 9, tzinfo=UTC), datetime(2027, 6, 14, 8, 30, tzinfo=UTC)
    moter = {
        status: linjer.motelinje("311000101", DialogmoteHendelse("m", status, TODAY, motetid), TODAY)
        for status, motetid in (
            (DialogmoteStatus.INNKALT, vinter),
            (DialogmoteStatus.NYTT_TID_STED, sommer),
            (DialogmoteStatus.AVLYST, sommer),
            (DialogmoteStatus.FERDIGSTILT, sommer),
            (DialogmoteStatus.LUKKET, None),
        )
    }

    assert {status: linje.detaljer for status, linje in moter.items()} == {
        DialogmoteStatus.INNKALT: ("Tid: 14.01.2027 kl. 10:00", "Med arbeidsgiver 311000101"),
        DialogmoteStatus.NYTT_TID_STED: ("Ny tid: 14.06.2027 kl. 10:30", "Med arbeidsgiver 311000101"),
        DialogmoteStatus.AVLYST: ("Møtet var satt til: 14.06.2027 kl. 10:30", "Med arbeidsgiver 311000101"),
        DialogmoteStatus.FERDIGSTILT: ("Møtet ble holdt: 14.06.2027 kl. 10:30", "Med arbeidsgiver 311000101"),
        DialogmoteStatus.LUKKET: ("Med arbeidsgiver 311000101",),
    }
    # Dated and passed by NAV's event, as every line by its own day; the meeting's time is the detail.
    assert all(linje.dato == TODAY and linje.passert for linje in moter.values())


def _endring(kandidat: bool, created_at: datetime, **reasons: object) -> DialogmotekandidatEndring:
    return DialogmotekandidatEndring.model_validate(
        {
            "uuid": str(uuid.uuid4()),
            "created_at": created_at,
            "person_ref": "p",
            "tilfelle_id": str(uuid.uuid4()),
            "tilfelle_start": TODAY - timedelta(days=130),
            "kandidat": kandidat,
            "arsak": Endringsarsak.STOPPUNKT if kandidat else Endringsarsak.UNNTAK,
            **reasons,
        }
    )


def test_the_candidature_shows_as_navs_api_shows_it() -> None:
    fresh = _endring(True, NOW - timedelta(days=3))
    decided = _endring(True, NOW - timedelta(days=8))
    ended = _endring(False, NOW, unntak_arsak=UnntakArsak.MEDISINSKE_GRUNNER)

    shown = linjer.kandidatlinje(decided, NOW)
    over = linjer.kandidatlinje(ended, NOW)
    assert linjer.kandidatlinje(None, NOW) is None and linjer.kandidatlinje(fresh, NOW) is None
    assert shown is not None and (shown.dato, shown.status) == (TODAY - timedelta(days=8), "Kandidat")
    assert over is not None and over.detaljer == ("Årsak: MEDISINSKE_GRUNNER",)
