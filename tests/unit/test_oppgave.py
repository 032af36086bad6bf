"""The NAV task: lifecycle and what it may carry."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from sykmeldingsflyt.domain.oppgave import (
    TRANSITIONS,
    InvalidTransitionError,
    Oppgave,
    Oppgavestatus,
    Oppgavetype,
)

CREATED = datetime(2024, 5, 1, 8, tzinfo=UTC)


def oppgave(**fields: Any) -> Oppgave:
    values: dict[str, Any] = {
        "id": UUID("00000000-0000-4000-8000-000000000002"),
        "type": Oppgavetype.DIALOGMOTE_KANDIDAT,
        "referanse": "2011-07/DIALOGMOTE_KANDIDAT",
        "tilfelle_id": UUID("00000000-0000-4000-8000-000000000003"),
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
