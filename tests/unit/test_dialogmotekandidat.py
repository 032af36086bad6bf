"""The dialogmøte-2 candidate's lifecycle (DOMAIN.md §5.2), each rule as NAV's isdialogmotekandidat
describes it."""

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from sykmeldingsflyt.domain import dialogmotekandidat as kandidat
from sykmeldingsflyt.domain.dialogmotekandidat import (
    Avslag,
    DialogmotekandidatEndring,
    Endringsarsak,
    IkkeAktuellArsak,
    UnntakArsak,
)
from sykmeldingsflyt.domain.tilfelle import Oppfolgingstilfelle, PeriodeKind, Sykeperiode, build_tilfeller
from sykmeldingsflyt.domain.timeline import DialogmoteHendelse, DialogmoteStatus

START = date(2024, 1, 1)
ORGNR = "311000101"
PERSON = "person-ref-1"
CASE_ID = uuid4()


def on(day: int) -> date:
    return START + timedelta(days=day)


def at(day: int) -> datetime:
    return datetime.combine(on(day), datetime.min.time(), tzinfo=UTC) + timedelta(hours=8)


def tilfelle(tom: int = 200, orgnr: str | None = ORGNR, dodsdato: int | None = None) -> Oppfolgingstilfelle:
    piece = Sykeperiode("s", on(0), on(tom), PeriodeKind.AKTIVITET_IKKE_MULIG, orgnr=orgnr)
    return build_tilfeller([piece], None if dodsdato is None else on(dodsdato))[0]


def mote(status: DialogmoteStatus, day: int) -> DialogmoteHendelse:
    return DialogmoteHendelse("m1", status, on(day))


def decide(
    case: Oppfolgingstilfelle, today: int = 119, moter: tuple[DialogmoteHendelse, ...] = ()
) -> DialogmotekandidatEndring | None:
    return kandidat.stoppunkt(PERSON, CASE_ID, case, dialogmoter=moter, endringer=[], now=at(today), today=on(today))


STOPPUNKT_ROWS = [
    ("a case still running on day 119 makes a candidate", tilfelle(), 119, (), True),
    ("not before day 119", tilfelle(), 118, (), False),
    ("decided late, once day 119 has passed", tilfelle(), 130, (), True),
    ("a case that ended before day 119 makes none", tilfelle(tom=118), 119, (), False),
    ("someone who is not an employee at the case end is none", tilfelle(orgnr=None), 119, (), False),
    ("someone who died before day 119 is none", tilfelle(dodsdato=100), 119, (), False),
    (
        "a meeting FERDIGSTILT within the case before makes none",
        tilfelle(),
        119,
        (mote(DialogmoteStatus.FERDIGSTILT, 90),),
        False,
    ),
    ("a meeting only INNKALT changes nothing", tilfelle(), 119, (mote(DialogmoteStatus.INNKALT, 90),), True),
]


@pytest.mark.parametrize(
    ("case", "today", "moter", "candidate"),
    [row[1:] for row in STOPPUNKT_ROWS],
    ids=[row[0] for row in STOPPUNKT_ROWS],
)
def test_the_stop_point_decision(
    case: Oppfolgingstilfelle, today: int, moter: tuple[DialogmoteHendelse, ...], candidate: bool
) -> None:
    decided = decide(case, today, moter)
    assert (decided is not None) is candidate
    if decided is not None:
        assert decided.kandidat and decided.arsak is Endringsarsak.STOPPUNKT and decided.tilfelle_start == START


def test_the_stop_point_decides_once_per_case_with_the_same_id() -> None:
    first, later = decide(tilfelle()), decide(tilfelle(), 125)
    assert first is not None and later is not None and later.uuid == first.uuid
    again = kandidat.stoppunkt(
        PERSON, CASE_ID, tilfelle(), dialogmoter=(), endringer=[first], now=at(120), today=on(120)
    )
    assert again is None


def candidate() -> DialogmotekandidatEndring:
    decided = decide(tilfelle())
    assert decided is not None
    return decided


