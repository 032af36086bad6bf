"""The checks intake makes before the rules run."""

from datetime import timedelta

from sykmeldingsflyt.domain.kvittering import Avvisningsgrunn
from sykmeldingsflyt.domain.rules import intake_problems
from sykmeldingsflyt.domain.sykmelding import Diagnose, MedisinskVurdering, ReceivedSykmelding
from sykmeldingsflyt.synthetic import L87
from tests.support.registers import UKJENT_PASIENT_FNR, bundled_fakta
from tests.unit.rules.builders import FOM, at_nine, sykmelding


def _problems(received: ReceivedSykmelding) -> list[Avvisningsgrunn]:
    return intake_problems(received, bundled_fakta(received)[1], today=FOM)


def test_the_synthetic_sykmelding_passes_intake() -> None:
    assert _problems(sykmelding()) == []


def test_an_unknown_patient_is_rejected() -> None:
    [problem] = _problems(sykmelding(pasient_fnr=UKJENT_PASIENT_FNR))
    assert (problem.rule_name, problem.field) == ("PASIENT_FINNES_IKKE", "pasientFnr")
    assert "pasientFnr" in problem.message_for_sender
    assert UKJENT_PASIENT_FNR not in problem.message_for_sender


def test_a_clinic_orgnr_with_a_wrong_check_digit_is_rejected_and_other_lengths_are_left_to_the_rules() -> None:
    valid = sykmelding()
    assert valid.legekontor_orgnr is not None
    wrong_digit = valid.legekontor_orgnr[:-1] + str((int(valid.legekontor_orgnr[-1]) + 1) % 10)
    [problem] = _problems(valid.model_copy(update={"legekontor_orgnr": wrong_digit}))
    assert (problem.rule_name, problem.field) == ("UGYLDIG_ORGNR_KONTROLLSIFFER", "legekontorOrgnr")
    assert wrong_digit not in problem.message_for_sender
    # The sender is told why intake is stricter here than NAV's length-only rule.
    assert "strengere enn NAVs regler" in problem.message_for_sender
    assert _problems(valid.model_copy(update={"legekontor_orgnr": "12345"})) == []


def test_a_signature_after_today_is_rejected_and_today_is_not() -> None:
    assert _problems(sykmelding(signatur_dato=at_nine(FOM))) == []
    [problem] = _problems(sykmelding(signatur_dato=at_nine(FOM + timedelta(days=1))))
    assert (problem.rule_name, problem.field) == ("SIGNATURDATO_I_FREMTIDEN", "sykmelding.signaturDato")


def test_a_signature_just_after_midnight_in_oslo_is_on_the_next_norwegian_day() -> None:
    # 23:30 UTC is 00:30 the next day in Oslo.
    signed = at_nine(FOM).replace(hour=23, minute=30)
    assert [p.rule_name for p in _problems(sykmelding(signatur_dato=signed))] == ["SIGNATURDATO_I_FREMTIDEN"]


def test_missing_diagnosis_codes_are_named_by_field() -> None:
    vurdering = MedisinskVurdering(
        hoved_diagnose=Diagnose(system=L87.system, kode=" ", tekst="Bursitt"),
        bi_diagnoser=[L87, Diagnose(system="", kode="L87", tekst="Bursitt")],
        svangerskap=False,
        yrkesskade=False,
    )
    problems = _problems(sykmelding(medisinsk_vurdering=vurdering))
    assert [(p.rule_name, p.field) for p in problems] == [
        ("MANGLENDE_DIAGNOSEKODE", "sykmelding.medisinskVurdering.hovedDiagnose.kode"),
        ("MANGLENDE_DIAGNOSEKODE", "sykmelding.medisinskVurdering.biDiagnoser[1].system"),
    ]
    assert all(p.field and p.field in p.message_for_sender for p in problems)


def test_every_problem_is_reported_at_once() -> None:
    received = sykmelding(pasient_fnr=UKJENT_PASIENT_FNR, signatur_dato=at_nine(FOM + timedelta(days=2)))
    assert [p.rule_name for p in _problems(received)] == [
        "PASIENT_FINNES_IKKE",
        "SIGNATURDATO_I_FREMTIDEN",
    ]
