"""Each party's card is made from its own view only: what the privacy functions leave out never shows."""

import random
from datetime import UTC, date, datetime

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.privacy import arbeidsgiver_view, nav_view, pasient_view
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult
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
