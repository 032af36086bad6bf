"""The NAV task: lifecycle and what it may carry."""

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from sykmeldingsflyt.domain.oppgave import (
    TRANSITIONS,
    InvalidTransitionError,
    Oppgave,
    OppgaveBehandlet,
    Oppgavestatus,
    Oppgavetype,
    behandler_ber_om_bistand,
)
from sykmeldingsflyt.domain.sykmelding import MeldingTilNAV
from sykmeldingsflyt.domain.validering import RuleHit, RuleStatus, ValidationResult
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.synthetic import make_sykmelding

CREATED = datetime(2024, 5, 1, 8, tzinfo=UTC)


def oppgave(**fields: Any) -> Oppgave:
    values: dict[str, Any] = {
        "id": "00000000-0000-4000-8000-000000000002",
        "type": Oppgavetype.DIALOGMOTE_KANDIDAT,
        "referanse": "2011-07/DIALOGMOTE_KANDIDAT",
        "tilfelle_id": "00000000-0000-4000-8000-000000000003",
        "person_ref": "person-ref-1",
        "opprettet": CREATED,
    }
    return Oppgave(**(values | fields))


def test_a_new_task_is_mottatt() -> None:
    assert oppgave().status is Oppgavestatus.MOTTATT
    assert oppgave().behandlet is None


def test_mottatt_becomes_behandlet_once() -> None:
    at = CREATED + timedelta(days=2)
    handled = oppgave().with_status(Oppgavestatus.BEHANDLET, at)
    assert (handled.status, handled.behandlet) == (Oppgavestatus.BEHANDLET, at)
    # A redelivered "handled" event changes nothing, not even the timestamp.
    assert handled.with_status(Oppgavestatus.BEHANDLET, at + timedelta(days=1)) == handled


def test_a_handled_task_is_never_reopened() -> None:
    handled = oppgave().with_status(Oppgavestatus.BEHANDLET, CREATED)
    with pytest.raises(InvalidTransitionError):
        handled.with_status(Oppgavestatus.MOTTATT, CREATED)


def test_every_status_has_its_transitions_declared() -> None:
    assert set(TRANSITIONS) == set(Oppgavestatus)


def test_handled_before_created_is_refused() -> None:
    with pytest.raises(ValidationError):
        oppgave().with_status(Oppgavestatus.BEHANDLET, CREATED - timedelta(seconds=1))


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Oppgavestatus.BEHANDLET},
        {"behandlet": CREATED},
        {"opprettet": datetime(2024, 5, 1, 8)},
        {"referanse": ""},
        {"person_ref": ""},
        {"diagnose": "L87"},
    ],
)
def test_inconsistent_or_extra_fields_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        oppgave(**fields)


def test_the_wire_form_carries_ids_and_no_medical_field() -> None:
    wire = oppgave().to_wire()
    assert set(wire) == {
        "id",
        "type",
        "referanse",
        "tilfelleId",
        "personRef",
        "status",
        "opprettet",
        "behandlet",
    }
    assert Oppgave.model_validate(wire) == oppgave()


def test_a_task_may_lack_a_case_when_its_producer_cannot_know_it() -> None:
    assert oppgave(tilfelle_id=None, type=Oppgavetype.BEHANDLER_BER_OM_BISTAND).tilfelle_id is None


# The doctor asks NAV for help (BEHANDLER_BER_OM_BISTAND).


def _nav_sykmelding(status: RuleStatus = RuleStatus.OK, **update: Any) -> NavSykmelding:
    received = make_sykmelding(random.Random(5), fom=date(2024, 5, 1))
    sykmelding = received.sykmelding.model_copy(update=update)
    hits = (
        []
        if status is RuleStatus.OK
        else [RuleHit(rule_name="R", message_for_sender="s", message_for_user="u", rule_status=status)]
    )
    return NavSykmelding(
        received_sykmelding=received.model_copy(update={"sykmelding": sykmelding}),
        validation_result=ValidationResult(status=status, rule_hits=hits),
    )


@pytest.mark.parametrize(
    "update",
    [
        {"melding_til_nav": MeldingTilNAV(bistand_umiddelbart=True, beskriv_bistand="KANARI-bistand")},
        {"tiltak_nav": "KANARI-tiltak"},
    ],
)
def test_a_doctor_asking_nav_for_help_makes_a_task_without_the_text(update: dict[str, Any]) -> None:
    nav = _nav_sykmelding(**update)
    task = behandler_ber_om_bistand(nav, "person-ref-1", CREATED)
    assert task is not None
    assert (task.type, task.referanse, task.tilfelle_id) == (
        Oppgavetype.BEHANDLER_BER_OM_BISTAND,
        nav.received_sykmelding.sykmelding.id,
        None,
    )
    assert "KANARI" not in str(task.to_wire())
    again = behandler_ber_om_bistand(nav, "person-ref-1", CREATED + timedelta(days=1))
    assert again is not None and again.id == task.id


@pytest.mark.parametrize(
    "update",
    [
        {},
        {"melding_til_nav": MeldingTilNAV(bistand_umiddelbart=False, beskriv_bistand="not urgent")},
        {"tiltak_nav": "  "},
    ],
)
def test_no_task_when_the_doctor_asks_for_nothing(update: dict[str, Any]) -> None:
    assert behandler_ber_om_bistand(_nav_sykmelding(**update), "person-ref-1", CREATED) is None


def test_no_task_for_a_rejected_sykmelding() -> None:
    nav = _nav_sykmelding(RuleStatus.INVALID, tiltak_nav="help")
    assert behandler_ber_om_bistand(nav, "person-ref-1", CREATED) is None
    manual = _nav_sykmelding(RuleStatus.MANUAL_PROCESSING, tiltak_nav="help")
    assert behandler_ber_om_bistand(manual, "person-ref-1", CREATED) is not None


def test_oppgave_behandlet_names_a_task_and_an_instant() -> None:
    with pytest.raises(ValidationError):
        OppgaveBehandlet(oppgave_id="not-a-uuid", behandlet=CREATED)
    with pytest.raises(ValidationError):
        OppgaveBehandlet(oppgave_id=oppgave().id, behandlet=datetime(2024, 5, 1))