@pytest.mark.parametrize(
    ("status", "arsak"),
    [
        (DialogmoteStatus.FERDIGSTILT, Endringsarsak.DIALOGMOTE_FERDIGSTILT),
        (DialogmoteStatus.LUKKET, Endringsarsak.DIALOGMOTE_LUKKET),
        (DialogmoteStatus.INNKALT, None),
        (DialogmoteStatus.AVLYST, None),
    ],
)
def test_a_meeting_ends_the_candidature_when_held_or_closed(
    status: DialogmoteStatus, arsak: Endringsarsak | None
) -> None:
    endring = kandidat.etter_dialogmote(candidate(), mote(status, 130), "h1", at(130))
    assert (None if endring is None else endring.arsak) is arsak
    assert endring is None or not endring.kandidat


@pytest.mark.parametrize("arsak", sorted(set(UnntakArsak) - kandidat.UTGATTE_UNNTAK))
def test_an_exception_with_an_allowed_reason_ends_the_candidature(arsak: UnntakArsak) -> None:
    endring = kandidat.unntak(candidate(), arsak, str(uuid4()), at(130))
    assert isinstance(endring, DialogmotekandidatEndring)
    assert (endring.kandidat, endring.arsak, endring.unntak_arsak) == (False, Endringsarsak.UNNTAK, arsak)


@pytest.mark.parametrize("arsak", sorted(kandidat.UTGATTE_UNNTAK))
def test_an_exception_reason_no_longer_used_is_refused_first(arsak: UnntakArsak) -> None:
    assert kandidat.unntak(candidate(), arsak, "v", at(130)) is Avslag.UGYLDIG_ARSAK
    assert kandidat.unntak(None, arsak, "v", at(130)) is Avslag.UGYLDIG_ARSAK


def test_an_exception_or_ikke_aktuell_for_someone_not_a_candidate_is_refused() -> None:
    ended = kandidat.unntak(candidate(), UnntakArsak.MEDISINSKE_GRUNNER, "v1", at(130))
    assert isinstance(ended, DialogmotekandidatEndring)
    assert kandidat.unntak(ended, UnntakArsak.MEDISINSKE_GRUNNER, "v2", at(131)) is Avslag.IKKE_KANDIDAT
    assert kandidat.ikke_aktuell(None, IkkeAktuellArsak.FRISKMELDT, "v3", at(131)) is Avslag.IKKE_KANDIDAT


def test_ikke_aktuell_ends_the_candidature() -> None:
    endring = kandidat.ikke_aktuell(candidate(), IkkeAktuellArsak.ARBEIDSTAKER_AAP, "v", at(130))
    assert isinstance(endring, DialogmotekandidatEndring)
    assert (endring.arsak, endring.ikke_aktuell_arsak) == (
        Endringsarsak.IKKE_AKTUELL,
        IkkeAktuellArsak.ARBEIDSTAKER_AAP,
    )


@pytest.mark.parametrize(("months", "day", "closed"), [(6, 302, False), (6, 303, True), (1, 150, True)])
def test_an_open_candidature_is_closed_after_the_configured_months(months: int, day: int, closed: bool) -> None:
    # Decided 2024-04-29: six months later is 2024-10-29 (day 302); closed the day after.
    endring = kandidat.lukk_utdatert(candidate(), months, at(day), on(day))
    assert (endring is not None) is closed
    assert endring is None or (endring.arsak is Endringsarsak.LUKKET and not endring.kandidat)


def test_nav_sees_a_candidate_only_from_seven_days_after_the_decision() -> None:
    decided = candidate()
    assert kandidat.synlig_kandidat(decided, at(125)) is None
    assert kandidat.synlig_kandidat(decided, at(126)) == decided
    assert kandidat.synlig_kandidat(kandidat.lukk_utdatert(decided, 1, at(200), on(200)), at(300)) is None


def test_ids_never_collide_between_cases() -> None:
    other: UUID = uuid4()
    elsewhere = kandidat.stoppunkt(PERSON, other, tilfelle(), dialogmoter=(), endringer=[], now=at(119), today=on(119))
    assert elsewhere is not None and elsewhere.uuid != candidate().uuid
