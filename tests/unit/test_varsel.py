"""Each recipient's copy of a varsel: the employer's names the person by its own pseudonym, the employee's
by nothing; NAV's reference reaches neither."""

import uuid
from datetime import UTC, date, datetime

import pytest

from sykmeldingsflyt.domain.varsel import Mottaker, Varsel, Varseltype


def test_a_varsel_copy_for_each_recipient_carries_no_nav_reference() -> None:
    varsel = Varsel(
        id=str(uuid.uuid4()),
        type=Varseltype.SVAR_MOTEBEHOV,
        mottaker=Mottaker.ARBEIDSGIVER,
        tilfelle_id=str(uuid.uuid4()),
        person_ref="nav-internal-reference",
        orgnr="311000101",
        stoppunkt_dato=date(2026, 12, 1),
        opprettet=datetime(2026, 12, 1, tzinfo=UTC),
    )
    employer = varsel.for_arbeidsgiver("the-employers-own")
    employee = varsel.model_copy(update={"mottaker": Mottaker.ARBEIDSTAKER}).for_arbeidstaker()

    assert "nav-internal-reference" not in employer.model_dump_json() + employee.model_dump_json()
    assert employer.ansatt_ref == "the-employers-own"
    with pytest.raises(ValueError, match="ARBEIDSTAKER"):
        varsel.for_arbeidstaker()
