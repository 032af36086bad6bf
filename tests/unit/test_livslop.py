"""The sykmelding lifecycle: every allowed step, every refusal, and what the employer must see."""

from datetime import UTC, datetime

import pytest

from sykmeldingsflyt.domain.livslop import ArbeidsgiverEffekt, Avslag, Avslatt, Overgang, Tilstand, anvend
from sykmeldingsflyt.domain.status import ArbeidsgiverStatus, StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykmelding import SykmeldingStatus
from sykmeldingsflyt.domain.validering import RuleStatus
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER

OTHER_EMPLOYER = ArbeidsgiverStatus(orgnummer="311000128", juridisk_orgnummer="311000004", org_navn="Annet AS")
SYKMELDING_ID = "0f6e4a52-3c1d-4c1e-9a0e-2b4f9c1d7e11"


def _event(status: StatusEvent, employer: ArbeidsgiverStatus | None = None) -> SykmeldingStatusEvent:
    return SykmeldingStatusEvent(
        event_id="5b1f0b0e-8f65-4c36-9a43-7ad0b4f1f0a1",
        sykmelding_id=SYKMELDING_ID,
        timestamp=datetime(2026, 11, 2, 10, tzinfo=UTC),
        status_event=status,
        arbeidsgiver=employer if status is StatusEvent.SENDT else None,
    )


def _apen(validation: RuleStatus = RuleStatus.OK) -> Tilstand:
    return Tilstand(SykmeldingStatus.APEN, validation)


def _sendt(orgnummer: str = DEMO_ARBEIDSGIVER.orgnummer) -> Tilstand:
    return Tilstand(SykmeldingStatus.SENDT, RuleStatus.OK, orgnummer)


def test_sending_publishes_to_the_chosen_employer() -> None:
    outcome = anvend(_apen(), _event(StatusEvent.SENDT, DEMO_ARBEIDSGIVER))
    assert outcome == Overgang(_sendt(), ArbeidsgiverEffekt.PUBLISER)


def test_manual_processing_may_be_sent() -> None:
    outcome = anvend(_apen(RuleStatus.MANUAL_PROCESSING), _event(StatusEvent.SENDT, DEMO_ARBEIDSGIVER))
    assert isinstance(outcome, Overgang) and outcome.effekt is ArbeidsgiverEffekt.PUBLISER


@pytest.mark.parametrize("event", [StatusEvent.SENDT, StatusEvent.BEKREFTET])
def test_a_rejected_sykmelding_cannot_be_sent_or_confirmed(event: StatusEvent) -> None:
    outcome = anvend(_apen(RuleStatus.INVALID), _event(event, DEMO_ARBEIDSGIVER))
    assert isinstance(outcome, Avslatt) and outcome.grunn is Avslag.AVVIST_SYKMELDING


def test_sending_to_a_second_employer_is_refused() -> None:
    outcome = anvend(_sendt(), _event(StatusEvent.SENDT, OTHER_EMPLOYER))
    assert isinstance(outcome, Avslatt) and outcome.grunn is Avslag.ANNEN_ARBEIDSGIVER


def test_sending_again_to_the_same_employer_republishes() -> None:
    outcome = anvend(_sendt(), _event(StatusEvent.SENDT, DEMO_ARBEIDSGIVER))
    assert outcome == Overgang(_sendt(), ArbeidsgiverEffekt.PUBLISER)


@pytest.mark.parametrize("event", [StatusEvent.AVBRUTT, StatusEvent.SLETTET])
def test_withdrawing_a_sent_sykmelding_removes_the_employer_view(event: StatusEvent) -> None:
    outcome = anvend(_sendt(), _event(event))
    assert isinstance(outcome, Overgang) and outcome.effekt is ArbeidsgiverEffekt.TREKK_TILBAKE


@pytest.mark.parametrize("event", [StatusEvent.AVBRUTT, StatusEvent.SLETTET, StatusEvent.BEKREFTET])
def test_an_unsent_sykmelding_never_touches_the_employer_topic(event: StatusEvent) -> None:
    outcome = anvend(_apen(), _event(event))
    assert isinstance(outcome, Overgang) and outcome.effekt is ArbeidsgiverEffekt.INGEN


def test_a_cancelled_sykmelding_cannot_be_sent_until_reopened() -> None:
    avbrutt = Tilstand(SykmeldingStatus.AVBRUTT, RuleStatus.OK, DEMO_ARBEIDSGIVER.orgnummer)
    refused = anvend(avbrutt, _event(StatusEvent.SENDT, OTHER_EMPLOYER))
    assert isinstance(refused, Avslatt) and refused.grunn is Avslag.UGYLDIG_OVERGANG

    reopened = anvend(avbrutt, _event(StatusEvent.GJENAPNET))
    assert reopened == Overgang(_apen(), ArbeidsgiverEffekt.INGEN)
    resent = anvend(reopened.ny, _event(StatusEvent.SENDT, OTHER_EMPLOYER))
    assert isinstance(resent, Overgang) and resent.ny.sendt_til_orgnummer == OTHER_EMPLOYER.orgnummer


@pytest.mark.parametrize("event", list(StatusEvent))
def test_nothing_applies_to_a_deleted_sykmelding(event: StatusEvent) -> None:
    outcome = anvend(Tilstand(SykmeldingStatus.SLETTET, RuleStatus.OK), _event(event, DEMO_ARBEIDSGIVER))
    assert isinstance(outcome, Avslatt) and outcome.grunn is Avslag.SLETTET


def test_reopening_an_open_sykmelding_is_refused() -> None:
    outcome = anvend(_apen(), _event(StatusEvent.GJENAPNET))
    assert isinstance(outcome, Avslatt) and outcome.grunn is Avslag.UGYLDIG_OVERGANG
